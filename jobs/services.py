"""Actions that change jobs: create, submit, track fal's progress, cancel, retry, delete.

Every state change goes through `jobs.state.transition`; finishing (storing the video)
lives in `jobs.ingest`.

The job row is the truth; background tasks only wake these functions up, and each one
re-reads the row and decides from what it finds, so running any of them twice, late, or
after a crash is harmless.
"""

import hashlib
import logging
import os
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from . import fal, media, polling
from .models import TERMINAL_STATES, Asset, Job, JobEvent, JobState
from .registry import FalModel, model_for_endpoint
from .state import IllegalTransition, enqueue_after_commit, fail_job, record_event, transition

logger = logging.getLogger(__name__)

# A definite HTTP refusal of a submit (fal answered, nothing was created) is retried this
# many times before the job fails.
MAX_SUBMIT_ATTEMPTS = 5
INGEST_GRACE_FRACTION = 0.25
RETRYABLE_STATES = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT})


# --- Creating -----------------------------------------------------------------------------


def create_job(*, user, model: FalModel, image, audio, prompt="", audio_duration=None, queue_submission=True) -> Job:
    """Create a pending job and (unless the caller submits it itself) queue its submission.

    `image`/`audio` are ValidatedInputs: callers validate first (forms, serializers) and
    nothing here can reject a job, so a rejected request never leaves a half-made one.
    """
    with transaction.atomic():
        job = Job(user=user, endpoint_id=model.endpoint_id, prompt=prompt, audio_duration=audio_duration)
        for name, value in (("image", image), ("audio", audio)):
            if value.url:
                setattr(job, f"{name}_url", value.url)
            else:
                getattr(job, f"{name}_file").save(value.file_name, value.content_file(), save=False)
        job.save()
        record_event(job, JobEvent.Kind.CREATED, f"Created for {model.label}.")
        _queue_new_job(job, submit=queue_submission)
    return job


def _queue_new_job(job, *, submit):
    # The budget runs from creation, whatever happens to the submission.
    enqueue_after_commit("enforce_deadline_task", job.id, delay_seconds=polling.budget_seconds())
    if submit:
        enqueue_after_commit("submit_job_task", job.id)


# --- Submitting -----------------------------------------------------------------------------


def webhook_url_for(job) -> str | None:
    """Our callback URL. It names our job, so a callback still finds its job even when the
    submit response (and with it fal's request id) was lost."""
    if not settings.PUBLIC_BASE_URL:
        return None
    return settings.PUBLIC_BASE_URL + reverse("webhooks:fal", kwargs={"job_id": job.id})


def _upload_local_inputs(job):
    """Send inputs we hold as files to fal storage; fal models need URLs."""
    changed = []
    for name in ("image", "audio"):
        stored = getattr(job, f"{name}_file")
        if getattr(job, f"{name}_url") or not stored:
            continue
        with stored.open("rb") as handle:
            data = handle.read()
        content_type = media.content_type_for_name(stored.name)
        url = fal.upload(data, content_type, os.path.basename(stored.name))
        setattr(job, f"{name}_url", url)
        changed.append(f"{name}_url")
    if changed:
        Job.objects.filter(pk=job.pk).update(**{field: getattr(job, field) for field in changed})
        record_event(job, JobEvent.Kind.SUBMIT, "Uploaded inputs to fal storage.", fields=changed)


