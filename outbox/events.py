"""What our events say: which job state is which event, and the JSON each one carries.

A payload is {"type", "timestamp", "data"}. A job's data is what the API shows of a job
(api.seed.serializers), minus what only the owner's own session needs: no fal key, no storage
paths, no inputs; the video is a signed URL like the one the API hands out for it.
"""

from django.utils import timezone

from jobs import signed_urls
from jobs.models import JobState

from .models import EventType

JOB_EVENTS = {
    JobState.IN_QUEUE: EventType.JOB_QUEUED,
    JobState.IN_PROGRESS: EventType.JOB_STARTED,
    JobState.COMPLETED: EventType.JOB_COMPLETED,
    JobState.FAILED: EventType.JOB_FAILED,
    JobState.TIMED_OUT: EventType.JOB_FAILED,
    JobState.CANCELLED: EventType.JOB_CANCELLED,
}


def job_event_type(to_state) -> str | None:
    """The event a job entering `to_state` makes (none for `pending`)."""
    return JOB_EVENTS.get(to_state)


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def payload(event_type: str, data: dict) -> dict:
    return {"type": event_type, "timestamp": iso(timezone.now()), "data": data}


def job_data(job) -> dict:
    data = {
        "id": str(job.id),
        "status": job.state,
        "model": job.endpoint_id,
        "request_id": job.request_id or None,
        "created_at": iso(job.created_at),
        "queued_at": iso(job.queued_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "error": job.error or None,
        "error_type": job.error_type or None,
        "video": None,
    }
    if job.state == JobState.COMPLETED and job.video:
        data["video"] = {
            # Signed when the event is made: a delivery retried past MEDIA_URL_EXPIRY_SECONDS
            # carries an expired URL, and the job's API answer has a fresh one.
            "url": signed_urls.signed_url(job.video),
            "content_type": job.video_content_type,
            "file_name": "output.mp4",
            "file_size": job.video_size,
            "duration": job.video_duration,
        }
    return data
