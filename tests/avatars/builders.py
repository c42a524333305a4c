"""Jobs in any state for view tests, written straight to the database and storage.

The pipeline itself is exercised by tests/jobs and the browser tests; here we only need
rows that look like what it leaves behind.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from jobs.models import Job, JobState
from jobs.registry import MODELS
from tests.factories import portrait_jpeg

PRO = MODELS["kling-avatar-pro"]
STANDARD = MODELS["kling-avatar-standard"]

ERRORS = {
    JobState.FAILED: ("The model failed: Could not detect a face in the image", "face_detection_error"),
    JobState.TIMED_OUT: ("The job took longer than its 12-minute budget and was cancelled.", "timeout"),
    JobState.CANCELLED: ("Cancelled at your request.", "cancelled"),
}


def make_job(user, state=JobState.PENDING, *, model=PRO, prompt="A friendly hello", created_ago=None, **fields):
    now = timezone.now()
    job = Job.objects.create(
        user=user, endpoint_id=model.endpoint_id, prompt=prompt, audio_duration=4.0, state=state, **fields
    )
    stamps = {}
    if created_ago is not None:
        stamps["created_at"] = now - created_ago
    if state in (JobState.IN_QUEUE, JobState.IN_PROGRESS) or job.is_finished:
        stamps.setdefault("queued_at", now)
    if state == JobState.IN_PROGRESS:
        stamps["started_at"] = now - timedelta(seconds=1)
    if job.is_finished:
        stamps["finished_at"] = now
    if state in ERRORS and "error" not in fields:
        stamps["error"], stamps["error_type"] = ERRORS[state]
    if stamps:
        Job.objects.filter(pk=job.pk).update(**stamps)
        job.refresh_from_db()
    return job


# How an MP4 starts (its `ftyp` box): stored files are served as the type their bytes are.
MP4_START = b"\x00\x00\x00\x18ftypisom"


def completed_job(user, *, video=MP4_START + b"not really an mp4", **fields):
    """A completed job with a stored video and poster (settings.MEDIA_ROOT should be a tmp dir)."""
    job = make_job(user, JobState.COMPLETED, request_id=fields.pop("request_id", "req-done"), **fields)
    job.video.save("video.mp4", ContentFile(video), save=False)
    job.poster.save("poster.jpg", ContentFile(portrait_jpeg(64, 80)), save=False)
    job.video_duration = 4.04
    job.video_size = len(video)
    job.video_content_type = "video/mp4"
    job.save()
    return job
