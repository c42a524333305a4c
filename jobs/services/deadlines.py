"""The budget: a job that has not finished in time is cancelled at fal and timed out."""

from jobs import queue, schedule
from jobs.models import Job, JobState
from jobs.state import fail_job

from .fal_requests import cancel_at_fal, note_fal_finished


def enforce_deadline(job_id):
    """Time the job out if its deadline has passed; otherwise check again at the deadline."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
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
    if job.is_finished:
        return job
    if not job.fal_finished_at and cancel_at_fal(job) is False:
        job = note_fal_finished(job.id, source="cancel")
        queue.queue_deadline(job.id, delay=schedule.seconds_to_deadline(job))
        return job
    minutes = schedule.budget_seconds() / 60
    job, _ = fail_job(
        job.id, f"The job took longer than its {minutes:g}-minute budget and was cancelled.", error_type="timeout", state=JobState.TIMED_OUT
    )
    return job
