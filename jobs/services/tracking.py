"""Following a submitted request: polls (the fallback for lost webhooks), fal's status
answers, and fal's verified webhooks."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.log_context import about_job
from jobs import fal, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.state import fail_job, record_event, transition

from .deadlines import time_out_job
from .fal_requests import adopt_request_id, note_fal_finished, sent_to_this_fal

logger = logging.getLogger(__name__)


# Status checks in a row that fal answers 404 before the job is failed as lost at fal.
LOST_AFTER_NOT_FOUND = 3


def schedule_poll(job, delay=None):
    """Plan the job's next status check (by the schedule unless `delay` is given). No task
    is queued: workers poll what is due (poll_due_jobs), so the plan is just the row."""
    delay = schedule.next_poll_delay(job) if delay is None else delay
    Job.objects.schedule_poll(job.pk, timezone.now() + timedelta(seconds=delay))


def poll_soon(job_id):
    """Make the job's status check due now: a worker makes it within a moment."""
    Job.objects.schedule_poll(job_id, timezone.now())


def poll_due_jobs(limit=None, reader=None) -> int:
    """Check the status of up to `limit` (POLL_CONCURRENCY) jobs whose check is due, each by
    one worker; returns how many this worker took. Run over and over by every worker (see
    jobs.worker), whose `reader` (a fal.StatusReader) asks fal about all of them at once."""
    # Only jobs sent to the fal this worker talks to: another fal's request id is unknown here.
    jobs = Job.objects.claim_due_polls(
        timezone.now(),
        fal_origin=fal.storage_origin(),
        limit=limit or settings.POLL_CONCURRENCY,
        next_due=_next_check_at,
    )
    if not jobs:
        return 0
    own_reader = reader is None
    reader = reader or fal.StatusReader()
    try:
        check_claimed(jobs, reader)
    finally:
        if own_reader:
            reader.close()
    return len(jobs)


def _next_check_at(job):
    return timezone.now() + timedelta(seconds=schedule.next_poll_delay(job))


def check_claimed(jobs, reader) -> None:
    """Ask fal about jobs this worker claimed, all at once, then record each answer. A check
    that learns nothing new writes nothing: the claim already booked the next one."""
    asking = []
    for job in jobs:
        if schedule.deadline_passed(job):
            _each(job, time_out_job, job.id)
        else:
            asking.append(job)
    answers = reader.statuses([(job.endpoint_id, job.request_id) for job in asking])
    for job, answer in zip(asking, answers):
        _each(job, _record_failed_check if isinstance(answer, fal.FalError) else record_status, job, answer)


def _each(job, function, *args):
    """One job's trouble (a lost database connection, say) costs the others in its batch
    nothing: it is logged, and the job is checked again when its booked check is due."""
    with about_job(job.id, job.request_id):
        try:
            function(*args)
        except Exception:
            logger.exception("Status check of job %s failed", job.id)


def _record_failed_check(job, exc: fal.FalError):
    record_event(job, JobEvent.Kind.POLL, f"Status check failed: {exc.message}", status_code=exc.status_code)
    if exc.status_code == 404 and _fal_lost_request(job):
        fail_job(
            job.id,
            "fal no longer knows this request (every recent status check answered 404); nothing is charged.",
            error_type="request_lost",
        )
        return
    schedule_poll(job, delay=schedule.error_retry_delay())


def _fal_lost_request(job) -> bool:
    """fal answers 404 for a request id it does not know: one it lost (a restart of the
    queue) or one that expired. A single 404 could be a moment's inconsistency, so only
    LOST_AFTER_NOT_FOUND of them in a row end the job, freeing its slot and its credits
    instead of holding both until the budget runs out."""
    recent = (
        job.events.filter(kind=JobEvent.Kind.POLL)
        .order_by("-id")
        .values_list("data", flat=True)[:LOST_AFTER_NOT_FOUND]
    )
    return len(recent) == LOST_AFTER_NOT_FOUND and all(data.get("status_code") == 404 for data in recent)


def merge_logs(known, new):
    """fal returns a moving window of log lines; keep every line we have seen, once."""
    seen = {(entry.get("timestamp"), entry.get("message")) for entry in known}
    merged = list(known)
    for entry in new or []:
        key = (entry.get("timestamp"), entry.get("message"))
        if key not in seen:
            seen.add(key)
            kept = {"timestamp": entry.get("timestamp"), "message": entry.get("message", "")}
            if entry.get("level"):
                kept["level"] = entry["level"]  # the admin's log list shows it
            merged.append(kept)
    return merged


def record_status(job, status: fal.FalStatus):
    """Apply one status answer from fal: new log lines, queue position, state, completion.
    Only what changed is written; an answer like the last one writes nothing."""
    queue_position = status.queue_position if status.state == "IN_QUEUE" else job.queue_position
    if merge_logs(job.logs, status.logs) != job.logs or queue_position != job.queue_position:
        with transaction.atomic():
            locked = Job.objects.select_for_update(no_key=True).only("logs", "queue_position").get(pk=job.pk)
            locked.logs = merge_logs(locked.logs, status.logs)
            locked.queue_position = queue_position
            locked.save(update_fields=["logs", "queue_position"])
            record_event(job, JobEvent.Kind.POLL, status.state, queue_position=queue_position)
    if status.state == "IN_QUEUE" and job.state == JobState.PENDING:
        job, _ = transition(job.id, JobState.IN_QUEUE, message="Queued at fal.")
    elif status.state == "IN_PROGRESS" and job.state != JobState.IN_PROGRESS:
        # One commit: nobody sees the job running with the check planned for it while queued.
        with transaction.atomic():
            job, _ = transition(job.id, JobState.IN_PROGRESS, message="fal started processing.", queue_position=None)
            if not job.is_finished:
                schedule_poll(job)  # the schedule runs from the start of processing
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
    record_event(
        job,
        JobEvent.Kind.WEBHOOK,
        f"fal callback: {body.get('status')}",
        request_id=request_id,
        status=body.get("status"),
    )
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
    if not sent_to_this_fal(job):
        # A genuine callback, but the result is only readable from the fal the job was sent
        # to: have the process talking to it check the job now instead of ingesting it here.
        poll_soon(job.id)
        return job
    return note_fal_finished(job.id, source="webhook")


def _is_our_request(job, request_id) -> bool:
    """Whether a callback's request id may be this job's lost submission.

    Signatures prove fal sent a delivery, not that it was for this job: any fal account's
    genuine delivery can be replayed at our URL. So the request must be unclaimed by our
    other jobs and visible under our own key (fal answers another account's id with 404).
    """
    if not sent_to_this_fal(job):
        record_event(
            job,
            JobEvent.Kind.NOTE,
            f"Callback can't be checked here: the job was sent to another fal ({job.fal_origin}).",
        )
        return False
    if Job.objects.filter(request_id=request_id).exclude(pk=job.pk).exists():
        record_event(
            job, JobEvent.Kind.NOTE, "Callback names another job's fal request; ignored.", request_id=request_id
        )
        return False
    try:
        fal.status(job.endpoint_id, request_id)
    except fal.FalError as exc:
        record_event(
            job,
            JobEvent.Kind.NOTE,
            f"Callback names a request our fal key can't see ({exc.message}); ignored.",
            request_id=request_id,
            status_code=exc.status_code,
        )
        return False
    return True
