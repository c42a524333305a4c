"""Heartbeats, the sweep that hands a dead worker's tasks to the living, and the pruning of
finished task rows.

django-tasks-db marks a task RUNNING when a worker claims it and nothing ever un-marks it
if that worker dies; our tasks are safe to run again (each re-reads its job and decides),
so a task held by a worker that stopped beating is simply made READY again.
"""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import chores
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(worker_id: str, *, tasks_run: int = 0) -> None:
    """Record that `worker_id` is alive now (creating its row on the first beat)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(pk=worker_id).update(last_beat_at=now, tasks_run=tasks_run)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": now,
                "last_beat_at": now,
                "tasks_run": tasks_run,
            },
        )


def sign_off(worker_id: str) -> None:
    """A worker stopping cleanly: it holds no task, so nothing needs sweeping."""
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


def dead_worker_ids() -> list[str]:
    silent_since = timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER_SECONDS)
    return list(WorkerHeartbeat.objects.filter(last_beat_at__lt=silent_since).values_list("worker_id", flat=True))


def requeue_tasks_of_dead_workers() -> int:
    """Make the tasks held by dead workers READY again; returns how many. Safe to run from
    every worker at once: each task is handed back by one conditional update."""
    dead = set(dead_worker_ids())
    if not dead:
        return 0
    # RUNNING tasks are few (at most one per worker); the last id in worker_ids holds it.
    held = [
        task_id
        for task_id, worker_ids in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "id", "worker_ids"
        )
        if worker_ids and worker_ids[-1] in dead
    ]
    with transaction.atomic():
        requeued = DBTaskResult.objects.filter(id__in=held, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
    if requeued:
        logger.warning("Requeued %d task(s) held by dead worker(s): %s", requeued, ", ".join(sorted(dead)))
    return requeued


def discard_queue(queue_name: str) -> int:
    """Delete the tasks still waiting on a queue no worker will run again (a finished CLI
    run's own, e.g. the deadline check of its finished job); returns how many."""
    deleted, _ = DBTaskResult.objects.filter(queue_name=queue_name, status=TaskResultStatus.READY).delete()
    return deleted


# Task rows deleted per call.
PRUNE_BATCH = 1000


def prune_finished_tasks() -> int:
    """Delete task rows that finished (succeeded or failed) over TASK_RESULT_RETENTION_DAYS
    ago; returns how many went. Each job leaves several (submit, deadline, ingest, ...), read
    by nobody once done, and django-tasks-db keeps them until told otherwise."""
    cutoff = timezone.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    return chores.delete_some(DBTaskResult.objects.finished().filter(finished_at__lt=cutoff), PRUNE_BATCH)


def task_pruning():
    """Every running worker prunes finished task rows once an hour."""
    return chores.Every(3600, prune_finished_tasks)
