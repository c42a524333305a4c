"""django-tasks-db's worker loop, with a heartbeat and chores.

While it runs, one thread records that the worker is alive and hands back the tasks of
workers that stopped beating, and each chore (e.g. polling the jobs whose status check is
due) runs over and over in a thread of its own, beside the tasks."""

import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker as DBWorker

from . import chores as registry
from . import services

logger = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


class Worker(DBWorker):
    def __init__(
        self, *, worker_id: str, queue_names=("default",), interval: float = 0.5, batch: bool = False, chores=()
    ):
        """Runs the tasks of `queue_names` only (a process's own queue, see
        settings.JOB_TASKS_QUEUE). `chores` are callables returning how much work they found;
        each is called again at once while it finds some, else after `interval`. In batch mode
        each runs until it finds nothing, before the due tasks. A chore's `close()`, if any,
        runs at the end. A worker that runs continuously also runs the chores apps registered
        (workers.chores)."""
        super().__init__(
            queue_names=list(queue_names),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.chores = list(chores) + ([] if batch else registry.registered_chores())

    def shutdown(self, signum, frame) -> None:
        """The first stop signal ends the loop after the step it is in. django-tasks-db's own
        handler exits at once when no task runs, wherever the main thread is: between claiming
        a task and running it (the task stays RUNNING under a worker that then signs off, so
        no sweep ever hands it back) or before the sign-off. A second signal still stops at
        once; between tasks the loop sleeps at most `interval`."""
        if not self.running:
            super().shutdown(signum, frame)
            return
        logger.warning("Received %s - stopping after the current step.", signal.strsignal(signum))
        self.running = False

    def run(self) -> None:
        services.beat(self.worker_id)  # alive before the first task is claimed
        if self.batch:
            for chore in self.chores:
                while chore():
                    pass
        stopped = threading.Event()
        threads = [
            threading.Thread(
                target=self._keep_beating, args=(stopped,), daemon=True, name=f"heartbeat-{self.worker_id}"
            )
        ]
        if not self.batch:
            threads += [
                threading.Thread(target=self._keep_doing, args=(chore, stopped), daemon=True) for chore in self.chores
            ]
        for thread in threads:
            thread.start()
        try:
            super().run()
        finally:
            stopped.set()
            for thread in threads:
                thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 30)
            for chore in self.chores:
                if hasattr(chore, "close"):
                    chore.close()
            services.sign_off(self.worker_id)
            # A worker run in a thread (the CLI's, the tests') leaves no session open behind it.
            connection.close()

    def _keep_doing(self, chore, stopped: threading.Event) -> None:
        try:
            while not stopped.is_set():
                try:
                    found = chore()
                except Exception:
                    logger.exception("Worker %s: %s failed", self.worker_id, getattr(chore, "__name__", chore))
                    found = 0
                if not found:
                    stopped.wait(self.interval)
        finally:
            connection.close()

    def _keep_beating(self, stopped: threading.Event) -> None:
        try:
            while not stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                try:
                    services.beat(self.worker_id, tasks_run=self._run_tasks)
                    services.requeue_tasks_of_dead_workers()
                except Exception:  # the database may be away for a moment; beat again later
                    logger.exception("Worker %s could not record its heartbeat", self.worker_id)
        finally:
            connection.close()
