"""The one way the pipeline queues background work.

Every piece of work is queued for a job id once the current transaction commits (so the
worker finds the rows it needs), optionally after a delay. The task functions live in
`jobs.tasks`, which import the services; the services queue through this module, so to
keep the imports one-way the tasks register themselves here (`jobs.tasks` is imported
when the app is ready) instead of this module importing them.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

_tasks = {}


def register_tasks(*, submit, finish, deadline, admit):
    _tasks.update(submit=submit, finish=finish, deadline=deadline, admit=admit)


def queue_submit(job_id, delay=None):
    """Submit the job to fal (jobs.services.submission.submit_job)."""
    _enqueue("submit", job_id, delay)


def queue_finish(job_id, delay=None):
    """Fetch fal's result and store the video (jobs.services.ingest.finish_job)."""
    _enqueue("finish", job_id, delay)


def queue_deadline(job_id, delay=None):
    """Time the job out if it is still unfinished by then (jobs.services.deadlines)."""
    _enqueue("deadline", job_id, delay)


def queue_admission():
    """A slot at fal may have freed: start the waiting jobs whose turn it is
    (jobs.services.admission.admit_waiting_jobs)."""
    transaction.on_commit(lambda: _tasks["admit"].enqueue())


def _enqueue(kind, job_id, delay):
    task = _tasks[kind]
    if delay is not None:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    transaction.on_commit(lambda: task.enqueue(str(job_id)))
