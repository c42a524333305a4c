"""How a stored file is shown from our origin: as the picture, sound or video its bytes are,
or else as a download, and never as a page or a script.

Stored files are chosen by others: a signed-in user's inputs, and in local mode anyone's
upload to the engine's storage, which is mounted on our origin. Served with a type taken from
the name or from the uploader, an HTML page would run as our origin and a `.js` file would
pass our `script-src 'self'`. So the type comes from the file's first bytes (a format's
signature), and only JPEG, PNG, WebP, MP3, AAC, WAV, Ogg, MP4 and WebM are shown inline;
anything else goes out as an `application/octet-stream` attachment. SVG is not among the
pictures: it is a document that runs scripts. Every answer carries `nosniff`, so no browser
second-guesses the type, and a sandboxing policy, so nothing in it runs were it rendered.

Used by our private media and the engine's CDN (through core.ranged_files), so it lives in
`config`, importing neither.
"""

from pathlib import Path

DOWNLOAD = "application/octet-stream"
SIGNATURE_BYTES = 16

# A media document (a browser tab showing an image, a sound or a video) has no markup of the
# uploader's, and scripts are never allowed. `allow-same-origin` keeps the tab our origin: a
# video or sound tab fetches its file again, and from an opaque origin that request would go
# without the (SameSite) session cookie, so an owner opening their own video would get a 404.
# img-src and media-src let that second fetch through.
MEDIA_POLICY = "sandbox allow-same-origin; default-src 'none'; img-src 'self'; media-src 'self'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'"

# Brands of the ISO media family (MP4) that hold sound only.
AUDIO_MP4_BRANDS = (b"M4A ", b"M4B ", b"M4P ")


def media_type(head: bytes) -> str | None:
    """The image, audio or video type these first bytes of a file are in, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG audio frame's sync word; layer bits 00 mark AAC's ADTS header instead.
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in AUDIO_MP4_BRANDS else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def file_media_type(path: Path) -> str | None:
    with path.open("rb") as handle:
        return media_type(handle.read(SIGNATURE_BYTES))


def presentation(path: Path, disposition: str | None = None) -> tuple[str, str | None]:
    """The (Content-Type, Content-Disposition) to serve the stored file at `path` with: its
    media type and the caller's disposition (None: inline), or else a download of bytes (the
    caller's disposition if that is an attachment, naming the file)."""
    content_type = file_media_type(path)
    if content_type is None:
        return DOWNLOAD, disposition if disposition and disposition.startswith("attachment") else "attachment"
    return content_type, disposition


def guard(response):
    """Mark a stored file's response: no type sniffing, and a policy under which nothing runs."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY if response["Content-Type"] == DOWNLOAD else MEDIA_POLICY
    return response
