"""What a job was made from and what it made, as a page may show them: each from our stored
copy when there is one, and only where the page's Content-Security-Policy lets it load."""

from dataclasses import dataclass
from fnmatch import fnmatch
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.csp import CSP


@dataclass(frozen=True)
class Preview:
    """One of the three things a job shows: the video, the portrait, the speech."""

    kind: str  # "video", "image" or "audio": the element that shows it
    label: str
    url: str  # "" when there is nothing to show
    # Whether this page may load it: the Content-Security-Policy allows media from this
    # site and the storage bucket only, so a user's own https URL is offered as a link.
    loadable: bool


def job_previews(job, request) -> list[Preview]:
    """The video and both inputs, each from our stored copy when there is one (the URL fal
    was given may have expired), else from the URL."""
    video = job.video.url if job.video else ""
    image = job.image_file.url if job.image_file else job.image_url
    audio = job.audio_file.url if job.audio_file else job.audio_url
    return [
        Preview("video", "Video", video, bool(video) and _page_may_load(video, "media-src", request)),
        Preview("image", "Portrait", image, bool(image) and _page_may_load(image, "img-src", request)),
        Preview("audio", "Speech", audio, bool(audio) and _page_may_load(audio, "media-src", request)),
    ]


def _page_may_load(url, directive, request) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/")  # our own media view
    if parts.scheme not in ("http", "https"):
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    for source in settings.SECURE_CSP.get(directive, ()):
        if source == CSP.SELF and origin == f"{request.scheme}://{request.get_host()}":
            return True
        if "://" in source and fnmatch(origin, source.rstrip("/")):
            return True
    return False
