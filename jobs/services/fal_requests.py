"""What fal tells us about a job's request, recorded once: its id, its end, its cancel."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jobs import fal, queue, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.signals import fal_finish_noticed
from jobs.state import record_event, transition

from .webhook_health import forget_measure


def adopt_request_id(job_id, request_id, *, source):
    """Store fal's request id and mark the job queued. Safe to call again with the same id;
    a second, different id is recorded and ignored."""
    with transaction.atomic():
        job = Job.objects.select_for_update(no_key=True).get(pk=job_id)
        if job.request_id and job.request_id != request_id:
            record_event(
                job,
                JobEvent.Kind.NOTE,
                "Ignored a second fal request for this job.",
                request_id=request_id,
                source=source,
            )
            return job, False
        if not job.request_id:
            job.request_id = request_id
            job.save(update_fields=["request_id"])
        if job.state == JobState.PENDING:
            # In the same transaction: nobody sees fal's request id on a job still `pending`.
            job, _ = transition(
                job_id,
                JobState.IN_QUEUE,
                message=f"Queued at fal ({source}).",
                queue_position=0,
                event_data={"request_id": request_id},
            )
    if job.is_finished:
        # Cancelled or timed out while fal was answering: don't let fal run (and bill) it.
        cancel_at_fal(job)
    return job, True


def sent_to_this_fal(job) -> bool:
    """Whether this process talks to the fal the job was sent to, so may ask it about the job's
    request (another fal answers 404). A job that names no fal counts as sent to ours."""
    return job.fal_origin in ("", fal.storage_origin())


def note_fal_finished(job_id, *, source):
    """fal says the request ended: wake the ingest exactly once. A request fal ended is also
    news of the jobs sent before it to the same fal queue (schedule.overtaken_check_delay)."""
    if Job.objects.mark_fal_finished(job_id, source=source):
        forget_measure()  # a completion moves the fleet's webhook health
        job = Job.objects.get(pk=job_id)
        record_event(job, JobEvent.Kind.NOTE, f"fal reported the request finished ({source}).", source=source)
        if source != "cancel":
            delay = timedelta(seconds=schedule.overtaken_check_delay(job))
            Job.objects.check_overtaken(job, due_at=timezone.now() + delay, margin=delay)
        fal_finish_noticed.send(Job, job_id=job.pk, source=source)
        queue.queue_finish(job_id)
    return Job.objects.get(pk=job_id)


def cancel_at_fal(job):
    """True if fal cancels the request, False if it had already finished, None when there is
    no request yet or fal could not be asked."""
    if not job.request_id:
        return None
    if not sent_to_this_fal(job):
        record_event(
            job, JobEvent.Kind.CANCEL, f"fal not asked to cancel: the request is at another fal ({job.fal_origin})."
        )
        return None
    try:
        cancelled = fal.cancel(job.endpoint_id, job.request_id)
    except fal.FalError as exc:
        record_event(job, JobEvent.Kind.CANCEL, f"fal did not cancel: {exc.message}", status_code=exc.status_code)
        return None
    record_event(
        job,
        JobEvent.Kind.CANCEL,
        "Asked fal to cancel the request." if cancelled else "fal had already finished the request.",
    )
    return cancelled
