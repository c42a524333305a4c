"""Serving a stored file with HTTP byte ranges (RFC 9110 section 14), so video players can seek.

Used by our private media and by the local engine's CDN; it sits in `config` because the
engine (a stand-in for an outside service) must not import product code, nor product code
the engine. One range per request: multi-range requests, which browsers' players never
send, get the whole file, as the RFC allows. What type a file is served as, and how it is
kept from running as a page, is core.stored_media's.
"""

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from . import stored_media

SINGLE_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
CHUNK_BYTES = 64 * 1024
# Positions are capped before int(): Python refuses to convert more than 4,300 digits (a
# 500 from one header), and no file comes near 10**18 bytes.
BEYOND_ANY_FILE = 10**18


def ranged_file_response(request, path: Path, *, disposition: str | None = None) -> HttpResponse:
    """The file at `path` as GET or HEAD asked for it: whole (200), one range (206), or 416.

    It is served as the media type its bytes are, with `disposition` (None: inline), or as a
    download when they are no picture, sound or video (core.stored_media)."""
    size = path.stat().st_size
    content_type, disposition = stored_media.presentation(path, disposition)
    byte_range = requested_range(request.headers.get("Range", ""), size)
    if isinstance(byte_range, str):  # "unsatisfiable", the only string
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is None:
        response = _body(request, path, 0, size - 1, status=200, content_type=content_type)
    else:
        first, last = byte_range
        response = _body(request, path, first, last, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    if disposition:
        response["Content-Disposition"] = disposition
    return stored_media.guard(response)


def requested_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The single byte range asked for as (first, last), None for the whole file (no or an
    unusable header), or "unsatisfiable"."""
    match = SINGLE_RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    first, last = match.groups()
    if first:
        start = _position(first)
        end = min(_position(last), size - 1) if last else size - 1
    else:  # a suffix: the last N bytes
        if _position(last) == 0:
            return "unsatisfiable"
        start, end = max(0, size - _position(last)), size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) < 19 else BEYOND_ANY_FILE


def _body(request, path, first, last, *, status, content_type):
    length = last - first + 1
    response: HttpResponseBase
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    elif status == 200:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        response = StreamingHttpResponse(_read(path, first, length), status=status, content_type=content_type)
    response["Content-Length"] = str(max(length, 0))
    return response


def _read(path, first, remaining):
    with path.open("rb") as handle:
        handle.seek(first)
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
