"""A task held by a worker that died is handed to the living within a bounded time; tasks of
live workers, and of workers we know nothing about, are left alone."""

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.tasks import admit_waiting_jobs_task
from tests.conftest import wait_for
from tests.servers import PROJECT_DIR, database_url
from workers import services
from workers.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def running_task(worker_id):
    task = DBTaskResult.objects.get(id=admit_waiting_jobs_task.enqueue().id)
    task.claim(worker_id)
    return task


def test_tasks_of_a_silent_worker_are_made_ready_again(settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 30
    services.beat("dead-worker")
    services.beat("live-worker")
    WorkerHeartbeat.objects.filter(pk="dead-worker").update(last_beat_at=timezone.now() - timedelta(seconds=31))
    orphan, busy, unknown = (
        running_task("dead-worker"),
        running_task("live-worker"),
        running_task("db_worker-without-heartbeat"),
    )

    assert services.requeue_tasks_of_dead_workers() == 1

    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert statuses[orphan.id] == TaskResultStatus.READY
    assert statuses[busy.id] == statuses[unknown.id] == TaskResultStatus.RUNNING
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["live-worker"]
    assert services.requeue_tasks_of_dead_workers() == 0


def test_a_worker_beats_while_it_runs_and_signs_off_when_it_stops(settings):
    from jobs.worker import in_process_worker

    settings.WORKER_HEARTBEAT_SECONDS = 0.1
    worker = in_process_worker(worker_id="beating", interval=0.02)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        first = wait_for(lambda: WorkerHeartbeat.objects.filter(pk="beating").first(), message="a first beat")
        admit_waiting_jobs_task.enqueue()
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(
                pk="beating", tasks_run=1, last_beat_at__gt=first.last_beat_at
            ).exists(),
            message="a later beat",
        )
    finally:
        worker.running = False
        thread.join(timeout=10)

    assert not WorkerHeartbeat.objects.filter(pk="beating").exists()


def test_a_stop_signal_lets_the_worker_finish_its_step_and_sign_off():
    from jobs.worker import in_process_worker

    worker = in_process_worker(worker_id="stopping", interval=0.02)
    task = admit_waiting_jobs_task.enqueue()
    # Wherever the signal lands (here: before the loop has claimed anything), nothing exits
    # there: the loop ends after its step.
    worker.shutdown(signal.SIGTERM, None)

    worker.run()

    assert not WorkerHeartbeat.objects.filter(pk="stopping").exists()
    assert DBTaskResult.objects.get(pk=task.id).status == TaskResultStatus.READY  # left for the next worker, not held


def test_supervisor_restarts_a_killed_worker_and_its_task_is_picked_up_again(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WORKER_HEARTBEAT_SECONDS": "0.2",
        "WORKER_DEAD_AFTER_SECONDS": "1.5",
    }
    supervisor = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--processes", "2", "--interval", "0.1", "--worker-id", "sup"],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = wait_for(
            lambda: list(WorkerHeartbeat.objects.all()) if WorkerHeartbeat.objects.count() == 2 else None,
            message="two workers",
        )
        victim = first[0]
        orphan = running_task(victim.worker_id)  # as if it held a task when it was killed

        os.kill(victim.pid, signal.SIGKILL)

        wait_for(
            lambda: WorkerHeartbeat.objects.exclude(pk__in=[w.pk for w in first]).exists(),
            message="a replacement worker",
        )
        wait_for(
            lambda: DBTaskResult.objects.filter(pk=orphan.pk, status=TaskResultStatus.SUCCESSFUL).exists(),
            timeout=20,
            message="the orphaned task to run again",
        )
        assert not WorkerHeartbeat.objects.filter(pk=victim.pk).exists()
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=40)
    assert supervisor.returncode == 0
    assert not WorkerHeartbeat.objects.exists()  # every worker signed off
