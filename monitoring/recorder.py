"""Counting what the database doesn't already hold (fal calls, rejected callbacks, HTTP
requests, durations observed as jobs end), correctly across any number of web and worker
processes on any number of machines.

Each process adds to a small in-memory tally (a dict increment under a lock, no I/O on the
request or the pipeline's path) and a background thread adds the tally to the shared
MetricTotal rows every METRICS_FLUSH_SECONDS with one `value = value + n` UPDATE per
series. A process also flushes when it answers /metrics and when it exits cleanly. A
process killed with SIGKILL loses at most its last few seconds of counts; a restart loses
nothing else, since the totals live in the database rather than in the process.
"""

import atexit
import functools
import json
import logging
import os
import threading
from collections import defaultdict

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F

from .catalog import Metric, bucket_bound

logger = logging.getLogger(__name__)


def series_labels(labels: dict) -> str:
    """One canonical string per set of labels (the MetricTotal.labels column)."""
    return _canonical(tuple(labels.items())) if labels else ""


@functools.lru_cache(maxsize=4096)  # label sets are few (bounded by design): encode each once
def _canonical(items: tuple) -> str:
    return json.dumps({key: str(value) for key, value in items}, sort_keys=True, separators=(",", ":"))


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending = defaultdict(float)
        self.flusher = None
        self.stopped = threading.Event()

    def count(self, metric: Metric, amount: float = 1, **labels):
        with self.lock:
            self.pending[(metric.name, series_labels(labels))] += amount
            self._start_flusher()

    def observe(self, metric: Metric, value: float, **labels):
        """A histogram observation: its bucket (not cumulative; /metrics adds them up) and its sum."""
        value = max(0.0, float(value))
        with self.lock:
            self.pending[(f"{metric.name}_bucket", series_labels({**labels, "le": bucket_bound(metric, value)}))] += 1
            self.pending[(f"{metric.name}_sum", series_labels(labels))] += value
            self._start_flusher()

    def flush(self):
        """Add everything counted so far to the shared totals. On a database error the counts
        are kept for the next flush, not lost."""
        with self.lock:
            taken, self.pending = self.pending, defaultdict(float)
        if not taken:
            return
        try:
            _add_to_totals(taken)
        except Exception:
            with self.lock:
                for key, amount in taken.items():
                    self.pending[key] += amount
            raise

    def _start_flusher(self):
        # Called with the lock held. Lazily, so a process that counts nothing runs no thread,
        # and after a fork (the child inherits the tally, not the thread).
        if self.flusher is None and settings.METRICS_FLUSH_SECONDS > 0:
            self.flusher = threading.Thread(target=self._keep_flushing, name="metrics-flush", daemon=True)
            self.flusher.start()

    def _keep_flushing(self):
        while not self.stopped.wait(settings.METRICS_FLUSH_SECONDS):
            close_old_connections()  # this thread's connection follows CONN_MAX_AGE like a request's
            try:
                self.flush()
            except Exception:
                logger.warning("Metrics could not be saved; they are kept for the next try.", exc_info=True)

    def _after_fork(self):
        self.lock = threading.Lock()
        self.pending = defaultdict(float)
        self.flusher = None
        self.stopped = threading.Event()


def _add_to_totals(amounts):
    from .models import MetricTotal

    # Sorted, so two processes flushing at once lock the rows in the same order (no deadlock).
    with transaction.atomic():
        for (name, labels), amount in sorted(amounts.items()):
            series = MetricTotal.objects.filter(name=name, labels=labels)
            if not series.update(value=F("value") + amount):
                MetricTotal.objects.bulk_create([MetricTotal(name=name, labels=labels)], ignore_conflicts=True)
                series.update(value=F("value") + amount)


tally = Tally()
count = tally.count
observe = tally.observe
flush = tally.flush
os.register_at_fork(after_in_child=tally._after_fork)


@atexit.register
def _flush_at_exit():
    # Only processes that flush in the background (servers, workers) flush on the way out; with
    # METRICS_FLUSH_SECONDS=0 (the test suite) counts reach the database only when /metrics asks.
    if tally.flusher is None:
        return
    tally.stopped.set()
    try:
        tally.flush()
    except Exception:  # the database may be gone already; nothing more to do
        pass
