"""Faults the engine injects on request, so tests and benchmarks can rehearse fal's bad days.

Every control here is also reachable over HTTP (see control_views); `reset()` puts the
engine back to behaving like a healthy fal.
"""

import re
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings

from .records import Outcome, failure_outcome

# fal's documented delivery contract: the first attempt, then up to 10 retries spread over
# about 2 hours. Doubling from 7 s: 7 + 14 + ... + 3584 = 7161 s. The delays are multiplied
# by settings.ENGINE_WEBHOOK_RETRY_SCALE when a delivery runs, so tests can compress them.
FAL_WEBHOOK_RETRIES = {"attempts": 11, "base_delay": 7.0, "max_delay": 3600.0}

ROUTE_KINDS = ("submit", "status", "stream", "result", "cancel", "upload", "file", "jwks")
ANY_ROUTE = "any"

# A prompt containing "[[fail]]" (or "[[fail:500]]") fails, so a browser test can ask for a
# failure through the product's own form.
FAIL_MARKER = re.compile(r"\[\[fail(?::(\d{3}))?\]\]")

NGINX_BODY = (
    "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center>"
    "<hr><center>nginx</center></body></html>"
)


@dataclass
class CallFault:
    """Answer `status` with `body` to the next `remaining` calls of a route kind."""

    kind: str
    status: int
    remaining: int
    body: Any
    # fal-client retries a 502/503/504 only when it looks like an ingress error: an HTML body
    # mentioning nginx and no x-fal-request-id header.
    nginx: bool = False


@dataclass
class CallHold:
    """Keep the next `remaining` calls of a route kind (whose path contains `path_contains`)
    waiting, up to `seconds` each or until released: a test can then act on the caller while
    it is provably inside that call (kill the worker downloading a video, say)."""

    kind: str
    seconds: float
    remaining: int
    path_contains: str = ""


@dataclass(frozen=True)
class WebhookPlan:
    """How to deliver one webhook: dropped, or sent `copies` times, each with bounded retries."""

    dropped: bool
    copies: int
    delay_seconds: float
    attempts: int
    base_delay: float
    max_delay: float


def default_model_error(status: int) -> Any:
    if status >= 500:
        return {"detail": "Internal server error", "error_type": "runner_server_error"}
    return {
        "detail": [
            {
                "loc": ["body", "image_url"],
                "msg": "Could not detect a face in the image",
                "type": "face_detection_error",
                "url": "https://docs.fal.ai/errors/#face_detection_error",
            }
        ]
    }


def default_call_fault_body(status: int) -> Any:
    if status == 429:
        return {"detail": "Too many requests", "error_type": "rate_limited"}
    return {"detail": f"Injected HTTP {status} from the local engine"}


