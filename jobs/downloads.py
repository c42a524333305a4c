"""Inputs given by URL, fetched and checked like uploads: audio always (its length is the
price), a picture while staff have blocked any (its bytes are what a block matches). fal is
then sent these very bytes, so a host cannot serve fal something other than what it served us.

A download goes to public addresses only (core.public_urls.open_public; a file in the local
engine's storage is read from the engine), stops past the kind's size limit, and must end
within AUDIO_URL_FETCH_SECONDS. It is spooled to a temporary file, never held whole in memory.
"""

import tempfile
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.files.base import File

from core.public_urls import UnsafeURL, open_public

from .media import (
    MediaError,
    ValidatedInput,
    check_audio,
    check_image,
    file_name_in_url,
    human_size,
    is_local_engine_file,
    readable_name,
)

# What an input of each kind is called in messages, the setting of its size limit, its check.
KINDS = {
    "audio": ("audio", "MAX_AUDIO_BYTES", check_audio),
    "image": ("image", "MAX_IMAGE_BYTES", check_image),
}


def download_input(url: str, kind: str) -> ValidatedInput:
    """Download the "audio" or "image" input at `url` and check it as an upload. Raises MediaError."""
    what, limit_setting, check = KINDS[kind]
    spooled = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    try:
        _download(url, spooled, what=what, limit=getattr(settings, limit_setting))
        checked = check(File(spooled))
    except BaseException:
        spooled.close()
        raise
    checked.source_name = readable_name(file_name_in_url(url))
    return checked


def _download(url: str, into, *, what: str, limit: int) -> None:
    allowed_hosts, redirects = list(settings.ALLOWED_INPUT_HOSTS), 5
    if is_local_engine_file(url):
        allowed_hosts, redirects = [urlsplit(url).hostname], 0  # our own engine, on loopback
    seconds = settings.AUDIO_URL_FETCH_SECONDS
    too_large = MediaError(f"The {what} file is larger than {human_size(limit)}.")
    # httpx's timeout bounds each read; the deadline bounds them all (a host sending a byte
    # at a time would otherwise hold the request for ever).
    deadline = time.monotonic() + seconds
    try:
        with open_public(
            url, allowed_hosts=allowed_hosts, timeout=httpx.Timeout(seconds), max_redirects=redirects
        ) as response:
            if response.status_code != 200:
                raise MediaError(f"The {what} could not be downloaded from this URL (HTTP {response.status_code}).")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            for chunk in response.iter_bytes():
                into.write(chunk)
                if into.tell() > limit:
                    raise too_large
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("The download's deadline passed.")
    except httpx.TimeoutException:
        raise MediaError(f"The {what} took longer than {seconds:g} seconds to download from this URL.") from None
    except UnsafeURL as exc:
        raise MediaError(str(exc)) from None
    except httpx.HTTPError:
        raise MediaError(f"The {what} could not be downloaded from this URL.") from None
