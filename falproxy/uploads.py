"""`fal.storage.upload` through the proxy, into the user's asset cache.

The JS client first asks for an upload URL (`initiate`, through the proxy, so it is our
user's call), then PUTs the bytes straight to that URL with no credentials of its own (fal-js
issue 169: a browser has none to send), and finally uses the file URL as a job input. So the
upload URL is presigned like a bucket's: the signature names one ProxyUpload row, which names
the user. The bytes are checked like any upload (size, real image or audio) and stored once
per content through jobs.services.assets, in local and in remote mode alike, named and typed
as what they were found to be.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobs import fal, media
from jobs.services import assets

from .models import ProxyUpload

SIGNATURE_SALT = "falproxy.upload"
UPLOAD_URL_LIFETIME_SECONDS = 3600


class UploadRefused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def max_upload_bytes() -> int:
    return max(settings.MAX_IMAGE_BYTES, settings.MAX_AUDIO_BYTES)


def initiate(request, details) -> dict:
    """A presigned upload URL and the file's URL for `fal.storage.upload`'s initiate call."""
    if not isinstance(details, dict):
        raise UploadRefused(400, "Body must be a JSON object with file_name and content_type")
    upload = ProxyUpload.objects.create(
        user=request.user,
        # Kept readable (a NUL or a path is no name; PostgreSQL refuses NUL in text at all).
        file_name=media.readable_name(str(details.get("file_name") or "")) or "upload.bin",
        content_type=str(details.get("content_type") or "application/octet-stream")[:100],
    )
    signature = signing.dumps(str(upload.id), salt=SIGNATURE_SALT)
    upload_url = request.build_absolute_uri(reverse("falproxy:upload", args=[upload.id])) + f"?signature={signature}"
    return {
        "upload_url": upload_url,
        "file_url": request.build_absolute_uri(reverse("falproxy:file", args=[upload.id])),
    }


def refuse_multipart() -> None:
    # The JS client goes multipart only past 90 MB, far over what an input may be.
    raise UploadRefused(
        413, f"The file is larger than {max_upload_bytes() // (1024 * 1024)} MB, the most an input may be."
    )


def signed_upload(upload_id, signature: str) -> ProxyUpload:
    try:
        if signing.loads(signature, salt=SIGNATURE_SALT, max_age=UPLOAD_URL_LIFETIME_SECONDS) != str(upload_id):
            raise signing.BadSignature
    except signing.BadSignature:
        raise UploadRefused(403, "Invalid or expired upload signature") from None
    upload = ProxyUpload.objects.select_related("user").filter(pk=upload_id).first()
    if upload is None:
        raise UploadRefused(404, "Upload not found")
    return upload


def receive(upload: ProxyUpload, content: bytes) -> ProxyUpload:
    """Check the bytes as an input and put them in the owner's asset cache."""
    kind = media.sniff_kind(content)
    if kind is None:
        raise UploadRefused(422, "The file is neither a JPEG/PNG/WebP image nor MP3/WAV/M4A/OGG/AAC audio.")
    try:
        checked = media.check_image(content) if kind == "image" else media.check_audio(content)
    except media.MediaError as exc:
        raise UploadRefused(422, exc.message) from None
    checked.kind = kind
    checked.source_name = media.readable_name(upload.file_name)
    try:
        # Typed as what the bytes were found to be, never as the client said: a PNG named
        # "gift.html" is stored as gift.png (media.safe_file_name) and never comes back as a page.
        asset = assets.upload_asset(upload.user, checked)
    except fal.FalError as exc:
        raise UploadRefused(502, f"Uploading to fal storage failed: {exc.message}") from None
    upload.asset = asset
    upload.save(update_fields=["asset"])
    return upload


def owned_upload(user, upload_id) -> ProxyUpload | None:
    return ProxyUpload.objects.select_related("asset").filter(pk=upload_id, user=user, asset__isnull=False).first()


def resolve_input_url(request, value):
    """A file URL this proxy handed out becomes the asset's URL in fal storage (so the
    serializer finds the asset and its measured length); anything else is left as it is.
    Another user's, or an upload that never arrived: UploadRefused (422)."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    prefix = reverse("falproxy:file", args=["00000000-0000-0000-0000-000000000000"]).rsplit("/", 1)[0] + "/"
    if parts.netloc != request.get_host() or not parts.path.startswith(prefix):
        return value
    try:
        upload = owned_upload(request.user, parts.path[len(prefix) :].strip("/"))
    except ValidationError:  # not a UUID: not one of ours
        upload = None
    if upload is None:
        raise UploadRefused(422, "This file URL names no upload of yours that finished.")
    return upload.asset.fal_url
