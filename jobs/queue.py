"""The one way the pipeline queues background work.

Every piece of work is queued for a job id, optionally after a delay, as a task row written
in the caller's transaction (the backend is django_tasks_db): the worker sees it exactly
when it sees the rows the work needs, a rolled-back job leaves no task behind, and a submit
costs one commit (task rows committed on their own after it cost a WAL flush each). The
task functions live in `jobs.tasks`, which import the services; the services queue through
this module, so to keep the imports one-way the tasks register themselves here
(`jobs.tasks` is imported when the app is ready) instead of this module importing them.

A job's own work goes on this process's queue (settings.JOB_TASKS_QUEUE), which only this
process's workers run: a job is followed by the process that submitted it, the one whose
fal knows its request (a CLI run's engine is known to nobody else). Waking the jobs that
wait for a slot at fal is work for the long-running workers, so it goes on the shared queue.
"""

from datetime import timedelta

from django.conf import settings
from django.tasks import DEFAULT_TASK_QUEUE_NAME
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

SHARED_QUEUE = DEFAULT_TASK_QUEUE_NAME

_tasks: dict = {}


def register_tasks(*, submit, finish, deadline, admit, speak):
    _tasks.update(submit=submit, finish=finish, deadline=deadline, admit=admit, speak=speak)


def queue_speak(job_id, delay=None):
    """Take a script job's speech step one step further (jobs.services.speaking.speak_script)."""
    _enqueue("speak", job_id, delay)


def queue_submit(job_id, delay=None):
    """Submit the job to fal (jobs.services.submission.submit_job)."""
    _enqueue("submit", job_id, delay)


def queue_deadline_and_submit(job_id, *, deadline_delay):
    """A new job's two first tasks, its deadline and its submission, as one INSERT (a submit
    costs one round trip less than queueing them one by one)."""
    deadline = _task("deadline", deadline_delay)
    submit = _task("submit", None)
    backend = submit.get_backend()
    if not isinstance(backend, DatabaseBackend):
        deadline.enqueue(str(job_id))
        submit.enqueue(str(job_id))
        return
    rows: list[DBTaskResult] = []
    for task in (deadline, submit):
        backend.validate_task(task)
        rows.append(
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": [str(job_id)], "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                # What the backend's pre_save handler does, which bulk_create doesn't call.
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:  # as the backend's own enqueue does
        task_enqueued.send(type(backend), task_result=row.task_result)


def queue_turn(job_id):
    """Submit a waiting job whose turn for a slot at fal has come, on the shared queue: it
    may be another process's job, and a short-lived CLI run must not take it along."""
    _enqueue("submit", job_id, None, queue_name=SHARED_QUEUE)


def queue_finish(job_id, delay=None):
    """Fetch fal's result and store the video (jobs.services.ingest.finish_job)."""
    _enqueue("finish", job_id, delay)


def queue_deadline(job_id, delay=None):
    """Time the job out if it is still unfinished by then (jobs.services.deadlines)."""
    _enqueue("deadline", job_id, delay)


def queue_admission():
    """A slot at fal may have freed: start the waiting jobs whose turn it is
    (jobs.services.admission.admit_waiting_jobs)."""
    _tasks["admit"].using(queue_name=SHARED_QUEUE).enqueue()


def _enqueue(kind, job_id, delay, queue_name=None):
    _task(kind, delay, queue_name).enqueue(str(job_id))


def _task(kind, delay, queue_name=None):
    task = _tasks[kind].using(queue_name=queue_name or settings.JOB_TASKS_QUEUE)
    if delay is not None:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    return task
