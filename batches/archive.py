"""A finished batch's videos as one zip, streamed: each video is read from storage in chunks
and written out as it is read, so memory stays flat however many and however large."""

import io
import re
import zipfile

from django.db.models import F
from django.utils.text import slugify

from jobs.models import JobState

CHUNK = 1024 * 1024


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file: zipfile then writes sizes after each member (data
    descriptors) instead of seeking back, and we hand on whatever it wrote."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)

    def drain(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


# A title taken from an audio file's name ends in its extension, which would read
# "hello-wav.mp4" in the zip.
AUDIO_SUFFIX = re.compile(r"\.(mp3|wav|m4a|ogg|oga|aac|flac|webm)$", re.IGNORECASE)


def member_name(position, title) -> str:
    """The zip member for the item at `position` titled `title`: "003-monday-greeting.mp4".

    Safe in any unzip tool (a slug: no slashes, dots or control characters; letters of any
    script kept) and unique in the zip, since the item's place comes first.
    """
    slug = slugify(AUDIO_SUFFIX.sub("", title), allow_unicode=True)[:80].strip("-_") or "video"
    return f"{position + 1:03d}-{slug}.mp4"


def completed_videos(batch):
    return batch.jobs.filter(state=JobState.COMPLETED).exclude(video="").annotate(position=F("batch_item__position"))


def stream_videos(batch):
    """Yield a zip of the batch's videos (stored, not compressed: MP4 is already), each
    named by its item's place in the batch and its title."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:
        for job in completed_videos(batch).iterator():
            info = zipfile.ZipInfo(
                member_name(job.position, job.display_title), date_time=job.finished_at.timetuple()[:6]
            )
            with job.video.open("rb") as source, archive.open(info, "w", force_zip64=True) as member:
                while chunk := source.read(CHUNK):
                    member.write(chunk)
                    yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()
