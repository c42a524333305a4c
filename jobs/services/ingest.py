"""Finishing a job: read fal's result, store the video in our storage, complete or fail."""

import logging
import os
import tempfile
from datetime import timedelta

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from jobs import fal, media, queue, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.registry import model_for_endpoint
from jobs.state import CANCELLED_AT_REQUEST, fail_job, record_event, transition

from .fal_requests import sent_to_this_fal
from .tracking import merge_logs

logger = logging.getLogger(__name__)

# A video may outlast its audio by a frame or an audio codec's padding; past this it is
# longer than what the job was priced on (and fal charged us for the difference).
PRICED_LENGTH_TOLERANCE_SECONDS = 0.5


def finish_job(job_id):
    """Read fal's result; store the video (streamed, never whole in memory) and complete the
    job, or fail it with the model's error."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished or not job.fal_finished_at:
        return job
    if not sent_to_this_fal(job):
        return job  # only the fal that made the video hands it over; its own process ingests it
    stale_after = timedelta(seconds=schedule.ingest_stale_seconds())
    if not Job.objects.claim_ingest(job_id, stale_after=stale_after):
        # Another ingest holds the job. If its worker died, the claim goes stale: look again
        # then (if that ingest succeeds meanwhile, the look finds the job finished).
        queue.queue_finish(job.id, delay=stale_after.total_seconds())
        return job
    model = model_for_endpoint(job.endpoint_id)
    try:
        answer = fal.result(job.endpoint_id, job.request_id)
    except fal.FalError as exc:
        if exc.retryable and exc.status_code in (None, 408, 409, 429):
            return _retry_finish(job, exc.message)
        if job.cancel_requested_at:
            # fal ended the request because we asked it to: the cancel, not the model, ended it
            # (a status check can see that end before the cancel's own transition runs).
            job, _ = transition(job.id, JobState.CANCELLED, **CANCELLED_AT_REQUEST)
            return job
        message = fal.error_message_from_body(exc.body) or exc.message
        job, _ = fail_job(
            job.id, f"The model failed: {message}", error_type=exc.error_type or f"http_{exc.status_code}"
        )
        return job

    output = answer.output
    keep_final_logs(job, answer.logs)
    Job.objects.filter(pk=job.pk).update(fal_output=output)
    try:
        video = model.output_video(output)
        stored = _store_video(job, video["url"])
    except (fal.FalError, ValueError, media.MediaError) as exc:
        message = getattr(exc, "message", str(exc))
        if isinstance(exc, fal.FalError) and exc.retryable:
            return _retry_finish(job, message)
        job, _ = fail_job(job.id, f"The result could not be stored: {message}", error_type="ingest_failed")
        return job

    longer = delivered_longer_than_priced(job, model, stored["duration"])
    job, moved = transition(
        job.id,
        JobState.COMPLETED,
        message="Video stored.",
        delivered_longer_than_priced=longer,
        video=stored["video"],
        poster=stored["poster"],
        video_duration=stored["duration"],
        video_size=stored["size"],
        video_content_type="video/mp4",
        fal_output=output,
    )
    if not moved:
        media.delete_files(stored["video"], stored["poster"])
    return job


def delivered_longer_than_priced(job, model, video_seconds) -> bool:
    """Whether the stored video plays longer than the audio the job was priced on: every input
    is measured before it is priced, so this flags what slipped past (a job from before that
    rule, or a model that pads its output); staff see it in the admin, and /metrics counts it."""
    priced = model.priced_seconds(job.audio_duration)
    if video_seconds is None or video_seconds <= priced + PRICED_LENGTH_TOLERANCE_SECONDS:
        return False
    message = f"The video lasts {video_seconds:.2f} s but the job was priced on {priced:.2f} s."
    record_event(job, JobEvent.Kind.ERROR, message, video_seconds=video_seconds, priced_seconds=priced)
    logger.warning("Job %s: %s", job.id, message)
    return True


def keep_final_logs(job, logs):
    """Add the log lines fal reported with completion to the job's, under the row lock (a
    poller may be merging its own answer at the same moment)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update(no_key=True).only("logs").get(pk=job.pk)
        merged = merge_logs(locked.logs, logs)
        if merged != locked.logs:
            locked.logs = merged
            locked.save(update_fields=["logs"])


def _retry_finish(job, message):
    record_event(job, JobEvent.Kind.ERROR, f"Fetching the result failed: {message}; retrying.")
    Job.objects.release_ingest(job.pk)
    queue.queue_finish(job.id, delay=schedule.error_retry_delay())
    return job


def _store_video(job, url):
    """Stream fal's output into a temporary file, probe it, and save it to our storage."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as temporary:
        with fal.open_output(url) as chunks:
            for chunk in chunks:
                temporary.write(chunk)
        temporary.flush()
        probe = media.probe_video(temporary.name)
        size = os.path.getsize(temporary.name)
        temporary.seek(0)
        video_name = default_storage.save(Job.video.field.generate_filename(job, "video.mp4"), File(temporary))
        poster_name = ""
        poster_bytes = media.poster_frame(temporary.name)
        if poster_bytes:
            poster_name = default_storage.save(
                Job.poster.field.generate_filename(job, "poster.jpg"), ContentFile(poster_bytes)
            )
    record_event(job, JobEvent.Kind.INGEST, "Stored the video.", size=size, duration=probe["duration"])
    return {"video": video_name, "poster": poster_name, "duration": probe["duration"], "size": size}
