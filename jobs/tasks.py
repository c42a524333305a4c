"""Background tasks: each loads a job id and calls one service.

The services re-read the job row and decide from it, so a task that runs twice, late,
or after its job finished does nothing harmful. They queue work through `jobs.queue`,
which knows these tasks because they register themselves below.
"""

import logging
from contextlib import contextmanager

from django.tasks import task

from core.log_context import about_job

from . import queue
from .models import Job
from .services import admission, deadlines, ingest, speaking, submission, tracking

logger = logging.getLogger(__name__)


@contextmanager
def working_on(job_id):
    """Log lines name the job; a job its owner deleted since the task was queued has nothing
    left to do (its fal request was cancelled by the delete), so the task ends quietly."""
    with about_job(job_id):
        try:
            yield
        except Job.DoesNotExist:
            if Job.objects.filter(pk=job_id).exists():
                raise
            logger.info("Job %s was deleted; nothing left to do.", job_id)


@task
def submit_job_task(job_id):
    with working_on(job_id):
        submission.submit_job(job_id)


@task
def poll_job_task(job_id):
    # Status checks are no longer tasks (workers poll what is due); poll tasks queued before
    # that change still run, and make their job due now.
    tracking.poll_soon(job_id)


@task
def finish_job_task(job_id):
    with working_on(job_id):
        ingest.finish_job(job_id)


@task
def enforce_deadline_task(job_id):
    with working_on(job_id):
        deadlines.enforce_deadline(job_id)


@task
def speak_script_task(job_id):
    with working_on(job_id):
        speaking.speak_script(job_id)


@task
def admit_waiting_jobs_task():
    admission.admit_waiting_jobs()


queue.register_tasks(
    submit=submit_job_task,
    finish=finish_job_task,
    deadline=enforce_deadline_task,
    admit=admit_waiting_jobs_task,
    speak=speak_script_task,
)
