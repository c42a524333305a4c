"""What people do to jobs (cancel, retry, review, delete), and waking jobs after a restart."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credits import services as credits
from jobs import fal, media, queue
from jobs.models import TERMINAL_STATES, Job, JobEvent, JobState
from jobs.state import CANCELLED_AT_REQUEST, record_event, transition

from . import admission, ingest
from .fal_requests import cancel_at_fal, note_fal_finished
from .submission import credits_to_hold, queue_new_job
from .tracking import poll_soon

RETRYABLE_STATES = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT})


class NotRetryable(Exception):
    """Only failed, cancelled or timed-out jobs can be retried."""


# Why retry_job may refuse: the job, the owner's unfinished jobs, or the owner's credits.
RETRY_REFUSALS = (NotRetryable, admission.TooManyActiveJobs, credits.InsufficientCredits)


def cancel_job(job_id, *, by=""):
    """Cancel an unfinished job at the user's request. Returns (job, cancelled).

    A job whose video fal has already produced is not cancelled: it is being stored.
    """
    job = Job.objects.get(pk=job_id)
    if job.is_finished or job.fal_finished_at:
        return job, False
    Job.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now())
    if cancel_at_fal(job) is False:
        return note_fal_finished(job.id, source="cancel"), False
    job, moved = transition(
        job.id, JobState.CANCELLED, **{**CANCELLED_AT_REQUEST, "message": f"Cancelled{' by ' + by if by else ''}."}
    )
    # A status check that saw fal's end of the cancelled request may have ended it first.
    return job, moved or job.state == JobState.CANCELLED


def abandon_job(job_id, *, by=""):
    """End a job whose process is going away with the only fal that knows it (a CLI run's
    engine, on Ctrl-C): cancel it there now, or finish storing the video fal already made.
    Otherwise it would wait, holding a slot at fal, for a process that no longer exists."""
    job, _ = cancel_job(job_id, by=by)
    if not job.is_finished and job.fal_finished_at:
        Job.objects.release_ingest(job.pk)  # this process's own ingest, if any, has stopped
        job = ingest.finish_job(job.pk)
    if job.is_long:  # its segments are at the same fal: end them now, not after this process
        for segment_id in job.segments.exclude(state__in=TERMINAL_STATES).values_list("pk", flat=True):
            abandon_job(segment_id, by=by)
    return job


def retry_job(job_id, *, by=""):
    """Start a new job with the same inputs as a finished one (a new attempt, a new fal request)."""
    original = Job.objects.get(pk=job_id)
    if original.state not in RETRYABLE_STATES:
        # A completed job already has its video; retrying it would pay for it twice.
        raise NotRetryable("Only failed, cancelled or timed-out jobs can be retried.")
    if original.is_long or original.parent_id:
        raise NotRetryable("A long video is not retried whole; create a new one with its audio.")
    # A script job whose speech was made retries with that speech (its audio); one whose
    # speech step failed speaks its script again.
    speaks_again = bool(original.script) and not original.audio_file
    if original.audio_duration is None and not speaks_again:
        # Made before audio given by URL was measured: what it would cost is unknown.
        raise NotRetryable("This job's audio was never measured; create a new job with it instead.")
    with transaction.atomic():
        admission.refuse_if_too_many_active(original.user)
        retry = Job(
            user=original.user,
            endpoint_id=original.endpoint_id,
            title=original.title,
            image_url=original.image_url,
            audio_url=original.audio_url,
            image_file=original.image_file.name,
            audio_file=original.audio_file.name,
            prompt=original.prompt,
            audio_duration=original.audio_duration,
            model_params=original.model_params,
            script=original.script if speaks_again else "",
            voice=original.voice if speaks_again else "",
            state=JobState.SPEAKING if speaks_again else JobState.PENDING,
        )
        credits.reserve_for_job(retry, credits_to_hold(retry))  # a new attempt pays anew
        retry.save()
        record_event(
            retry,
            JobEvent.Kind.CREATED,
            f"Retry of job {original.id}{' by ' + by if by else ''}.",
            retry_of=str(original.id),
        )
        record_event(original, JobEvent.Kind.NOTE, f"Retried as job {retry.id}.", retried_as=str(retry.id))
        queue_new_job(retry)
    return retry


def rename_job(job_id, title):
    """Give a job the title its owner chose (callers validate it: 1 to 200 characters)."""
    Job.objects.filter(pk=job_id).update(title=title)


def mark_reviewed(job_id, *, by=""):
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(reviewed_at=timezone.now())
    record_event(job, JobEvent.Kind.NOTE, f"Marked reviewed{' by ' + by if by else ''}.")


def delete_job(job_id):
    """Remove a job and every file it owns from storage."""
    job = Job.objects.get(pk=job_id)
    if not job.is_finished:
        job, _ = cancel_job(job_id)
    if not job.is_finished:
        # fal had already made the video (it is being stored): the job goes anyway, and the
        # owner, who will never get that video, gets the held credits back.
        job, _ = transition(
            job.id, JobState.CANCELLED, message="Deleted while its video was being stored.", error_type="deleted"
        )
    segments = list(job.segments.all()) if job.is_long else []  # ended here with it
    for segment in segments:
        if not segment.is_finished:
            cancel_job(segment.pk)  # fal would otherwise run (and bill) pieces of a deleted video
    files = []
    owned = [job, *segments]  # the segments go with it (the database cascades)
    for each in owned:
        files += [each.video.name, each.poster.name]
    # Input files may be shared with retries of this job; keep those still referenced.
    for name in {name for each in owned for name in (each.image_file.name, each.audio_file.name)}:
        others = Job.objects.exclude(pk__in=[each.pk for each in owned])
        if name and not others.filter(Q(image_file=name) | Q(audio_file=name)).exists():
            files.append(name)
    job.delete()
    transaction.on_commit(lambda: media.delete_files(*files))


def resume_unfinished_jobs():
    """Wake every unfinished job at the step its row says it is at (run when a worker starts).

    Tasks that were running when a worker died are lost; the rows are not. Each service
    re-checks the row, so waking a job that another worker is handling is harmless. Jobs
    sent to another fal than this process's are left to the workers of that fal.
    """
    count = 0
    # Jobs sent to another fal are that fal's workers' to wake: this one can't ask about them.
    for job in Job.objects.exclude(state__in=TERMINAL_STATES).sent_to(fal.storage_origin()).iterator():
        if job.is_long:
            continue  # its segments are woken here; the longform app's chore advances it
        count += 1
        if job.state == JobState.SPEAKING:
            queue.queue_speak(job.id)
        elif job.fal_finished_at:
            Job.objects.release_ingest(job.pk)
            queue.queue_finish(job.id)
        elif job.request_id:
            poll_soon(job.id)
        elif not job.submit_started_at:
            queue.queue_submit(job.id)
        queue.queue_deadline(job.id)
    return count
