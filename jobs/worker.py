"""The worker that runs the pipeline: django-tasks-db's task loop (workers.loop) plus, beside
the tasks, the status checks of jobs whose check is due and the sweep of stranded jobs."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from workers.chores import Every
from workers.loop import Worker

from .services.deadlines import time_out_stranded_jobs
from .services.tracking import poll_due_jobs


class Poller:
    """The workers' chore of checking due jobs, POLL_CONCURRENCY at a time: a check mostly
    waits for fal's answer, so one at a time would cap a worker at one per round trip."""

    def __init__(self, threads: int):
        self.threads = threads
        self.pool = None

    def __call__(self) -> int:
        if self.pool is None:  # (again, for a batch worker run more than once)
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="poll")
        return poll_due_jobs(limit=self.threads * 2, run=self.pool.map)

    def close(self):
        if self.pool is None:
            return
        # Each pool thread holds a persistent database connection; have every thread close its
        # own (the barrier makes the pool run one call on each) before the pool goes.
        barrier = threading.Barrier(self.threads)

        def close_connection(_):
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            connections.close_all()

        list(self.pool.map(close_connection, range(self.threads)))
        self.pool.shutdown()
        self.pool = None


def in_process_worker(*, worker_id: str, batch: bool = False, interval: float = 0.05) -> Worker:
    """A worker over this process's queue (settings.JOB_TASKS_QUEUE), with a heartbeat and the
    status checks. `batch` does what is due, then returns; otherwise call `.run()` (in a
    thread, or as the process's loop) and set `.running = False` to stop it."""
    return Worker(
        worker_id=worker_id, queue_names=[settings.JOB_TASKS_QUEUE], interval=interval, batch=batch,
        # Stranded jobs are rare and already late: a look a minute is plenty.
        chores=[Poller(settings.POLL_CONCURRENCY), Every(60, time_out_stranded_jobs)],
    )
