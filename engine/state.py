"""The engine's in-memory queue: a registry of requests, a FIFO queue and a pool of runners.

`ENGINE` is the process-wide singleton the views, the standalone server and the tests share.
Every state change of a request goes through `_start` or `_finish`, under one lock; the
first `_finish` wins, so a cancel racing a completion ends the request exactly once.
"""

import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings

from . import webhooks
from .faults import Faults
from .processing import Stopped, run_avatar_model
from .records import (
    COMPLETED,
    IN_PROGRESS,
    IN_QUEUE,
    ModelRequest,
    Outcome,
    failure_outcome,
    log_entry,
    new_request_id,
)
from .speech import is_speech_endpoint, run_speech_model

logger = logging.getLogger(__name__)

CANCELLED_BODY = {"detail": "Request cancelled", "error_type": "client_cancelled"}
START_TIMEOUT_BODY = {"detail": "Request timed out before it started", "error_type": "request_timeout"}
CRASH_BODY = {"detail": "Internal server error", "error_type": "runner_server_error"}
IDLE_RUNNER_RECHECK_SECONDS = 1.0


def _report(message, *args) -> None:
    """Log the error being handled, never raising. In the test process even logging can fail
    for an instant: Django swaps settings._wrapped in two steps (clear, then set), and a
    thread reading settings between them (the log redaction filter does) finds None. A
    runner once died that way, taking every later test of its process with it."""
    with contextlib.suppress(Exception):
        logger.exception(message, *args)


class QueueFull(Exception):
    """fal_max_queue_length was given and the endpoint's queue is already that long."""


class RequestControl:
    """What a running model sees of the engine: a log sink and an interruptible clock."""

    def __init__(self, engine: "Engine", request: ModelRequest):
        self._engine, self._request = engine, request

    def log(self, message: str) -> None:
        self._engine._log(self._request, message)

    def pause(self, seconds: float) -> None:
        if self._request.stop.wait(seconds) or self._request.stop.is_set():
            raise Stopped()


