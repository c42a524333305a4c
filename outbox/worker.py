"""Deliveries are made by the task workers, beside the job tasks and never in their way.

Why not a task per delivery (django-tasks on a queue of their own): a worker runs one task
at a time, over every queue (`run_worker` has no queue of its own for webhooks), so a task
that posts to a consumer would hold it for up to WEBHOOK_TIMEOUT per attempt, and a dead
consumer with many events would make every job's submit, ingest and deadline wait behind it.
A worker process just for webhooks would avoid that, at the price of one more process to
run everywhere; and each retry would be one more task row, beside the delivery row that
already knows when the next attempt is due.

So deliveries follow the job status checks (jobs.worker.Poller): a delivery is a due time on
its own row (Delivery.next_attempt_at). Every running worker runs DeliveryChore in a thread
of its own (registered with workers.chores); it claims due deliveries with one conditional
UPDATE each (which also books when the claim lapses) and hands them to
WEBHOOK_DELIVERY_CONCURRENCY sender threads. It claims only as many as there are idle
senders and never waits for an attempt to end, so a consumer that hangs holds one sender
for at most WEBHOOK_TIMEOUT and the job tasks not at all. A failed attempt books the next on
the retry schedule; a worker killed mid-attempt loses nothing (the claim lapses and the
delivery is due again). Workers find a committed delivery within their interval.
"""

import logging
import queue
import threading

from django.conf import settings
from django.db import connections

from workers.chores import Every

from .delivery import attempt_delivery, claim_due_deliveries
from .services import prune_webhook_log

logger = logging.getLogger(__name__)


class DeliveryChore:
    """Claims due deliveries for idle sender threads; returns how many it handed out."""

    # While every sender is busy, wait this long for one to free up before giving the
    # worker's loop its turn (which then pauses for its interval).
    WAIT_FOR_SENDER_SECONDS = 1.0
    # A sender idle this long closes its database connection.
    IDLE_SENDER_SECONDS = 10.0

    def __init__(self, senders: int | None = None):
        self.senders = senders or settings.WEBHOOK_DELIVERY_CONCURRENCY
        self.idle = threading.Semaphore(self.senders)
        self.work = queue.SimpleQueue()
        self.threads = []

    def __call__(self) -> int:
        if not self.threads:
            self.threads = [
                threading.Thread(target=self._send, daemon=True, name=f"webhook-sender-{n}")
                for n in range(self.senders)
            ]
            for thread in self.threads:
                thread.start()
        if not self.idle.acquire(timeout=self.WAIT_FOR_SENDER_SECONDS):
            return 0
        free = 1
        while self.idle.acquire(blocking=False):
            free += 1
        claimed = []
        try:
            claimed = claim_due_deliveries(free)
        finally:  # (a database error must not leave senders counted as busy)
            for _ in range(free - len(claimed)):
                self.idle.release()
        for delivery in claimed:
            self.work.put(delivery)
        return len(claimed)

    def _send(self) -> None:
        try:
            while (delivery := self._next()) is not None:
                try:
                    attempt_delivery(delivery)
                except Exception:
                    # Its claim lapses and the delivery is attempted again then.
                    logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
                finally:
                    self.idle.release()
        finally:
            connections.close_all()  # this thread's own database connection

    def _next(self):
        try:
            return self.work.get(timeout=self.IDLE_SENDER_SECONDS)
        except queue.Empty:
            # An idle sender keeps no database connection: a worker has
            # WEBHOOK_DELIVERY_CONCURRENCY of them, and PostgreSQL's are few.
            connections.close_all()
            return self.work.get()

    def close(self) -> None:
        """Let the senders finish their attempts (at most WEBHOOK_TIMEOUT), then stop them."""
        for _ in self.threads:
            self.work.put(None)
        for thread in self.threads:
            thread.join(timeout=settings.WEBHOOK_TIMEOUT + 5)
        self.threads = []


def webhook_log_pruning():
    """Every running worker deletes expired webhook messages (prune_webhook_log) once an hour:
    they expire by the day, and a few workers doing it is harmless."""
    return Every(3600, prune_webhook_log)
