"""Checking and probing media: what a file really is, how long it plays, its poster frame.

Content is judged by decoding it (Pillow for images, PyAV for audio and video), never by
the file name, so a renamed text file is refused with a clear message.
"""

import base64
import binascii
import hashlib
import io
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from urllib.parse import unquote, urlsplit

import av
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from consent import services as consent
from core.public_urls import UnsafeURL, public_addresses

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# PyAV container names -> (content type, extension) for the audio formats the model takes.
AUDIO_FORMATS = {
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "ogg": ("audio/ogg", "ogg"),
    "aac": ("audio/aac", "aac"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("audio/mp4", "m4a"),
}
# A stored name's stem is cut here: long enough to recognise, short enough for any storage
# key, URL and file system once a random prefix and the extension are added.
STORED_STEM_CHARACTERS = 60
READABLE_NAME_CHARACTERS = 200
DATA_URI = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w-]+=[^;,]*)*)(?P<b64>;base64)?,(?P<data>.*)$", re.S
)


class MediaError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class ValidatedInput:
    """An input that passed validation: a URL fal can fetch, or content we will store.

    Content is bytes (a data: URI, a file read by the CLI) or an uploaded file, kept as the
    file itself (often a temporary file on disk) so it is never copied into memory whole.
    """

    url: str = ""
    data: bytes = b""
    file: File | None = None
    content_type: str = ""
    file_name: str = ""
    # The name the person knows it by: the uploaded file's name or the URL's last segment.
    source_name: str = ""
    duration: float | None = None  # audio only
    width: int | None = None  # images only
    height: int | None = None
    kind: str = ""

    @property
    def stored_name(self) -> str:
        """The name to store this input under (our storage, fal storage and so its URL): a
        safe form of the person's name with the extension of what the content really is."""
        return safe_file_name(self.source_name, self.file_name)

    @property
    def content(self) -> bytes | File:
        return self.file if self.file is not None else self.data

    @cached_property
    def sha256(self) -> str:
        """The content's SHA-256 ("" for a URL left for fal to fetch)."""
        return "" if self.url else content_sha256(self.content)

    def content_file(self):
        if self.file is not None:
            # A plain File is copied by chunks; storage would move a temporary upload away.
            return File(self.file, name=self.file_name)
        return ContentFile(self.data, name=self.file_name)


HASH_CHUNK_BYTES = 1024 * 1024


def content_sha256(content: bytes | File) -> str:
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks(HASH_CHUNK_BYTES):
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def refuse_if_blocked(checked: "ValidatedInput") -> "ValidatedInput":
    """Staff may block a portrait by its content (consent.models): it is refused at every door."""
    if checked.sha256 and consent.is_blocked(checked.sha256):
        raise MediaError(consent.BLOCKED_MESSAGE)
    return checked


def visible_text(raw: str) -> str:
    """Text fit to show as a title: no control or format characters (a newline, an escape,
    a right-to-left override), spaces collapsed, at most 200 characters; any script kept."""
    visible = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in raw or "")
    return " ".join(visible.split())[:READABLE_NAME_CHARACTERS]


def readable_name(raw: str) -> str:
    """A file name as a person gave it, fit to show as a title: its last path segment (after
    either slash), as visible_text."""
    return visible_text(re.split(r"[/\\]", raw or "")[-1])


def safe_file_name(raw: str, checked_name: str) -> str:
    """A safe form of the person's file name for storage keys, URLs and the X-Fal-File-Name
    header: ASCII letters, digits, `.`, `_` and `-` (accents dropped, anything else a dash),
    no `..`, no leading dot, the stem cut to 60 characters. The extension is the one the
    checked content has (`checked_name`, e.g. "image.png"), never the given one: a PNG named
    gift.html is stored as gift.png. With nothing usable left, `checked_name` itself."""
    stem_fallback, _, extension = checked_name.rpartition(".")
    name = readable_name(raw)
    stem = name.rpartition(".")[0] if "." in name.lstrip(".") else name
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:STORED_STEM_CHARACTERS].strip("-_")
    return f"{stem or stem_fallback}.{extension}" if extension else (stem or stem_fallback)


