"""What the engine remembers about one queued model request, and how it ended."""

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

IN_QUEUE = "IN_QUEUE"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"

# Real fal's status endpoint returns only a recent window of log lines, not the whole
# history; clients that want everything must keep what they have seen.
LOG_WINDOW = 20


@dataclass(frozen=True)
class Outcome:
    """How a request ended: the status and body its result URL replays, plus the status fields."""

    status_code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status_code < 300


@dataclass
class ModelRequest:
    """One submitted request. The engine's lock guards every mutable field."""

    request_id: str
    endpoint: str
    arguments: Any
    base_url: str
    webhook_url: str | None = None
    # The fal user id of the key that submitted it: only that key may see the request, and
    # its webhook is signed for that user, as on fal.
    account: str = ""
    low_priority: bool = False
    injected_failure: Outcome | None = None
    state: str = IN_QUEUE
    position_at_submit: int = 0  # fal's submit answer: where it joined the queue
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    completed_at: float | None = None
    outcome: Outcome | None = None
    cancelled: bool = False
    status_calls: int = 0
    webhook_attempts: int = 0
    webhook_successes: int = 0
    logs: list[dict] = field(default_factory=list)
    # Set when the request must stop early: cancelled, or dropped by a reset.
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def owner_alias(self) -> str:
        return "/".join(self.endpoint.split("/")[:2])

    def urls(self, base_url: str | None = None) -> dict[str, str]:
        """The three URLs clients follow; they point at the engine the caller reached."""
        response_url = f"{base_url or self.base_url}/queue/{self.owner_alias}/requests/{self.request_id}"
        return {
            "response_url": response_url,
            "status_url": f"{response_url}/status",
            "cancel_url": f"{response_url}/cancel",
        }

    def recent_logs(self) -> list[dict]:
        return [dict(entry) for entry in self.logs[-LOG_WINDOW:]]


def new_request_id() -> str:
    """A UUIDv7-style id (millisecond time first), like the ids real fal hands out now."""
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def log_entry(message: str, level: str = "INFO") -> dict:
    """A log line in the shape fal's status endpoint uses (plus level and source for JS types)."""
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {"timestamp": timestamp, "message": message, "labels": {}, "level": level, "source": "USER"}


def failure_outcome(status_code: int, body: Any) -> Outcome:
    """A model or infrastructure failure, with the status fields fal derives from its body.

    Validation errors carry a list of {loc, msg, type}; infrastructure errors a flat
    {"detail", "error_type"} that fal repeats in the X-Fal-Error-Type header.
    """
    detail = body.get("detail") if isinstance(body, dict) else None
    error_type = body.get("error_type") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        error = str(detail[0].get("msg", "Model error"))
        error_type = error_type or detail[0].get("type")
    else:
        error = str(detail) if detail else f"Invalid status code: {status_code}"
    headers = {"X-Fal-Error-Type": error_type} if isinstance(body, dict) and body.get("error_type") else {}
    return Outcome(status_code, body, headers, error=error, error_type=error_type or "runner_server_error")
