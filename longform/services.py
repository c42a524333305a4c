"""Long videos: made from long audio, advanced as their segments move, stitched, ended once.

The parent is a job like any other to its owner (gallery, page, API, webhooks, e-mail), but
it is never sent to fal: its segments are, each an ordinary job hidden under it. Every move
of a segment queues `advance` for its parent (a task row written in the move's transaction),
which, under the parent's row lock, reports progress, retries a failed segment once, fails
the parent when a segment fails twice, and stitches once every segment is done. Credits:
the parent holds the whole audio's price when it is made and settles once when it ends,
charged for the segments fal made (jobs.state.charge_for); segments hold nothing.
"""

import io
import logging
import os
import tempfile
from contextlib import ExitStack
from datetime import timedelta

import av
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from jobs import downloads, long_audio, media
from jobs.models import TERMINAL_STATES, Job, JobEvent, JobState
from jobs.services import lifecycle, submission
from jobs.state import fail_job, record_event, transition
from workers.chores import Every

from . import queue, splitting, stitching
from .models import LongVideo, Segment

logger = logging.getLogger(__name__)

# A segment is tried at most this often (a failed one is retried once, by itself).
MAX_ATTEMPTS = 2
# A stitch claimed longer ago than this is presumed dead with its worker (10 minutes of
# audio stitch in well under a minute: docs/benchmarks.md).
STITCH_STALE_SECONDS = 600
GAVE_UP = frozenset({JobState.FAILED, JobState.TIMED_OUT, JobState.CANCELLED})


def create_long_video(*, user, model, image, audio, prompt="", title="", agreement=None, model_params=None) -> Job:
    """Split `audio` at pauses and make the parent job and one segment job per piece, in one
    transaction (refused whole, like a single job, by admission or credits); returns the parent."""
    if audio.url and not audio.file and not audio.data:
        audio = _downloaded(audio)  # its bytes are split here and stitched in later
    pieces = _split(audio, model, model_params)
    with transaction.atomic():
        parent = submission.create_long_parent(
            user=user,
            model=model,
            image=image,
            audio=audio,
            prompt=prompt,
            title=title,
            agreement=agreement,
            model_params=model_params,
            segments=len(pieces),
        )
        _create_segments(parent, audio, pieces)
    return parent


def adopt_long_video(job, audio, *, message="", event_data=None, **fields) -> Job:
    """jobs.long_audio.adopt_long_job: an existing job (a script job whose speech is longer
    than its model takes, row-locked by the caller) becomes the parent of a long video of its
    `audio`, exactly as a new one would be: `in_queue` with its segment count, then its segments."""
    try:
        pieces = _split(audio, job.model, job.model_params)
    except ValueError as exc:  # splitting.UnreadableAudio: measured once, yet undecodable now
        raise media.MediaError(f"The audio could not be split: {exc}") from exc
    parent, moved = transition(
        job.pk, JobState.IN_QUEUE, message=message, event_data=event_data, segment_count=len(pieces), **fields
    )
    if not moved:
        raise ValueError(f"Job {job.pk} is {parent.state}: it cannot become a long video.")
    _create_segments(parent, audio, pieces)
    return parent


def _split(audio, model, model_params) -> list[splitting.Piece]:
    """`audio` cut at pauses into pieces the model takes, left readable from its start again."""
    pieces = splitting.split(
        _from_start(audio), longest=long_audio.segment_limit(model, model_params), shortest=settings.MIN_AUDIO_SECONDS
    )
    _from_start(audio)  # stored next, or again, from its start
    return pieces


def _create_segments(parent, audio, pieces) -> None:
    """The long video's row and one segment job per piece; inside the transaction that made
    (or adopted) `parent`, whose segment_count is len(pieces)."""
    long_video = LongVideo.objects.create(job=parent)
    stem = os.path.splitext(audio.stored_name)[0]
    for position, piece in enumerate(pieces):
        checked = media.ValidatedInput(
            data=piece.wav,
            content_type="audio/wav",
            file_name="audio.wav",
            source_name=f"{stem}-{position + 1}.wav",
            duration=round(piece.seconds, 3),
            kind="audio",
        )
        job = submission.create_segment_job(parent, audio=checked, title=_segment_title(parent, position))
        Segment.objects.create(
            long_video=long_video,
            job=job,
            position=position,
            start_seconds=piece.start,
            end_seconds=piece.end,
        )
    cuts = [round(piece.end, 2) for piece in pieces[:-1]]
    record_event(
        parent,
        JobEvent.Kind.NOTE,
        f"Split into {len(pieces)} segments at pauses (cut at {', '.join(f'{cut:g} s' for cut in cuts)}).",
        cuts=cuts,
    )


