"""Signed, expiring URLs for a job's stored files: what the API hands out, so that any HTTP
client can download a result without our credentials, as it can fal's own outputs.

On a bucket that signs its URLs (S3) the bucket's own presigned URL is used. Local files get
our media URL with `expires` (unix seconds) and `signature` (an HMAC of the storage name and
the expiry, keyed by SECRET_KEY) in the query; jobs.views checks them before serving. Both
last MEDIA_URL_EXPIRY_SECONDS. The pages keep the plain URL, which their session unlocks.
"""

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

SALT = "jobs.signed-media-url"
# An expiry is unix seconds: ten digits until the year 2286. Longer is no expiry of ours.
EXPIRY_DIGITS = 10


def signed_url(stored, *, request=None) -> str:
    """An absolute URL of the stored file (a FieldFile) that works without credentials until
    it expires. Absolute against the request, else PUBLIC_BASE_URL (else left relative)."""
    storage = stored.storage
    if getattr(storage, "querystring_auth", False):
        return storage.url(stored.name, expire=settings.MEDIA_URL_EXPIRY_SECONDS)
    if not isinstance(storage, FileSystemStorage):
        return stored.url  # a public bucket: its URLs need no signature
    expires = int(timezone.now().timestamp()) + settings.MEDIA_URL_EXPIRY_SECONDS
    path = reverse("media", kwargs={"path": stored.name})
    url = f"{path}?expires={expires}&signature={_signature(stored.name, expires)}"
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.PUBLIC_BASE_URL + url


class LinkRefused(Exception):
    """A signed URL that must not be served: tampered with, or expired."""


def check(name: str, expires: str, signature: str) -> None:
    """Pass if `signature` signs `name` until `expires` and that moment has not come; else
    raise LinkRefused with the reason."""
    if not (expires.isdigit() and len(expires) <= EXPIRY_DIGITS) or not constant_time_compare(
        signature, _signature(name, int(expires))
    ):
        raise LinkRefused("This link's signature is not valid.")
    if int(expires) < timezone.now().timestamp():
        raise LinkRefused("This link has expired; ask the API for the job again for a fresh one.")


def _signature(name: str, expires: int) -> str:
    return signing.Signer(salt=SALT).signature(f"{name}\n{expires}")
