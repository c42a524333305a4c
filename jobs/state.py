"""The job state machine: the one place a job's state changes, and its event log."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from credits import services as credits

from . import queue, scripts
from .models import ALLOWED_TRANSITIONS, STATE_TIMESTAMP_FIELD, TERMINAL_STATES, Job, JobEvent, JobState
from .signals import job_state_changed

# Every event of every job is also a log line, naming the job and its fal request.
event_log = logging.getLogger("jobs.events")


def record_event(job, kind, message="", *, from_state="", to_state="", **data):
    event_log.info(
        "%s%s: %s",
        kind,
        f" {from_state} -> {to_state}" if to_state else "",
        message,
        extra={"job_id": str(job.pk), "fal_request_id": job.request_id, "event": kind},
    )
    try:
        return JobEvent.objects.create(
            job=job, kind=kind, message=message[:2000], from_state=from_state, to_state=to_state, data=data
        )
    except IntegrityError:
        # Outside a transaction, the insert is checked at once: if the job was deleted while
        # its caller worked (a cancel waiting on fal while the owner deleted it), say so as a
        # lookup would, so every door answers "not found" instead of a 500.
        if transaction.get_connection().in_atomic_block or Job.objects.filter(pk=job.pk).exists():
            raise
        raise Job.DoesNotExist(f"Job {job.pk} was deleted.") from None


@transaction.atomic
def transition(job_id, to_state, *, message="", event_data=None, **fields):
    """Move a job to `to_state` under a row lock, stamping its timestamp and logging an event.

    Returns (job, moved). An illegal move (e.g. a finished job going anywhere) changes nothing
    and returns moved=False, so late or duplicate news is simply ignored.
    """
    job = Job.objects.select_for_update(no_key=True).get(pk=job_id)
    from_state = job.state
    if to_state not in ALLOWED_TRANSITIONS[JobState(from_state)]:
        return job, False
    now = timezone.now()
    job.state = to_state
    setattr(job, STATE_TIMESTAMP_FIELD[JobState(to_state)], now)
    for name, value in fields.items():
        setattr(job, name, value)
    if to_state in TERMINAL_STATES:
        job.next_poll_at = None
        job.queue_position = None
        queue.queue_admission()  # its slot at fal (if it held one) is free
    job.save()
    if to_state in TERMINAL_STATES:
        credits.settle_job(job, **charge_for(job))  # in this transaction: a job finishes, and settles, once
    record_event(
        job, JobEvent.Kind.TRANSITION, message, from_state=from_state, to_state=to_state, **(event_data or {})
    )
    job_state_changed.send(sender=Job, job=job, from_state=from_state, to_state=to_state)
    return job, True


def charge_for(job) -> dict:
    """What a finished job pays: a completed one its video's length, any other nothing; and a
    job made from a script its speech too, once the speech was made (fal made it, whatever
    became of the video): a failed speech step releases everything, a failed avatar step all
    but the speech. A long video pays for the segments fal made (and charged us for), however
    it ended, and its speech when it was made from a script; its segments hold nothing and so
    pay nothing of their own."""
    speech = scripts.speech_credits(job.script) if job.script and job.speech_finished_at else 0
    video = _charge_for_segments(job) if job.is_long else _charge_for_video(job)
    notes = [f"speech of {len(job.script)} characters"] if speech else []
    if video["charge"] is not None:
        notes.append(video["note"])
    elif not speech:
        return {"charge": None}
    return {"charge": (video["charge"] or 0) + speech, "note": " and ".join(notes)}


def _charge_for_video(job) -> dict:
    if job.state == JobState.COMPLETED and job.video_duration and job.model:
        return {"charge": job.model.credits_for(job.video_duration), "note": f"{job.video_duration:.2f} s of video"}
    return {"charge": None}


# How a job the user cancelled ends, whichever of the cancel and fal's answer comes first.
CANCELLED_AT_REQUEST = {"message": "Cancelled.", "error": "Cancelled at your request.", "error_type": "cancelled"}


def fail_job(job_id, message, *, error_type="", state=JobState.FAILED):
    return transition(job_id, state, message=message, error=message, error_type=error_type)


def _charge_for_segments(job) -> dict:
    made = list(job.segments.filter(state=JobState.COMPLETED).values_list("video_duration", flat=True))
    seconds = sum(duration or 0 for duration in made)
    if not made or not job.model:
        return {"charge": None}
    note = f"{seconds:.2f} s of video in {len(made)} of {job.segment_count} segments"
    return {"charge": job.model.credits_for(seconds), "note": note}