class Engine:
    def __init__(self) -> None:
        self.faults = Faults()
        self._work = threading.Condition(threading.RLock())
        self._requests: dict[str, ModelRequest] = {}
        self._queue: list[ModelRequest] = []
        self._runners: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []
        self._calls: Counter[str] = Counter()
        self._submitted = 0
        # Bumped by reset(), so work begun before a reset cannot touch what comes after.
        self._generation = 0

    # --- the queue API the views call --------------------------------------------------------

    def submit(
        self,
        endpoint: str,
        arguments: Any,
        base_url: str,
        *,
        webhook_url: str | None = None,
        account: str = "",
        start_timeout: float | None = None,
        low_priority: bool = False,
        max_queue_length: int | None = None,
    ) -> ModelRequest:
        """Queue a request; raises QueueFull when max_queue_length requests already wait."""
        request = ModelRequest(
            request_id=new_request_id(),
            endpoint=endpoint,
            arguments=arguments,
            base_url=base_url,
            webhook_url=webhook_url,
            account=account,
            low_priority=low_priority,
        )
        with self._work:
            waiting = sum(1 for queued in self._queue if queued.endpoint == endpoint)
            if max_queue_length is not None and waiting >= max_queue_length:
                raise QueueFull(f"The queue for {endpoint} already holds {waiting} requests")
            # Only an accepted request draws an injected failure: a refused one must not use it up.
            request.injected_failure = self.faults.take_request_failure(arguments)
            self._requests[request.request_id] = request
            self._submitted += 1
            self._journal(request)
            self._enqueue(request)
            request.position_at_submit = self._queue.index(request)
            if start_timeout is not None:
                self._start_timer(start_timeout, request)
            self._ensure_runners()
            self._work.notify_all()
        return request

    def _journal(self, request: ModelRequest) -> None:
        # An append-only record of every accepted submission that outlives a restart of the
        # engine, for audits that count fal requests per job and the faults they drew (bench/chaos.py).
        if settings.ENGINE_JOURNAL:
            with open(settings.ENGINE_JOURNAL, "a") as journal:
                failure = request.injected_failure
                line = {
                    "request_id": request.request_id,
                    "webhook_url": request.webhook_url,
                    "injected_failure": failure and failure.status_code,
                }
                journal.write(json.dumps(line) + "\n")

    def get(self, request_id: str) -> ModelRequest | None:
        with self._work:
            return self._requests.get(request_id)

    def status_of(self, request: ModelRequest, base_url: str, *, with_logs: bool, count_call: bool = True) -> dict:
        """The status body fal returns for this request right now."""
        with self._work:
            if count_call:
                request.status_calls += 1
            body = {"status": request.state, "request_id": request.request_id, **request.urls(base_url)}
            body["logs"] = request.recent_logs() if with_logs else None
            body["metrics"] = {}
            if request.state == IN_QUEUE:
                # A request forgotten by reset() is in no queue; it still needs a position.
                body["queue_position"] = self._queue.index(request) if request in self._queue else 0
            elif request.state == COMPLETED:
                if request.started_at is not None:
                    body["metrics"] = {"inference_time": round(request.completed_at - request.started_at, 6)}
                if not request.outcome.succeeded:
                    body["error"] = request.outcome.error
                    body["error_type"] = request.outcome.error_type
            return body

    def submit_answer(self, request: ModelRequest, base_url: str) -> dict:
        """fal's answer to a submit: the request as it joined the queue, even if a runner has
        taken it up since (clients read the position from it; fal's is always IN_QUEUE)."""
        return {
            "status": IN_QUEUE,
            "request_id": request.request_id,
            "gateway_request_id": request.request_id,
            **request.urls(base_url),
            "logs": None,
            "metrics": {},
            "queue_position": request.position_at_submit,
        }

    def cancel(self, request: ModelRequest) -> bool:
        """Stop a queued or running request; False when it had already completed."""
        with self._work:
            if request.state == COMPLETED:
                return False
            request.cancelled = True
            request.stop.set()
            self._log(request, "Request cancelled by the client")
            self._finish(request, failure_outcome(499, CANCELLED_BODY))
            return True

    def wait_until_completed(self, request: ModelRequest, timeout: float | None = None) -> bool:
        with self._work:
            return self._work.wait_for(lambda: request.state == COMPLETED, timeout)

    # --- bookkeeping and controls ----------------------------------------------------------------

    def count_call(self, kind: str) -> None:
        with self._work:
            self._calls[kind] += 1

    def stats(self) -> dict:
        """Call counts per route kind, and what happened to each request."""
        with self._work:
            return {
                "calls": dict(self._calls),
                "submitted": self._submitted,
                "queued": len(self._queue),
                "requests": {request.request_id: request_stats(request) for request in self._requests.values()},
            }

    def reset(self) -> None:
        """Forget every request, fault and counter; running work stops and sends nothing."""
        with self._work:
            for request in self._requests.values():
                request.stop.set()
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            self._requests.clear()
            self._queue.clear()
            self._calls.clear()
            self._submitted = 0
            self._generation += 1
            self._work.notify_all()
        self.faults.reset()

    # --- runners ----------------------------------------------------------------------------------

    def _enqueue(self, request: ModelRequest) -> None:
        # Low priority waits behind every normal request, as X-Fal-Queue-Priority: low does on fal.
        position = len(self._queue)
        if not request.low_priority:
            position = next((i for i, queued in enumerate(self._queue) if queued.low_priority), position)
        self._queue.insert(position, request)

    def _ensure_runners(self) -> None:
        while len(self._runners) < settings.ENGINE_CONCURRENCY:
            index = len(self._runners)
            runner = threading.Thread(
                target=self._run_forever, args=(index,), name=f"fal-engine-runner-{index}", daemon=True
            )
            self._runners.append(runner)
            runner.start()

    def _run_forever(self, index: int) -> None:
        # A runner that died would leave every later request queued for ever, so nothing ends
        # it: not an error, and not the logging of one (see _report).
        while True:
            try:
                self._run_next(index)
            except Exception:
                _report("local engine: runner %s failed between requests", index)
                time.sleep(IDLE_RUNNER_RECHECK_SECONDS)

    def _run_next(self, index: int) -> None:
        request = self._take_next(index)
        try:
            if is_speech_endpoint(request.endpoint):
                outcome = run_speech_model(request, RequestControl(self, request))
            else:
                outcome = run_avatar_model(request, RequestControl(self, request), self.faults.processing_seconds())
        except Stopped:
            return
        except Exception:
            _report("local engine: request %s crashed", request.request_id)
            outcome = failure_outcome(500, CRASH_BODY)
        self._finish(request, outcome)

    def _take_next(self, index: int) -> ModelRequest:
        with self._work:
            while True:
                # Runners beyond a lowered ENGINE_CONCURRENCY stay idle instead of exiting.
                if index < settings.ENGINE_CONCURRENCY and self._queue:
                    ready_in = self._queue[0].submitted_at + self.faults.queue_delay_seconds() - time.time()
                    if ready_in <= 0:
                        request = self._queue.pop(0)
                        self._start(request)
                        return request
                    self._work.wait(ready_in)
                else:
                    self._work.wait(IDLE_RUNNER_RECHECK_SECONDS)

    def _start(self, request: ModelRequest) -> None:
        request.state = IN_PROGRESS
        request.started_at = time.time()
        request.logs.append(log_entry(f"Starting {request.endpoint}"))
        self._work.notify_all()

    def _log(self, request: ModelRequest, message: str) -> None:
        with self._work:
            request.logs.append(log_entry(message))

    def _finish(self, request: ModelRequest, outcome: Outcome) -> bool:
        """End the request with outcome unless it already ended (or was forgotten by a reset)."""
        with self._work:
            if request.state == COMPLETED or self._requests.get(request.request_id) is not request:
                return False
            if request in self._queue:
                self._queue.remove(request)
            request.state = COMPLETED
            request.completed_at = time.time()
            request.outcome = outcome
            self._work.notify_all()
            generation = self._generation
        if request.webhook_url:
            self._send_webhook(request, outcome, generation)
        return True

    def _start_timer(self, seconds: float, request: ModelRequest) -> None:
        self._timers = [timer for timer in self._timers if timer.is_alive()]
        timer = threading.Timer(seconds, self._expire_unstarted, args=(request,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _expire_unstarted(self, request: ModelRequest) -> None:
        """X-Fal-Request-Timeout: a request still queued when its start deadline passes ends with 504."""
        with self._work:
            if request.state != IN_QUEUE:
                return
            outcome = failure_outcome(504, START_TIMEOUT_BODY)
            # The header tells clients not to retry: the caller's own deadline passed.
            headers = {**outcome.headers, "X-Fal-Request-Timeout-Type": "user"}
            self._finish(request, dataclasses.replace(outcome, headers=headers))

    def _send_webhook(self, request: ModelRequest, outcome: Outcome, generation: int) -> None:
        def record_attempt(delivered: bool) -> None:
            with self._work:
                request.webhook_attempts += 1
                request.webhook_successes += int(delivered)

        webhooks.deliver_in_background(
            request.webhook_url,
            request.request_id,
            webhooks.webhook_body(request.request_id, outcome),
            self.faults.take_webhook_plan(),
            record_attempt,
            still_wanted=lambda: self._generation == generation,
            user_id=request.account or webhooks.LOCAL_USER_ID,
        )


def request_stats(request: ModelRequest) -> dict:
    return {
        "endpoint": request.endpoint,
        "state": request.state,
        "status_calls": request.status_calls,
        "submitted_at": request.submitted_at,
        "started_at": request.started_at,
        "completed_at": request.completed_at,
        "result_status": request.outcome.status_code if request.outcome else None,
        "error_type": request.outcome.error_type if request.outcome else None,
        "cancelled": request.cancelled,
        "webhook_url": request.webhook_url,
        "webhook_attempts": request.webhook_attempts,
        "webhook_successes": request.webhook_successes,
    }


ENGINE = Engine()
