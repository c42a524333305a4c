"""fal's storage API (CDN tokens, uploads, multipart, legacy initiate) and the public file host."""

from django.http import HttpRequest, HttpResponse

from core.ranged_files import ranged_file_response

from . import storage, webhooks
from .gateway import (
    CDN_TOKEN,
    PUBLIC,
    engine_route,
    error_response,
    has_cdn_token,
    json_response,
    mount_url,
    parse_json_body,
)


@engine_route("upload", ("POST",))
def cdn_token(request: HttpRequest) -> HttpResponse:
    token, expires_at = storage.issue_cdn_token()
    return json_response(
        {
            "token": token,
            "token_type": "Bearer",
            # fal-client uploads single files to its own CDN_URL; base_url serves multipart.
            "base_url": f"{mount_url(request)}/cdn",
            "expires_at": expires_at.isoformat(),
        }
    )


@engine_route("upload", ("POST",), credentials=CDN_TOKEN)
def cdn_upload(request: HttpRequest) -> HttpResponse:
    name = storage.new_file_name(request.headers.get("X-Fal-File-Name"), request.content_type)
    storage.save_stream(name, request)
    return json_response({"access_url": file_url(request, name)})


@engine_route("upload", ("POST",), credentials=CDN_TOKEN)
def multipart_create(request: HttpRequest) -> HttpResponse:
    name = storage.new_file_name(request.headers.get("X-Fal-File-Name") or "upload.bin", request.content_type)
    return json_response({"access_url": file_url(request, name), "uploadId": storage.start_multipart(name)})


def may_write_multipart(request: HttpRequest, upload_id: str) -> bool:
    """fal-client sends its CDN token; the JS client sends nothing but the presigned URL it was
    given by initiate-multipart (its parts and `complete` go straight to storage, no proxy)."""
    return has_cdn_token(request) or storage.presigned_multipart_is_valid(upload_id, request.GET.get("signature", ""))


@engine_route("upload", ("PUT",), credentials=PUBLIC)
def multipart_part(request: HttpRequest, name: str, upload_id: str, part_number: str) -> HttpResponse:
    if not may_write_multipart(request, upload_id):
        return error_response(401, "Missing, invalid or expired CDN token or upload signature")
    try:
        etag = storage.save_part(upload_id, name, int(part_number), request)
    except storage.UploadRejected as exc:
        return error_response(404, str(exc))
    # fal-client reads the ETag header; the JS client reads the body.
    return json_response({"partNumber": int(part_number), "etag": etag}, headers={"ETag": etag})


@engine_route("upload", ("POST",), credentials=PUBLIC)
def multipart_complete(request: HttpRequest, name: str, upload_id: str) -> HttpResponse:
    if not may_write_multipart(request, upload_id):
        return error_response(401, "Missing, invalid or expired CDN token or upload signature")
    try:
        parts = parse_json_body(request).get("parts", [])
        storage.complete_multipart(upload_id, name, parts)
    except (ValueError, AttributeError) as exc:
        return error_response(400, str(exc))
    return json_response({"access_url": file_url(request, name)})


@engine_route("upload", ("POST",))
def initiate_upload(request: HttpRequest) -> HttpResponse:
    """Legacy "fal" repository: hand out a presigned PUT URL and the file's final URL."""
    try:
        details = parse_json_body(request)
    except ValueError:
        return error_response(400, "Body must be JSON")
    if not isinstance(details, dict):
        return error_response(400, "Body must be a JSON object")
    name = storage.new_file_name(details.get("file_name") or "upload.bin", details.get("content_type"))
    upload_url = f"{mount_url(request)}/cdn/uploads/{name}?signature={storage.presign_upload(name)}"
    return json_response({"upload_url": upload_url, "file_url": file_url(request, name)})


@engine_route("upload", ("POST",))
def initiate_multipart_upload(request: HttpRequest) -> HttpResponse:
    """The JS client's uploads over 90 MB: a presigned multipart URL and the file's final URL.

    The client PUTs part n to `<upload_url path>/<n><query>` and POSTs the part list to
    `<upload_url path>/complete<query>`, so the signature rides in the query."""
    try:
        details = parse_json_body(request)
    except ValueError:
        return error_response(400, "Body must be JSON")
    if not isinstance(details, dict):
        return error_response(400, "Body must be a JSON object")
    name = storage.new_file_name(details.get("file_name") or "upload.bin", details.get("content_type"))
    upload_id = storage.start_multipart(name)
    signature = storage.presign_multipart(upload_id)
    upload_url = f"{mount_url(request)}/cdn/files/{name}/multipart/{upload_id}?signature={signature}"
    return json_response({"upload_url": upload_url, "file_url": file_url(request, name)})


@engine_route("upload", ("PUT",), credentials=PUBLIC)
def presigned_upload(request: HttpRequest, name: str) -> HttpResponse:
    # Presigned like a cloud bucket URL: the signature in the query is the only credential.
    if not storage.presigned_upload_is_valid(name, request.GET.get("signature", "")):
        return error_response(403, "Invalid or expired upload signature")
    storage.save_stream(name, request)
    return json_response({})


@engine_route("jwks", ("GET",), credentials=PUBLIC)
def jwks(request: HttpRequest) -> HttpResponse:
    return json_response(webhooks.jwks())


@engine_route("file", ("GET", "HEAD"), credentials=PUBLIC)
def serve_file(request: HttpRequest, name: str) -> HttpResponse:
    # Anyone may store anything here, and in local mode this is our app's origin: a file is
    # shown only as the picture, sound or video its bytes are, else downloaded, never by the
    # name or type the uploader gave (core.stored_media).
    path = storage.stored_file(name)
    if path is None:
        return error_response(404, "File not found")
    return ranged_file_response(request, path)


def file_url(request: HttpRequest, name: str) -> str:
    return f"{mount_url(request)}/cdn/files/{name}"
