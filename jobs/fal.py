"""The only module that talks to fal (or to the local engine standing in for it).

Everything goes through the official fal-client; this module adds the key, the base URLs
and errors in our own words. The key never leaves this module: it is not logged, and
errors raised from here carry fal's message, never our headers.
"""

import functools
import re
from contextlib import contextmanager
from dataclasses import dataclass

import fal_client
import httpx
from django.conf import settings

from .fal_routing import route_fal_client

# fal keys are "<key id>:<secret>"; the id is a UUID, the secret hex.
FAL_KEY_PATTERN = re.compile(r"^[0-9a-fA-F-]{36}:[0-9a-fA-F]{16,}$")
LOCAL_ENGINE_KEY = "local-engine:local-engine"
DOWNLOAD_CHUNK_BYTES = 1024 * 1024


class FalError(Exception):
    """A fal call failed. `retryable` says whether trying again later may succeed."""

    def __init__(self, message, *, status_code=None, error_type="", retryable=False, body=None):
        super().__init__(message)
        self.message = str(message)
        self.status_code = status_code
        self.error_type = error_type or ""
        self.retryable = retryable
        self.body = body

    @property
    def outcome_unknown(self) -> bool:
        """No answer, a timeout or a gateway error: the request may exist at fal anyway."""
        return self.status_code is None or self.status_code in (408, 502, 504)


@dataclass(frozen=True)
class FalStatus:
    state: str  # "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED"
    queue_position: int | None = None
    logs: list | None = None


def is_local_mode() -> bool:
    return settings.FAL_MODE == "local"


def storage_origin() -> str:
    """Where uploads go now: fal's own storage, or the local engine at its URL."""
    return f"local:{settings.FAL_ENGINE_URL}" if is_local_mode() else "remote:fal.ai"


def key_problem(key: str) -> str | None:
    """Why a FAL_KEY is unusable, in words that never repeat the key itself."""
    if not key:
        return "FAL_KEY is not set."
    if not FAL_KEY_PATTERN.match(key.strip()):
        return "FAL_KEY is malformed: expected '<key id>:<key secret>' as shown in fal's dashboard."
    return None


def _client() -> fal_client.SyncClient:
    # Routing is re-applied on every call: cheap, and tests or the CLI may move the engine.
    base_url = settings.FAL_ENGINE_URL if is_local_mode() else None
    route_fal_client(base_url)
    return _client_for(LOCAL_ENGINE_KEY if is_local_mode() else settings.FAL_KEY, base_url)


@functools.lru_cache(maxsize=4)
def _client_for(key: str, base_url: str | None) -> fal_client.SyncClient:
    # One client per key and engine keeps its HTTP connections alive between calls.
    return fal_client.SyncClient(key=key, default_timeout=60.0)


@contextmanager
def _translated_errors(action: str):
    """Turn fal-client and transport failures into FalError without leaking headers."""
    try:
        yield
    except fal_client.client.FalClientHTTPError as exc:
        status = exc.status_code
        retryable = status in (408, 409, 429) or status >= 500
        message = exc.message if isinstance(exc.message, str) else _detail_text(exc.message)
        raise FalError(
            f"fal {action} failed ({status}): {message}",
            status_code=status,
            error_type=exc.error_type or "",
            retryable=retryable,
            body=_json_or_none(exc.response),
        ) from None
    except httpx.HTTPError as exc:
        raise FalError(f"fal {action} failed: {type(exc).__name__}", retryable=True) from None
    except (KeyError, ValueError) as exc:
        raise FalError(f"fal {action} returned an unexpected answer: {exc}", retryable=True) from None


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:  # not JSON (an HTML error page), or not UTF-8
        return None


def _detail_text(detail) -> str:
    """fal's 422 detail is a list of {loc, msg, type}; make it one readable line."""
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail)


def error_message_from_body(body) -> str:
    """The model's error as one line, from a result or webhook error body."""
    if isinstance(body, dict) and "detail" in body:
        return _detail_text(body["detail"])
    return "" if body is None else str(body)[:500]


def submit(endpoint_id: str, arguments: dict, *, webhook_url: str | None, start_timeout: float | None = None) -> str:
    """Submit one request to fal's queue and return its request id.

    `start_timeout` makes fal drop the request if it hasn't started by then; it also stops
    fal-client from re-sending a submit whose answer timed out (which could create a
    second, paid request).
    """
    with _translated_errors("submit"):
        handle = _client().submit(endpoint_id, arguments, webhook_url=webhook_url, start_timeout=start_timeout)
    return handle.request_id


def status(endpoint_id: str, request_id: str) -> FalStatus:
    with _translated_errors("status"):
        result = _client().status(endpoint_id, request_id, with_logs=True)
    if isinstance(result, fal_client.Queued):
        return FalStatus("IN_QUEUE", queue_position=result.position)
    if isinstance(result, fal_client.InProgress):
        return FalStatus("IN_PROGRESS", logs=result.logs or [])
    # A model failure also ends COMPLETED; its error is read from the result endpoint.
    return FalStatus("COMPLETED", logs=result.logs or [])


def result(endpoint_id: str, request_id: str) -> dict:
    """The model output of a completed request. A model failure raises FalError with its body.

    fal-client's handle.get() waits (unbounded) for completion, so we check the status
    first: a request that is not finished raises a retryable FalError instead of blocking.
    """
    with _translated_errors("result"):
        handle = _client().get_handle(endpoint_id, request_id)
        if not isinstance(handle.status(), fal_client.Completed):
            raise FalError("fal has not finished this request yet.", retryable=True)
        return handle.get()


def cancel(endpoint_id: str, request_id: str) -> bool:
    """Ask fal to cancel; False when fal says the request already finished."""
    try:
        with _translated_errors("cancel"):
            _client().cancel(endpoint_id, request_id)
    except FalError as exc:
        if exc.status_code == 400:
            return False
        raise
    return True


def upload(data: bytes, content_type: str, file_name: str) -> str:
    """Put bytes in fal storage and return a URL fal models can read."""
    with _translated_errors("upload"):
        return _client().upload(data, content_type, file_name=file_name)


@contextmanager
def open_output(url: str):
    """Stream a finished output file from fal's CDN: yields an iterator of byte chunks."""
    try:
        with httpx.stream("GET", url, timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as response:
            response.raise_for_status()
            yield response.iter_bytes(DOWNLOAD_CHUNK_BYTES)
    except httpx.HTTPStatusError as exc:
        raise FalError(
            f"Downloading the video failed ({exc.response.status_code}).",
            status_code=exc.response.status_code,
            retryable=exc.response.status_code >= 500 or exc.response.status_code == 429,
        ) from None
    except httpx.HTTPError as exc:
        raise FalError(f"Downloading the video failed: {type(exc).__name__}", retryable=True) from None
