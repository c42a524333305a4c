"""Background tasks: each loads a job id and calls one service.

The services re-read the job row and decide from it, so a task that runs twice, late,
or after its job finished does nothing harmful.
"""

from django.tasks import task

from . import ingest, services


@task
def submit_job_task(job_id):
    services.submit_job(job_id)


@task
def poll_job_task(job_id):
    services.poll_job(job_id)


@task
def finish_job_task(job_id):
    ingest.finish_job(job_id)


@task
def enforce_deadline_task(job_id):
    services.enforce_deadline(job_id)
