"""Serving local media to its owner only: inputs and videos are private to their user.

Responses honour HTTP Range requests, so the browser's video player can seek and start
playing before the whole file has arrived.
"""

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Stored names are "<inputs|videos>/<user id>/<job id>/<file>" (see jobs.models).
PRIVATE_FOLDERS = ("inputs", "videos")
BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK_BYTES = 64 * 1024


def _owner_id(path):
    parts = path.split("/")
    if len(parts) >= 4 and parts[0] in PRIVATE_FOLDERS:
        return parts[1]
    return None


def _requesting_user(request):
    """The browser session's user, or an API consumer's token user."""
    if request.user.is_authenticated:
        return request.user
    try:
        authenticated = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return authenticated[0] if authenticated else None


@require_GET
def serve_private_media(request, path):
    """A file from MEDIA_ROOT for its owner (or staff); 404 for everyone else, so the
    existence of other users' files is not revealed."""
    user = _requesting_user(request)
    owner_id = _owner_id(path)
    if user is None or owner_id is None or (str(user.pk) != owner_id and not user.is_staff):
        raise Http404("No such file.")
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, path))
    except SuspiciousFileOperation:
        raise Http404("No such file.") from None
    if not full_path.is_file():
        raise Http404("No such file.")
    return _file_response(request, full_path)


def _file_response(request, full_path):
    size = full_path.stat().st_size
    content_type = mimetypes.guess_type(full_path.name)[0] or "application/octet-stream"
    requested = BYTE_RANGE.match(request.headers.get("Range", "").strip())
    if not requested:
        response = FileResponse(full_path.open("rb"), content_type=content_type)
    else:
        first, last = _byte_range(*requested.groups(), size=size)
        if first is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = full_path.open("rb")
        handle.seek(first)
        response = StreamingHttpResponse(_read(handle, last - first + 1), status=206, content_type=content_type)
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _byte_range(first, last, *, size):
    """(first, last) byte positions for "bytes=first-last" (either may be empty), or
    (None, None) when the range can't be satisfied."""
    if first == "":
        if last == "" or int(last) == 0:
            return None, None
        return max(size - int(last), 0), size - 1  # a suffix: the last N bytes
    first = int(first)
    last = size - 1 if last == "" else min(int(last), size - 1)
    if first >= size or first > last:
        return None, None
    return first, last


def _read(handle, remaining):
    with handle:
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
