"""The worker that runs the pipeline: django-tasks-db's task loop (workers.loop) plus, beside
the tasks, the status checks of jobs whose check is due and the sweep of stranded jobs."""

import time

from django.conf import settings

from workers.chores import Every
from workers.loop import Worker

from . import fal
from .services.deadlines import time_out_stranded_jobs
from .services.tracking import poll_due_jobs

# How long a worker that has caught up with the due checks waits before claiming the next
# ones (at most its --interval): a check is then up to this much later than booked.
POLL_GATHER_SECONDS = 0.2


class Poller:
    """The workers' chore of checking due jobs: it claims up to POLL_CONCURRENCY of them at
    a time and asks fal about all of them at once (a check mostly waits for fal's answer),
    on one event loop in the chore's own thread rather than a thread per check."""

    def __init__(self, concurrency: int, gather_seconds: float = 0.0):
        self.concurrency = concurrency
        self.gather_seconds = gather_seconds
        self.reader = None

    def __call__(self) -> int:
        if self.reader is None:  # (again, for a batch worker run more than once)
            self.reader = fal.StatusReader()
        found = poll_due_jobs(limit=self.concurrency, reader=self.reader)
        if 0 < found < self.concurrency:
            # Caught up: the next checks fall due one or two at a time. Let them gather for a
            # moment rather than claim each alone (a batch's claim and round trip cost about
            # the same for 2 jobs as for 25: bench/worker_load.py); the worker's loop would
            # otherwise call again at once, having found work.
            time.sleep(self.gather_seconds)
        return found

    def close(self):
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def in_process_worker(*, worker_id: str, batch: bool = False, interval: float = 0.05) -> Worker:
    """A worker over this process's queue (settings.JOB_TASKS_QUEUE), with a heartbeat and the
    status checks. `batch` does what is due, then returns; otherwise call `.run()` (in a
    thread, or as the process's loop) and set `.running = False` to stop it."""
    return Worker(
        worker_id=worker_id,
        queue_names=[settings.JOB_TASKS_QUEUE],
        interval=interval,
        batch=batch,
        # Stranded jobs are rare and already late: a look a minute is plenty.
        chores=[
            Poller(settings.POLL_CONCURRENCY, min(interval, POLL_GATHER_SECONDS)),
            Every(60, time_out_stranded_jobs),
        ],
    )