def content_type_for_name(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def human_size(num_bytes: int) -> str:
    return f"{num_bytes / (1024 * 1024):.0f} MB" if num_bytes >= 1024 * 1024 else f"{num_bytes / 1024:.0f} KB"


def _size(source: bytes | File) -> int:
    return len(source) if isinstance(source, bytes) else source.size


def _from_start(source: bytes | File):
    """Something Pillow or PyAV can read from the beginning: decoders read a file in
    pieces, so an uploaded file is checked without being read into memory."""
    if isinstance(source, bytes):
        return io.BytesIO(source)
    source.seek(0)
    return source


def _validated(source: bytes | File, **facts) -> ValidatedInput:
    if isinstance(source, bytes):
        return ValidatedInput(data=source, **facts)
    source.seek(0)
    return ValidatedInput(file=source, **facts)


def check_image(source: bytes | File) -> ValidatedInput:
    """Check an image input, given as bytes or as a file (an upload: see check_upload)."""
    if _size(source) > settings.MAX_IMAGE_BYTES:
        raise MediaError(f"The image is larger than {human_size(settings.MAX_IMAGE_BYTES)}.")
    try:
        with Image.open(_from_start(source)) as image:
            image.verify()
        with Image.open(_from_start(source)) as image:
            image_format, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        raise MediaError(
            f"The image is far too large; each side must be at most {settings.MAX_IMAGE_SIDE} pixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise MediaError("The image is not a readable JPEG, PNG or WebP picture.") from None
    if image_format not in IMAGE_FORMATS:
        raise MediaError(f"Images must be JPEG, PNG or WebP; this one is {image_format}.")
    low, high = settings.MIN_IMAGE_SIDE, settings.MAX_IMAGE_SIDE
    if min(width, height) < low or max(width, height) > high:
        raise MediaError(f"The image is {width}x{height} pixels; each side must be between {low} and {high}.")
    content_type, extension = IMAGE_FORMATS[image_format]
    checked = _validated(source, content_type=content_type, file_name=f"image.{extension}", width=width, height=height)
    return refuse_if_blocked(checked)


def check_audio(source: bytes | File) -> ValidatedInput:
    """Check an audio input; its duration is measured by decoding, never read from the header.

    Headers can lie (a patched M4A claiming 2 s while holding 300 s), and fal renders every
    sample, so the limit and the price both rest on the decoded length. Decoding stops as soon
    as the limit is passed: a long file costs no more than the limit's worth of decoding.
    """
    if _size(source) > settings.MAX_AUDIO_BYTES:
        raise MediaError(f"The audio file is larger than {human_size(settings.MAX_AUDIO_BYTES)}.")
    # Up to the long limit: audio longer than a model takes makes a long video (jobs.long_audio).
    low, high = settings.MIN_AUDIO_SECONDS, settings.MAX_LONG_AUDIO_SECONDS
    try:
        with av.open(_from_start(source), mode="r") as container:
            if not container.streams.audio or container.streams.video:
                raise MediaError("The audio file must contain speech audio and no video.")
            format_name = container.format.name
            if format_name not in AUDIO_FORMATS:
                raise MediaError("Audio must be MP3, WAV, M4A, OGG or AAC.")
            duration = _decoded_seconds(container, stop_after=high)
    except av.error.FFmpegError:
        # Also a decode error mid-stream: the engine fails its run on one, so refuse it here.
        raise MediaError("The audio file is not readable MP3, WAV, M4A, OGG or AAC audio.") from None
    if duration > high:
        raise MediaError(f"The audio lasts more than {high:g} seconds; the limit is {high:g} seconds.")
    if duration < low:
        raise MediaError(f"The audio is too short; it must last at least {low:g} seconds.")
    content_type, extension = AUDIO_FORMATS[format_name]
    return _validated(
        source, content_type=content_type, file_name=f"audio.{extension}", duration=round(float(duration), 3)
    )


def _decoded_seconds(container, stop_after: float) -> Fraction:
    """Seconds of sound in the first audio stream, counted from decoded samples; stops once past stop_after.

    Summed as exact fractions so a file of exactly the limit is not refused by rounding.
    """
    seconds = Fraction(0)
    for frame in container.decode(container.streams.audio[0]):
        seconds += Fraction(frame.samples, frame.sample_rate)
        if seconds > stop_after:
            break
    return seconds


def sniff_kind(source: bytes | File) -> str | None:
    """'image' or 'audio' by what the content decodes as (not by name), or None."""
    try:
        with Image.open(_from_start(source)):
            return "image"
    except Image.DecompressionBombError:
        return "image"  # an image, just far too big: check_image says so
    except (UnidentifiedImageError, OSError):
        pass
    try:
        with av.open(_from_start(source), mode="r") as container:
            return "audio" if container.streams.audio else None
    except av.error.FFmpegError:
        return None


def decode_data_uri(value: str) -> bytes:
    match = DATA_URI.match(value)
    if not match:
        raise MediaError("This data: URI is malformed.")
    payload = match.group("data")
    if not match.group("b64"):
        from urllib.parse import unquote_to_bytes

        return unquote_to_bytes(payload)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise MediaError("This data: URI is not valid base64.") from None


def check_upload(upload: File, kind: str) -> ValidatedInput:
    """Check an uploaded file as an "image" or "audio" input.

    The upload is decoded where it lies (memory or a temporary file), never copied whole;
    one over its size limit (stored only up to it: limits.uploads) is refused by its size.
    """
    checked = check_image(upload) if kind == "image" else check_audio(upload)
    checked.source_name = readable_name(upload.name or "")
    return checked


def check_input_reference(value: str, kind: str) -> ValidatedInput:
    """Validate an API input given as a hosted URL or a data: URI.

    Hosted URLs are not fetched here, but they must point at public addresses
    (core.public_urls); data: URIs are decoded and checked like uploaded files. Audio by
    URL must still be measured before a job is priced: see jobs.downloads.
    """
    value = (value or "").strip()
    if value.startswith("data:"):
        data = decode_data_uri(value)
        return check_image(data) if kind == "image" else check_audio(data)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MediaError("Give an http(s) URL, a data: URI, or the URL returned by the upload endpoint.")
    if len(value) > 2000:
        raise MediaError("The URL is longer than 2000 characters.")
    if not is_local_engine_file(value):
        try:
            public_addresses(value, allowed_hosts=settings.ALLOWED_INPUT_HOSTS)
        except UnsafeURL as exc:
            raise MediaError(str(exc)) from None
    return ValidatedInput(url=value, source_name=readable_name(file_name_in_url(value)))


def file_name_in_url(url: str) -> str:
    """The name a person knows a hosted file by: its URL's last path segment, unescaped."""
    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])


