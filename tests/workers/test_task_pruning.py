"""Finished task rows are kept TASK_RESULT_RETENTION_DAYS, then deleted by the workers; tasks
still to run, or running, are never touched."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.tasks import admit_waiting_jobs_task
from tests.conftest import wait_for
from workers import services

Status = TaskResultStatus


def task(status, *, days_ago):
    """A task row in `status` as of `days_ago` (made directly, so no worker runs it meanwhile)."""
    when = timezone.now() - timedelta(days=days_ago)
    finished = when if status in (Status.SUCCESSFUL, Status.FAILED) else None
    row = DBTaskResult.objects.create(
        status=status,
        finished_at=finished,
        run_after=when,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=admit_waiting_jobs_task.module_path,
        backend_name="default",
        queue_name="elsewhere",
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=when)
    return row.pk


@pytest.mark.django_db
def test_only_tasks_finished_before_the_retention_are_deleted(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 7
    gone = [task(Status.SUCCESSFUL, days_ago=8), task(Status.FAILED, days_ago=30)]
    kept = [
        task(Status.SUCCESSFUL, days_ago=6),
        task(Status.READY, days_ago=30),  # waiting for a worker of its queue
        task(Status.RUNNING, days_ago=30),
    ]

    assert services.prune_finished_tasks() == len(gone)

    assert sorted(DBTaskResult.objects.values_list("pk", flat=True)) == sorted(kept)
    assert services.prune_finished_tasks() == 0


def test_a_running_worker_prunes_finished_tasks(task_worker, settings):
    settings.TASK_RESULT_RETENTION_DAYS = 7
    old = task(Status.SUCCESSFUL, days_ago=8)

    wait_for(lambda: not DBTaskResult.objects.filter(pk=old).exists(), message="the worker's pruning")
