"""Following a submitted request: polls (the fallback for lost webhooks), fal's status
answers, and fal's verified webhooks."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs import fal, queue, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.state import record_event, transition

from .deadlines import time_out_job
from .fal_requests import adopt_request_id, note_fal_finished

logger = logging.getLogger(__name__)


def schedule_poll(job, delay=None):
    """Plan the job's next status check (by the schedule unless `delay` is given)."""
    delay = schedule.next_poll_delay(job) if delay is None else delay
    Job.objects.schedule_poll(job.pk, timezone.now() + timedelta(seconds=delay))
    queue.queue_poll(job.id, delay=delay)


def poll_job(job_id):
    """Ask fal for the job's status, then plan the next poll."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished or not job.request_id or job.fal_finished_at:
        return job
    if schedule.deadline_passed(job):
        return time_out_job(job.id)
    if not Job.objects.claim_poll(job):
        return job
    try:
        status = fal.status(job.endpoint_id, job.request_id)
    except fal.FalError as exc:
        Job.objects.filter(pk=job.pk).update(status_polls=F("status_polls") + 1)
        record_event(job, JobEvent.Kind.POLL, f"Status check failed: {exc.message}", status_code=exc.status_code)
        schedule_poll(job, delay=schedule.error_retry_delay())
        return job
    job = record_status(job.id, status)
    if not job.is_finished and not job.fal_finished_at:
        schedule_poll(job)
    return job


def merge_logs(known, new):
    """fal returns a moving window of log lines; keep every line we have seen, once."""
    seen = {(entry.get("timestamp"), entry.get("message")) for entry in known}
    merged = list(known)
    for entry in new or []:
        key = (entry.get("timestamp"), entry.get("message"))
        if key not in seen:
            seen.add(key)
            merged.append({"timestamp": entry.get("timestamp"), "message": entry.get("message", "")})
    return merged


def record_status(job_id, status: fal.FalStatus):
    """Apply one status answer from fal: queue position, logs, state, or completion."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status_polls += 1
        job.logs = merge_logs(job.logs, status.logs)
        if status.state == "IN_QUEUE":
            job.queue_position = status.queue_position
        job.save(update_fields=["status_polls", "logs", "queue_position"])
        record_event(job, JobEvent.Kind.POLL, status.state, queue_position=status.queue_position)
    if status.state == "IN_QUEUE" and job.state == JobState.PENDING:
        job, _ = transition(job.id, JobState.IN_QUEUE, message="Queued at fal.")
    elif status.state == "IN_PROGRESS":
        job, _ = transition(job.id, JobState.IN_PROGRESS, message="fal started processing.", queue_position=None)
    elif status.state == "COMPLETED":
        job = note_fal_finished(job.id, source="poll")
    return job


def record_webhook(job_id, *, request_id, body: dict):
    """Handle a verified fal callback: log it, adopt a lost request id, wake the ingest.

    The body is only a hint; the outcome is read back from fal's result endpoint. Callbacks
    for finished jobs, or for a request that isn't the job's, are recorded and ignored.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("fal callback for unknown job %s (request %s)", job_id, request_id)
        return None
    record_event(job, JobEvent.Kind.WEBHOOK, f"fal callback: {body.get('status')}", request_id=request_id, status=body.get("status"))
    if job.is_finished:
        return job
    if not job.request_id:
        if not job.submit_started_at:
            return job  # a callback can't precede our own submission; nothing to adopt
        if not _is_our_request(job, request_id):
            return job
        job, _ = adopt_request_id(job.id, request_id, source="webhook")
    if job.request_id != request_id:
        record_event(job, JobEvent.Kind.NOTE, "Callback for another fal request; ignored.", request_id=request_id)
        return job
    return note_fal_finished(job.id, source="webhook")


def _is_our_request(job, request_id) -> bool:
    """Whether a callback's request id may be this job's lost submission.

    Signatures prove fal sent a delivery, not that it was for this job: any fal account's
    genuine delivery can be replayed at our URL. So the request must be unclaimed by our
    other jobs and visible under our own key (fal answers another account's id with 404).
    """
    if Job.objects.filter(request_id=request_id).exclude(pk=job.pk).exists():
        record_event(job, JobEvent.Kind.NOTE, "Callback names another job's fal request; ignored.", request_id=request_id)
        return False
    try:
        fal.status(job.endpoint_id, request_id)
    except fal.FalError as exc:
        record_event(
            job, JobEvent.Kind.NOTE, f"Callback names a request our fal key can't see ({exc.message}); ignored.",
            request_id=request_id, status_code=exc.status_code,
        )
        return False
    return True