def _claim_submission(job_id):
    """Record the intent to submit before calling fal. Only one caller wins."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.PENDING or job.request_id or job.submit_started_at:
            return None
        job.submit_attempts += 1
        job.submit_started_at = timezone.now()
        job.save(update_fields=["submit_attempts", "submit_started_at"])
        record_event(job, JobEvent.Kind.SUBMIT, f"Submitting (attempt {job.submit_attempts}).")
        return job


def submit_job(job_id):
    """Submit a pending job to fal exactly once per intended attempt.

    A definite refusal (fal answered with an error) releases the claim and retries later. An
    ambiguous failure (no answer) keeps the claim: a request may exist at fal, and its webhook
    (which names our job) or the deadline settles the job; it is never blindly resubmitted.
    """
    job = Job.objects.get(pk=job_id)
    if job.state != JobState.PENDING or job.request_id or job.submit_started_at:
        return job
    if deadline_passed(job):
        return time_out_job(job.id)
    model = model_for_endpoint(job.endpoint_id)
    try:
        _upload_local_inputs(job)
    except fal.FalError as exc:
        return _after_submit_refused(job, exc)

    job = _claim_submission(job_id)
    if job is None:
        return Job.objects.get(pk=job_id)
    arguments = model.build_input(image_url=job.image_url, audio_url=job.audio_url, prompt=job.prompt)
    try:
        request_id = fal.submit(
            job.endpoint_id, arguments, webhook_url=webhook_url_for(job), start_timeout=remaining_budget(job)
        )
    except fal.FalError as exc:
        if exc.outcome_unknown:
            record_event(job, JobEvent.Kind.ERROR, f"Submit outcome unknown: {exc.message}. Waiting for fal's callback.")
            return job
        Job.objects.filter(pk=job.pk).update(submit_started_at=None)
        return _after_submit_refused(job, exc)

    job, _ = adopt_request_id(job.id, request_id, source="submit")
    if not job.is_finished:
        _schedule_poll(job)
    return job


def submit_job_now(job_id):
    """Submit within the caller's request (the API answers with fal's request id). An
    unexpected error is logged and left to the submit task, never lost."""
    try:
        return submit_job(job_id)
    except Exception:
        logger.exception("Submitting job %s failed; the submit task will take over.", job_id)
        enqueue_after_commit("submit_job_task", job_id)
        return Job.objects.get(pk=job_id)


def _after_submit_refused(job, exc):
    record_event(job, JobEvent.Kind.ERROR, exc.message, status_code=exc.status_code)
    job.refresh_from_db()
    if exc.retryable and job.submit_attempts < MAX_SUBMIT_ATTEMPTS:
        delay = polling.submit_retry_delay(job.submit_attempts)
        enqueue_after_commit("submit_job_task", job.id, delay_seconds=delay)
        return job
    job, _ = fail_job(job.id, f"fal refused the job: {exc.message}", error_type=exc.error_type or "submit_failed")
    return job


def adopt_request_id(job_id, request_id, *, source):
    """Store fal's request id and mark the job queued. Safe to call again with the same id."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.request_id and job.request_id != request_id:
            record_event(
                job, JobEvent.Kind.NOTE, "Ignored a second fal request for this job.", request_id=request_id, source=source
            )
            return job, False
        if not job.request_id:
            job.request_id = request_id
            job.save(update_fields=["request_id"])
    if job.is_finished:
        # Cancelled or timed out while fal was answering: don't let fal run (and bill) it.
        _cancel_at_fal(job)
        return job, True
    if job.state == JobState.PENDING:
        job, _ = transition(
            job_id, JobState.IN_QUEUE, message=f"Queued at fal ({source}).", queue_position=0, event_data={"request_id": request_id}
        )
    return job, True


# --- Progress from fal ------------------------------------------------------------------------


def _schedule_poll(job, delay=None):
    delay = polling.next_poll_delay(job) if delay is None else delay
    next_poll_at = timezone.now() + timedelta(seconds=delay)
    Job.objects.filter(pk=job.pk).update(next_poll_at=next_poll_at)
    enqueue_after_commit("poll_job_task", job.id, delay_seconds=delay)


def _claim_poll(job):
    """Only one poll chain per job: the caller whose due time is still current wins."""
    if job.next_poll_at is None or job.next_poll_at > timezone.now() + timedelta(seconds=0.05):
        return False
    return Job.objects.filter(pk=job.pk, next_poll_at=job.next_poll_at).update(next_poll_at=None) == 1


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


