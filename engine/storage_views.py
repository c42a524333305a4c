"""fal's storage API (CDN tokens, uploads, multipart, legacy initiate) and the public file host."""

import re

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from . import storage, webhooks
from .gateway import CDN_TOKEN, PUBLIC, engine_route, error_response, json_response, mount_url, parse_json_body

BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
RANGE_CHUNK_BYTES = 256 * 1024


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


@engine_route("upload", ("PUT",), credentials=CDN_TOKEN)
def multipart_part(request: HttpRequest, name: str, upload_id: str, part_number: str) -> HttpResponse:
    try:
        etag = storage.save_part(upload_id, name, int(part_number), request)
    except storage.UploadRejected as exc:
        return error_response(404, str(exc))
    # fal-client reads the ETag header; the JS client reads the body.
    return json_response({"partNumber": int(part_number), "etag": etag}, headers={"ETag": etag})


@engine_route("upload", ("POST",), credentials=CDN_TOKEN)
def multipart_complete(request: HttpRequest, name: str, upload_id: str) -> HttpResponse:
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
    path = storage.stored_file(name)
    if path is None:
        return error_response(404, "File not found")
    size = path.stat().st_size
    content_type = storage.content_type_for(name)
    byte_range = requested_range(request.headers.get("Range", ""), size)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(size)
    elif byte_range is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        start, end = byte_range
        response = StreamingHttpResponse(read_range(path, start, end), status=206, content_type=content_type)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Browsers' <video> seeks with Range requests.
    response["Accept-Ranges"] = "bytes"
    return response


def requested_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The single byte range asked for, None for the whole file, or "unsatisfiable"."""
    match = BYTE_RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


def read_range(path, start: int, end: int):
    with path.open("rb") as source:
        source.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = source.read(min(RANGE_CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def file_url(request: HttpRequest, name: str) -> str:
    return f"{mount_url(request)}/cdn/files/{name}"
