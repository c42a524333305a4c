"""A finished video as a file to save, named after the job's title."""

from urllib.parse import quote

from django.utils.text import slugify

from core.stored_files import stored_file_response

# Long enough to recognise a title, short enough for every file system's name limit.
NAME_CHARACTERS = 80
UNNAMED = "talking-avatar"


def download_names(title: str) -> tuple[str, str]:
    """The file name for `title` as plain ASCII and with its own letters kept (both slugs:
    letters, digits, '-' and '_' only, so no path or quote can get into a header)."""
    plain = slugify(title)[:NAME_CHARACTERS].strip("-_") or UNNAMED
    lettered = slugify(title, allow_unicode=True)[:NAME_CHARACTERS].strip("-_") or plain
    return f"{plain}.mp4", f"{lettered}.mp4"


def attachment_header(title: str) -> str:
    """Content-Disposition for saving the video: `filename` for every browser, `filename*`
    (RFC 6266) for those that can keep a title's non-ASCII letters."""
    plain, lettered = download_names(title)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(lettered, safe='')}"


def video_download(request, job):
    """The job's stored video as an attachment; the caller has checked it is theirs and done."""
    return stored_file_response(
        request, job.video, job.video_content_type or "video/mp4", attachment_header(job.display_title)
    )