def _from_start(audio):
    if audio.file is None:
        return io.BytesIO(audio.data)
    audio.file.seek(0)
    return audio.file


def _downloaded(audio):
    """Audio given as a URL to the user's own earlier upload: its bytes, fetched again."""
    fetched = downloads.download_input(audio.url, "audio")
    fetched.source_name = audio.source_name or fetched.source_name
    return fetched


def _segment_title(parent, position) -> str:
    return f"{parent.display_title} (segment {position + 1} of {parent.segment_count})"


def note_job_moved(sender, *, job, to_state, **kwargs):
    """jobs.signals.job_state_changed, inside the move's transaction: a segment that started
    or ended, or a long video that ended, has its parent advanced (by a task, after commit)."""
    if job.parent_id and (to_state == JobState.IN_PROGRESS or to_state in TERMINAL_STATES):
        queue.queue_advance(job.parent_id)
    elif job.is_long and to_state in TERMINAL_STATES:
        queue.queue_advance(job.pk)  # its unfinished segments are cancelled


def latest_attempts(parent) -> list[Segment]:
    """Each position's latest attempt, in order, with its job."""
    latest: dict[int, Segment] = {}
    for segment in Segment.objects.filter(long_video_id=parent.pk).select_related("job"):
        latest[segment.position] = segment  # ordered by (position, attempt)
    return [latest[position] for position in sorted(latest)]


def advance(parent_id):
    """Bring a long video up to date with its segments (see the module's docstring). Safe to
    run any number of times: every decision is read from the rows under the parent's lock."""
    leftovers: list = []
    stitch_now = False
    with transaction.atomic():
        parent = Job.objects.select_for_update(no_key=True).filter(pk=parent_id).first()
        if parent is None or not parent.is_long:
            return None
        segments = latest_attempts(parent)
        if not parent.is_finished:
            _report_progress(parent, segments)
            parent = _start_or_retry_or_give_up(parent, segments)
        if parent.is_finished:
            leftovers = [segment.job_id for segment in segments if not segment.job.is_finished]
        elif all(segment.job.state == JobState.COMPLETED for segment in segments):
            stitch_now = _claim_stitch(parent)
    for job_id in leftovers:
        try:
            lifecycle.cancel_job(job_id, by="its long video's end")
        except Job.DoesNotExist:
            continue
    if stitch_now:
        return stitch_long_video(parent_id)
    return Job.objects.filter(pk=parent_id).first()


def _report_progress(parent, segments):
    """One line in the parent's log per segment done, in order: "Segment 3 of 7 done."."""
    done = sum(segment.job.state == JobState.COMPLETED for segment in segments)
    long_video = LongVideo.objects.get(pk=parent.pk)
    if done > long_video.reported_done:
        for number in range(long_video.reported_done + 1, done + 1):
            record_event(parent, JobEvent.Kind.NOTE, f"Segment {number} of {parent.segment_count} done.")
        LongVideo.objects.filter(pk=parent.pk).update(reported_done=done)


def _start_or_retry_or_give_up(parent, segments):
    if parent.state == JobState.IN_QUEUE and any(
        segment.job.state not in (JobState.PENDING, JobState.IN_QUEUE) for segment in segments
    ):
        parent, _ = transition(parent.pk, JobState.IN_PROGRESS, message="Its first segment started at fal.")
    for segment in segments:
        if segment.job.state not in GAVE_UP:
            continue
        number = f"Segment {segment.position + 1} of {parent.segment_count}"
        if segment.attempt < MAX_ATTEMPTS and segment.job.state != JobState.CANCELLED:
            _retry(parent, segment, number)
            continue
        message = f"{number} failed{' again' if segment.attempt > 1 else ''}: {segment.job.error or 'no reason given'}"
        parent, _ = fail_job(parent.pk, message, error_type=segment.job.error_type or "segment_failed")
        return parent
    return parent