class Faults:
    """Thread-safe fault switches; counters count down as faults are consumed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._releases = 0  # bumped by each release: every call held before it goes on
        self._held_calls: list[dict] = []
        self.reset()

    def reset(self) -> None:
        self.release_held_calls()
        with self._lock:
            self._failing_requests: list[Outcome] = []
            self._processing_seconds: float | None = None
            self._queue_delay_seconds = 0.0
            self._dropped_webhooks = 0
            self._duplicated_webhooks = 0
            self._webhook_copies = 2
            self._webhook_delay_seconds = 0.0
            self._webhook_retry = dict(FAL_WEBHOOK_RETRIES)
            self._call_faults: list[CallFault] = []
            self._call_holds: list[CallHold] = []

    # --- model failures -------------------------------------------------------------------

    def fail_next_requests(self, count: int = 1, status: int = 422, body: Any = None) -> None:
        """The next `count` submitted requests end as model failures replaying status and body."""
        outcome = failure_outcome(status, body if body is not None else default_model_error(status))
        with self._lock:
            self._failing_requests.extend([outcome] * count)

    def take_request_failure(self, arguments: Any) -> Outcome | None:
        """The failure a just-submitted request is destined for, if any (marker or counter)."""
        prompt = arguments.get("prompt") if isinstance(arguments, dict) else None
        marker = FAIL_MARKER.search(prompt) if isinstance(prompt, str) else None
        if marker:
            status = int(marker.group(1) or 422)
            return failure_outcome(status, default_model_error(status))
        with self._lock:
            return self._failing_requests.pop(0) if self._failing_requests else None

    # --- timing ----------------------------------------------------------------------------

    def set_timing(self, processing_seconds: float | None = None, queue_delay_seconds: float | None = None) -> None:
        """Override how long a run lasts (default settings.ENGINE_PROCESSING_SECONDS) and add a
        minimum wait in the queue before a request may start."""
        with self._lock:
            if processing_seconds is not None:
                self._processing_seconds = float(processing_seconds)
            if queue_delay_seconds is not None:
                self._queue_delay_seconds = float(queue_delay_seconds)

    def processing_seconds(self) -> float:
        with self._lock:
            override = self._processing_seconds
        return settings.ENGINE_PROCESSING_SECONDS if override is None else override

    def queue_delay_seconds(self) -> float:
        with self._lock:
            return self._queue_delay_seconds

    # --- webhooks ----------------------------------------------------------------------------

    def drop_next_webhooks(self, count: int = 1) -> None:
        with self._lock:
            self._dropped_webhooks += count

    def duplicate_next_webhooks(self, count: int = 1, times: int = 2) -> None:
        """Deliver each of the next `count` webhooks `times` times over."""
        with self._lock:
            self._duplicated_webhooks += count
            self._webhook_copies = max(1, times)

    def delay_webhooks(self, seconds: float) -> None:
        """Wait `seconds` before the first attempt of every later delivery (0 turns it off)."""
        with self._lock:
            self._webhook_delay_seconds = float(seconds)

    def set_webhook_retries(
        self,
        attempts: int = FAL_WEBHOOK_RETRIES["attempts"],
        base_delay: float = FAL_WEBHOOK_RETRIES["base_delay"],
        max_delay: float = FAL_WEBHOOK_RETRIES["max_delay"],
    ) -> None:
        """Attempts per delivery, and the doubling backoff between them (capped at max_delay)."""
        with self._lock:
            self._webhook_retry = {"attempts": max(1, attempts), "base_delay": base_delay, "max_delay": max_delay}

    def take_webhook_plan(self) -> WebhookPlan:
        with self._lock:
            dropped = self._dropped_webhooks > 0
            copies = 1
            if dropped:
                self._dropped_webhooks -= 1
            elif self._duplicated_webhooks > 0:
                self._duplicated_webhooks -= 1
                copies = self._webhook_copies
            return WebhookPlan(dropped, copies, self._webhook_delay_seconds, **self._webhook_retry)

    # --- HTTP-level faults -------------------------------------------------------------------

    def fail_next_calls(self, kind: str, status: int, count: int = 1, body: Any = None, nginx: bool = False) -> None:
        """Answer `status` to the next `count` calls of a route kind ("any" matches them all)."""
        if kind not in ROUTE_KINDS and kind != ANY_ROUTE:
            raise ValueError(f"unknown route kind {kind!r}; expected one of {ROUTE_KINDS + (ANY_ROUTE,)}")
        fault_body = body
        if fault_body is None:
            fault_body = NGINX_BODY.format(status=status) if nginx else default_call_fault_body(status)
        with self._lock:
            self._call_faults.append(CallFault(kind, int(status), int(count), fault_body, nginx))

    def take_call_fault(self, kind: str) -> CallFault | None:
        with self._lock:
            for fault in self._call_faults:
                if fault.kind in (kind, ANY_ROUTE) and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
            return None

    def hold_next_calls(self, kind: str, seconds: float, count: int = 1, path_contains: str = "") -> None:
        """Keep the next `count` calls of a route kind waiting before they are answered, each
        until release_held_calls() or for `seconds` at most; describe() lists those waiting."""
        if kind not in ROUTE_KINDS and kind != ANY_ROUTE:
            raise ValueError(f"unknown route kind {kind!r}; expected one of {ROUTE_KINDS + (ANY_ROUTE,)}")
        with self._lock:
            self._call_holds.append(CallHold(kind, float(seconds), int(count), path_contains))

    def hold_if_due(self, kind: str, path: str) -> None:
        """Wait here if a hold is pending for this call (the route then answers as usual)."""
        with self._lock:
            hold = next(
                (
                    hold
                    for hold in self._call_holds
                    if hold.kind in (kind, ANY_ROUTE) and hold.remaining > 0 and hold.path_contains in path
                ),
                None,
            )
            if hold is None:
                return
            hold.remaining -= 1
            call = {"kind": kind, "path": path, "held_since": time.time()}
            self._held_calls.append(call)
            releases = self._releases
            self._released.wait_for(lambda: self._releases != releases, timeout=hold.seconds)
            self._held_calls.remove(call)

    def release_held_calls(self) -> None:
        with self._lock:
            self._releases += 1
            self._released.notify_all()

    # --- the HTTP control's JSON form ----------------------------------------------------------

    def apply(self, spec: dict) -> None:
        """Apply a JSON fault spec (the body of POST _control/faults); unknown keys raise ValueError."""
        unknown = set(spec) - set(SPEC_KEYS)
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}; expected some of {sorted(SPEC_KEYS)}")
        for key, value in spec.items():
            SPEC_KEYS[key](self, value)

    def describe(self) -> dict:
        with self._lock:
            return {
                "failing_requests": [
                    {"status": outcome.status_code, "body": outcome.body} for outcome in self._failing_requests
                ],
                "processing_seconds": self._processing_seconds,
                "queue_delay_seconds": self._queue_delay_seconds,
                "dropped_webhooks": self._dropped_webhooks,
                "duplicated_webhooks": self._duplicated_webhooks,
                "webhook_copies": self._webhook_copies,
                "webhook_delay_seconds": self._webhook_delay_seconds,
                "webhook_retry": dict(self._webhook_retry),
                "failing_calls": [asdict(fault) for fault in self._call_faults if fault.remaining > 0],
                "call_holds": [asdict(hold) for hold in self._call_holds if hold.remaining > 0],
                "held_calls": [dict(call) for call in self._held_calls],
            }


def keyword_or_value(method, value_name: str):
    """Spec values may be a bare number or an object of the method's keyword arguments."""

    def apply(faults: Faults, value: Any) -> None:
        if isinstance(value, dict):
            method(faults, **value)
        else:
            method(faults, **{value_name: value})

    return apply


def apply_each(method):
    def apply(faults: Faults, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            method(faults, **item)

    return apply


SPEC_KEYS = {
    "fail_next_requests": keyword_or_value(Faults.fail_next_requests, "count"),
    "processing_seconds": lambda faults, value: faults.set_timing(processing_seconds=value),
    "queue_delay_seconds": lambda faults, value: faults.set_timing(queue_delay_seconds=value),
    "drop_next_webhooks": keyword_or_value(Faults.drop_next_webhooks, "count"),
    "duplicate_next_webhooks": keyword_or_value(Faults.duplicate_next_webhooks, "count"),
    "webhook_delay_seconds": keyword_or_value(Faults.delay_webhooks, "seconds"),
    "webhook_retries": keyword_or_value(Faults.set_webhook_retries, "attempts"),
    "fail_next_calls": apply_each(Faults.fail_next_calls),
    "hold_next_calls": apply_each(Faults.hold_next_calls),
    "release_held_calls": lambda faults, value: faults.release_held_calls() if value else None,
}
