"""The budget: a job that has not finished in time is cancelled at fal and timed out."""

from datetime import timedelta

from django.utils import timezone

from jobs import fal, queue, schedule
from jobs.models import UNFINISHED_STATES, Job, JobState
from jobs.state import fail_job

from .fal_requests import cancel_at_fal, note_fal_finished, sent_to_this_fal


def enforce_deadline(job_id):
    """Time the job out if its deadline has passed; otherwise check again at the deadline."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished or job.is_long or not sent_to_this_fal(job):
        # A long video has no budget of its own: each of its segments has one.
        # A job sent to another fal keeps its deadline there: that fal's workers time it out
        # when they poll it (jobs.services.tracking), and only they could cancel its request.
        return job
    if not schedule.deadline_passed(job):
        queue.queue_deadline(job.id, delay=max(schedule.seconds_to_deadline(job), 0.05))
        return job
    return time_out_job(job_id)


def time_out_job(job_id):
    """The job overran its budget: cancel it at fal and mark it timed out.

    If fal turns out to have finished already, the video is kept: the ingest gets its grace.
    """
    job = Job.objects.get(pk=job_id)
    if job.is_finished or not sent_to_this_fal(job):
        return job
    if not job.fal_finished_at and cancel_at_fal(job) is False:
        job = note_fal_finished(job.id, source="cancel")
        queue.queue_deadline(job.id, delay=schedule.seconds_to_deadline(job))
        return job
    minutes = schedule.budget_seconds() / 60
    job, _ = fail_job(
        job.id,
        f"The job took longer than its {minutes:g}-minute budget and was cancelled.",
        error_type="timeout",
        state=JobState.TIMED_OUT,
    )
    return job


# How long past even its ingest grace a job at another fal waits before any worker times it out.
STRANDED_AFTER_SECONDS = 60


def time_out_stranded_jobs() -> int:
    """Time out the jobs stranded at another fal; returns how many.

    A job sent to another fal (a CLI run's own engine) is left to the process that sent it,
    which alone can reach that fal. A process killed outright (SIGKILL, a closed laptop lid
    that never reopens) ends nothing, and its job would hold its credits and a slot for ever.
    Once its deadline, ingest grace included, is a minute past, its own process would have
    ended it if it were alive: any worker times it out, without asking a fal it cannot reach.
    """
    overdue = timedelta(seconds=schedule.budget_with_ingest_grace() + STRANDED_AFTER_SECONDS)
    stranded = (
        Job.objects.filter(state__in=UNFINISHED_STATES, created_at__lt=timezone.now() - overdue)
        .exclude(fal_origin="")
        .exclude(fal_origin=fal.storage_origin())
        .values_list("pk", "fal_origin")
    )
    minutes = schedule.budget_seconds() / 60
    count = 0
    for job_id, origin in stranded:
        message = (
            f"The job took longer than its {minutes:g}-minute budget, and the process that sent it to {origin} "
            "stopped without ending it; nothing is charged."
        )
        _, changed = fail_job(job_id, message, error_type="timeout", state=JobState.TIMED_OUT)
        count += changed
    return count