def is_local_engine_file(url: str) -> bool:
    """A file in the local engine's storage (what our upload endpoint hands out in local
    mode): it lives on loopback, and the engine reads it from its own storage."""
    return settings.FAL_MODE == "local" and url.startswith(f"{settings.FAL_ENGINE_URL}/cdn/files/")


def probe_video(path: str) -> dict:
    """Duration and codecs of a stored video; refuses files that are not playable video."""
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise MediaError("The result has no video stream.")
            duration = container.duration / av.time_base if container.duration else None
            return {
                "duration": round(duration, 3) if duration else None,
                "video_codec": container.streams.video[0].codec_context.name,
                "audio_codec": container.streams.audio[0].codec_context.name if container.streams.audio else "",
            }
    except av.error.FFmpegError:
        raise MediaError("The result is not a playable video.") from None


def poster_frame(path: str, max_side: int = 640) -> bytes:
    """The first frame of a video as JPEG bytes (b"" when none can be decoded)."""
    try:
        with av.open(path) as container:
            for frame in container.decode(video=0):
                image = frame.to_image()
                image.thumbnail((max_side, max_side))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, format="JPEG", quality=85)
                return buffer.getvalue()
    except av.error.FFmpegError:
        pass
    return b""


def delete_files(*names):
    for name in names:
        if name:
            default_storage.delete(str(name))