def _retry(parent, segment, number):
    job = submission.create_segment_job(parent, like=segment.job, title=_segment_title(parent, segment.position))
    Segment.objects.create(
        long_video_id=parent.pk,
        job=job,
        position=segment.position,
        attempt=segment.attempt + 1,
        start_seconds=segment.start_seconds,
        end_seconds=segment.end_seconds,
    )
    record_event(
        parent,
        JobEvent.Kind.NOTE,
        f"{number} failed ({segment.job.error or segment.job.state}); trying it once more.",
        segment_job=str(segment.job_id),
        retry_job=str(job.pk),
    )


def _claim_stitch(parent) -> bool:
    stale = timezone.now() - timedelta(seconds=STITCH_STALE_SECONDS)
    long_video = LongVideo.objects.get(pk=parent.pk)
    if long_video.stitch_started_at and long_video.stitch_started_at > stale:
        return False  # another worker is stitching
    LongVideo.objects.filter(pk=parent.pk).update(stitch_started_at=timezone.now())
    record_event(parent, JobEvent.Kind.NOTE, f"All {parent.segment_count} segments done; stitching them.")
    return True


def stitch_long_video(parent_id):
    """Stitch the finished segments into the parent's video and complete it, or fail it."""
    parent = Job.objects.get(pk=parent_id)
    segments = latest_attempts(parent)
    started = timezone.now()
    try:
        stored = _stitched(parent, segments)
    except (av.FFmpegError, OSError, ValueError, media.MediaError) as exc:
        logger.exception("Job %s: stitching failed.", parent_id)
        parent, _ = fail_job(parent_id, f"The segments could not be stitched: {exc}", error_type="stitch_failed")
        return parent
    LongVideo.objects.filter(pk=parent_id).update(stitch_seconds=(timezone.now() - started).total_seconds())
    parent, moved = transition(
        parent_id,
        JobState.COMPLETED,
        message=f"Stitched {len(segments)} segments into one video.",
        video=stored["video"],
        poster=stored["poster"],
        video_duration=stored["duration"],
        video_size=stored["size"],
        video_content_type="video/mp4",
    )
    if not moved:  # cancelled or deleted meanwhile
        media.delete_files(stored["video"], stored["poster"])
    return parent


def _stitched(parent, segments) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".mp4") as output, ExitStack() as files:
        stretches = [
            stitching.Stretch(
                source=files.enter_context(segment.job.video.open("rb")),
                start=segment.start_seconds,
                end=segment.end_seconds,
            )
            for segment in segments
        ]
        audio = files.enter_context(parent.audio_file.open("rb"))
        stitching.stitch(stretches, audio, output.name)
        probe = media.probe_video(output.name)
        size = os.path.getsize(output.name)
        output.seek(0)
        video_name = default_storage.save(Job.video.field.generate_filename(parent, "video.mp4"), File(output))
        poster_bytes = media.poster_frame(output.name)
    poster_name = ""
    if poster_bytes:
        poster_name = default_storage.save(
            Job.poster.field.generate_filename(parent, "poster.jpg"), ContentFile(poster_bytes)
        )
    record_event(parent, JobEvent.Kind.INGEST, "Stored the stitched video.", size=size, duration=probe["duration"])
    return {"video": video_name, "poster": poster_name, "duration": probe["duration"], "size": size}


def advance_stuck() -> int:
    """Advance the unfinished long videos none of whose segments is still running (a worker
    died before it advanced or stitched one); returns how many were advanced."""
    stuck = (
        Job.objects.filter(segment_count__gt=0)
        .exclude(state__in=TERMINAL_STATES)
        .exclude(segments__state__in=[JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS])
        .values_list("pk", flat=True)
    )
    stale = timezone.now() - timedelta(seconds=STITCH_STALE_SECONDS)
    count = 0
    for parent_id in stuck:
        long_video = LongVideo.objects.filter(pk=parent_id).first()
        if long_video and long_video.stitch_started_at and long_video.stitch_started_at > stale:
            continue
        advance(parent_id)
        count += 1
    return count


def unstick_chore():
    return Every(STITCH_STALE_SECONDS / 4, advance_stuck)