def poll_job(job_id):
    """Ask fal for the job's status (the fallback for lost webhooks), then plan the next poll."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished or not job.request_id or job.fal_finished_at:
        return job
    if deadline_passed(job):
        return time_out_job(job.id)
    if not _claim_poll(job):
        return job
    try:
        status = fal.status(job.endpoint_id, job.request_id)
    except fal.FalError as exc:
        Job.objects.filter(pk=job.pk).update(status_polls=F("status_polls") + 1)
        record_event(job, JobEvent.Kind.POLL, f"Status check failed: {exc.message}", status_code=exc.status_code)
        _schedule_poll(job, delay=polling.error_retry_delay())
        return job
    job = record_status(job.id, status)
    if not job.is_finished and not job.fal_finished_at:
        _schedule_poll(job)
    return job


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


def note_fal_finished(job_id, *, source):
    """fal says the request ended: wake the ingest exactly once (a conditional update)."""
    now = timezone.now()
    noticed = Job.objects.filter(pk=job_id, fal_finished_at__isnull=True).exclude(state__in=TERMINAL_STATES)
    if noticed.update(fal_finished_at=now, next_poll_at=None):
        job = Job.objects.get(pk=job_id)
        record_event(job, JobEvent.Kind.NOTE, f"fal reported the request finished ({source}).")
        enqueue_after_commit("finish_job_task", job_id)
    return Job.objects.get(pk=job_id)


# --- Webhooks ---------------------------------------------------------------------------------


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


# --- Deadlines and cancelling -------------------------------------------------------------------


def deadline_for(job):
    budget = polling.budget_seconds()
    if job.fal_finished_at:
        # fal has made (and billed) the video: storing it gets extra time, not the bin.
        budget *= 1 + INGEST_GRACE_FRACTION
    return job.created_at + timedelta(seconds=budget)


def seconds_to_deadline(job) -> float:
    return (deadline_for(job) - timezone.now()).total_seconds()


def deadline_passed(job):
    return seconds_to_deadline(job) <= 0


def remaining_budget(job) -> float:
    # fal-client refuses start timeouts of 1 s or less.
    return max(seconds_to_deadline(job), 1.5)


def enforce_deadline(job_id):
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job
    if not deadline_passed(job):
        enqueue_after_commit("enforce_deadline_task", job.id, delay_seconds=max(seconds_to_deadline(job), 0.05))
        return job
    return time_out_job(job_id)


def time_out_job(job_id):
    """The job overran its budget: cancel it at fal and mark it timed out.

    If fal turns out to have finished already, the video is kept: the ingest gets its grace.
    """
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job
    if not job.fal_finished_at and _cancel_at_fal(job) is False:
        job = note_fal_finished(job.id, source="cancel")
        enqueue_after_commit("enforce_deadline_task", job.id, delay_seconds=seconds_to_deadline(job))
        return job
    minutes = polling.budget_seconds() / 60
    job, _ = fail_job(
        job.id, f"The job took longer than its {minutes:g}-minute budget and was cancelled.", error_type="timeout", state=JobState.TIMED_OUT
    )
    return job


def cancel_job(job_id, *, by=""):
    """Cancel an unfinished job at the user's request. Returns (job, cancelled).

    A job whose video fal has already produced is not cancelled: it is being stored.
    """
    job = Job.objects.get(pk=job_id)
    if job.is_finished or job.fal_finished_at:
        return job, False
    Job.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now())
    if _cancel_at_fal(job) is False:
        return note_fal_finished(job.id, source="cancel"), False
    return transition(job.id, JobState.CANCELLED, message=f"Cancelled{' by ' + by if by else ''}.", error="Cancelled at your request.", error_type="cancelled")


def _cancel_at_fal(job):
    """True if fal cancels the request, False if it had already finished, None when there is
    no request yet or fal could not be asked."""
    if not job.request_id:
        return None
    try:
        cancelled = fal.cancel(job.endpoint_id, job.request_id)
    except fal.FalError as exc:
        record_event(job, JobEvent.Kind.CANCEL, f"fal did not cancel: {exc.message}", status_code=exc.status_code)
        return None
    record_event(job, JobEvent.Kind.CANCEL, "Asked fal to cancel the request." if cancelled else "fal had already finished the request.")
    return cancelled


# --- Recovery ---------------------------------------------------------------------------------------


def resume_unfinished_jobs():
    """Wake every unfinished job at the step its row says it is at (run when a worker starts).

    Tasks that were running when a worker died are lost; the rows are not. Each service
    re-checks the row, so waking a job that another worker is handling is harmless.
    """
    from . import tasks  # tasks import this module, so not at module level

    count = 0
    for job in Job.objects.exclude(state__in=TERMINAL_STATES).iterator():
        count += 1
        if job.fal_finished_at:
            Job.objects.filter(pk=job.pk).update(ingest_started_at=None)
            tasks.finish_job_task.enqueue(str(job.id))
        elif job.request_id:
            Job.objects.filter(pk=job.pk).update(next_poll_at=timezone.now())
            tasks.poll_job_task.enqueue(str(job.id))
        elif not job.submit_started_at:
            tasks.submit_job_task.enqueue(str(job.id))
        tasks.enforce_deadline_task.enqueue(str(job.id))
    return count


# --- Assets ---------------------------------------------------------------------------------------


def upload_asset(user, checked) -> Asset:
    """Put a validated input file in fal storage once per user, content and fal storage;
    reuse it after."""
    digest = hashlib.sha256(checked.data).hexdigest()
    origin = fal.storage_origin()
    existing = Asset.objects.filter(user=user, sha256=digest, origin=origin).first()
    if existing:
        return existing
    url = fal.upload(checked.data, checked.content_type, checked.file_name)
    asset, _ = Asset.objects.get_or_create(
        user=user,
        sha256=digest,
        origin=origin,
        defaults={
            "kind": checked.kind,
            "content_type": checked.content_type,
            "size": len(checked.data),
            "duration": checked.duration,
            "fal_url": url,
        },
    )
    return asset


# --- Review ----------------------------------------------------------------------------------------


def retry_job(job_id, *, by=""):
    """Start a new job with the same inputs as a finished one (a new attempt, a new fal request)."""
    original = Job.objects.get(pk=job_id)
    if original.state not in RETRYABLE_STATES:
        # A completed job already has its video; retrying it would pay for it twice.
        raise IllegalTransition("Only failed, cancelled or timed-out jobs can be retried.")
    with transaction.atomic():
        retry = Job.objects.create(
            user=original.user,
            endpoint_id=original.endpoint_id,
            image_url=original.image_url,
            audio_url=original.audio_url,
            image_file=original.image_file.name,
            audio_file=original.audio_file.name,
            prompt=original.prompt,
            audio_duration=original.audio_duration,
        )
        record_event(retry, JobEvent.Kind.CREATED, f"Retry of job {original.id}{' by ' + by if by else ''}.", retry_of=str(original.id))
        record_event(original, JobEvent.Kind.NOTE, f"Retried as job {retry.id}.", retried_as=str(retry.id))
        _queue_new_job(retry, submit=True)
    return retry


def mark_reviewed(job_id, *, by=""):
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(reviewed_at=timezone.now())
    record_event(job, JobEvent.Kind.NOTE, f"Marked reviewed{' by ' + by if by else ''}.")


def delete_job(job_id):
    """Remove a job and every file it owns from storage."""
    job = Job.objects.get(pk=job_id)
    if not job.is_finished:
        cancel_job(job_id)
    files = [job.video.name, job.poster.name]
    # Input files may be shared with retries of this job; keep those still referenced.
    for name in (job.image_file.name, job.audio_file.name):
        if name and not Job.objects.exclude(pk=job_id).filter(Q(image_file=name) | Q(audio_file=name)).exists():
            files.append(name)
    job.delete()
    transaction.on_commit(lambda: media.delete_files(*files))
