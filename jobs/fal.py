"""The only module that talks to fal (or to the local engine standing in for it).

Everything goes through the official fal-client; this module adds the key, the base URLs
and errors in our own words. The key never leaves this module: it is not logged, and
errors raised from here carry fal's message, never our headers.
"""

import asyncio
import functools
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

import fal_client
import httpx
from django.conf import settings

from .fal_connections import StatusHTTP
from .fal_routing import route_fal_client
from .signals import fal_call_finished

# fal keys are "<key id>:<secret>"; the id is a UUID, the secret hex.
FAL_KEY_PATTERN = re.compile(r"^[0-9a-fA-F-]{36}:[0-9a-fA-F]{16,}$")
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
RESULT_TIMEOUT = httpx.Timeout(120.0, connect=30.0)  # fal-client's own for queue reads

# fal-client tries a failed call up to ten times, sleeping in between (about 45 s against an
# unreachable fal), and re-sends a submit whose connection broke after it was sent, which
# can create a second, paid request. Our pipeline retries on its own schedule, in tasks,
# knowing which failures are safe to repeat; so each fal-client call makes one attempt.
# (fal-client reads this module constant on every call; the version is pinned.)
fal_client.client.MAX_ATTEMPTS = 1


class FalError(Exception):
    """A fal call failed. `retryable` says whether trying again later may succeed."""

    def __init__(self, message, *, status_code=None, error_type="", retryable=False, body=None, nothing_sent=False):
        super().__init__(message)
        self.message = str(message)
        self.status_code = status_code
        self.error_type = error_type or ""
        self.retryable = retryable
        self.body = body
        self.nothing_sent = nothing_sent

    @property
    def outcome_unknown(self) -> bool:
        """The request was sent but no answer came (a timeout, a broken connection, a
        gateway error): it may exist at fal anyway. A connection that never opened sent
        nothing, so its outcome is known: nothing happened."""
        if self.nothing_sent:
            return False
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
    return _client_for(settings.LOCAL_ENGINE_KEY if is_local_mode() else settings.FAL_KEY, base_url)


@functools.lru_cache(maxsize=4)
def _client_for(key: str, base_url: str | None) -> fal_client.SyncClient:
    # One client per key and engine keeps its HTTP connections alive between calls.
    return fal_client.SyncClient(key=key, default_timeout=60.0)


class _Call:
    """One call to fal, as the monitoring sees it: what it was and how it ended."""

    def __init__(self, operation):
        self.operation = operation
        self.outcome = "ok"
        self.started = time.monotonic()

    def finished(self):
        fal_call_finished.send(
            _Call, operation=self.operation, outcome=self.outcome, seconds=time.monotonic() - self.started
        )


@contextmanager
def _translated_errors(action: str):
    """Turn fal-client and transport failures into FalError without leaking headers."""
    call = _Call(action.split()[0])
    try:
        yield call
    except fal_client.client.FalClientHTTPError as exc:
        message = exc.message if isinstance(exc.message, str) else _detail_text(exc.message)
        body = _json_or_none(exc.response)
        raise _refusal(
            call, action, exc.status_code, message, body=body, error_type=exc.error_type or _error_type(body)
        ) from None
    except httpx.HTTPStatusError as exc:
        # fal-client lets httpx's own error through when fal refuses an upload's storage token.
        body = _json_or_none(exc.response)
        detail = body.get("detail", exc.response.text) if isinstance(body, dict) else exc.response.text
        raise _refusal(call, action, exc.response.status_code, _detail_text(detail), body=body) from None
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # No connection was made (to fal's domain or its backup): not a byte was sent.
        call.outcome = "unreachable"
        raise FalError(
            f"fal {action} failed: could not connect ({type(exc).__name__})", retryable=True, nothing_sent=True
        ) from None
    except httpx.HTTPError as exc:
        call.outcome = "transport_error"
        raise FalError(f"fal {action} failed: {type(exc).__name__}", retryable=True) from None
    except (KeyError, ValueError) as exc:
        call.outcome = "bad_answer"
        raise FalError(f"fal {action} returned an unexpected answer: {exc}", retryable=True) from None
    finally:
        call.finished()


def _refusal(call, action, status, message, *, body, error_type=""):
    """fal answered with an error status: worth trying again only when it may pass (timeouts,
    conflicts, rate limits, fal's own failures)."""
    call.outcome = f"http_{status}"
    return FalError(
        f"fal {action} failed ({status}): {message}",
        status_code=status,
        error_type=error_type or "",
        retryable=status in (408, 409, 429) or status >= 500,
        body=body,
    )


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:  # not JSON (an HTML error page), or not UTF-8
        return None


def _error_type(body) -> str:
    """fal's kind of error: the body's `error_type`, or a 422's first detail `type` (a model's
    own refusal, e.g. `face_detection_error`, `audio_duration_too_long`)."""
    if not isinstance(body, dict):
        return ""
    if body.get("error_type"):
        return str(body["error_type"])
    detail = body.get("detail")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("type") or "")
    return ""


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

    `start_timeout` makes fal drop the request if it hasn't started by then, so a request
    whose submit answer was lost cannot start after the job's deadline.
    """
    with _translated_errors("submit"):
        handle = _client().submit(endpoint_id, arguments, webhook_url=webhook_url, start_timeout=start_timeout)
    return handle.request_id


def run(endpoint_id: str, arguments: dict, *, timeout: float) -> dict:
    """Run a model in the call itself (fal.run) and return its output: only for outputs of a
    second or two that someone waits for (a voice's preview), never for a video."""
    with _translated_errors("run"):
        return _client().run(endpoint_id, arguments, timeout=timeout)


def status(endpoint_id: str, request_id: str) -> FalStatus:
    with _translated_errors("status"):
        result = _client().status(endpoint_id, request_id, with_logs=True)
    return _status_from(result)


class StatusReader:
    """Asks fal the status of many requests at once: each call mostly waits
    for fal's answer, so a worker keeps a batch of them in flight on an event loop of its own
    instead of a thread per call. Not thread-safe; `close()` when done.

    Only the HTTP is asynchronous: callers stay synchronous (the database work before and
    after the calls is plain Django)."""

    def __init__(self):
        # The loop runs in a thread of its own, so a caller whose thread already runs one (a
        # test beside Playwright's, an ASGI server's) can still ask: it only waits for results.
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="fal-status-reader")
        self.thread.start()
        self.clients = {}

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def statuses(self, requests) -> list:
        """fal's answer to each (endpoint_id, request_id): a FalStatus, or the FalError it raised."""
        if not requests:
            return []
        client = self._client()

        async def all_at_once():
            return await asyncio.gather(*(self._status(client, *request) for request in requests))

        return self._run(all_at_once())

    def close(self):
        for client in self.clients.values():
            self._run(client.close())
        self.clients = {}
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def _client(self):
        base_url = settings.FAL_ENGINE_URL if is_local_mode() else None
        route_fal_client(base_url)
        key = settings.LOCAL_ENGINE_KEY if is_local_mode() else settings.FAL_KEY
        # One client per key and engine (bound to this loop) keeps its connections alive.
        if (key, base_url) not in self.clients:
            self.clients[(key, base_url)] = _AsyncStatusClient(key)
        return self.clients[(key, base_url)]

    @staticmethod
    async def _status(client, endpoint_id, request_id):
        try:
            with _translated_errors("status"):
                return _status_from(await client.status(endpoint_id, request_id))
        except FalError as exc:
            return exc


class _AsyncStatusClient:
    """fal-client's own request handle (its URLs, errors and status answers) over a lean
    HTTP client of our own (jobs.fal_connections.StatusHTTP), not an httpx.AsyncClient: the
    status check is the worker's hottest path, and httpx's client and pool cost more CPU than
    the call itself (bench/worker_load.py). fal-client's AsyncClient, besides, sends each call
    through a second httpx client inside its transport, to try a backup domain; a failed check
    is simply tried again on the schedule. Connections stay open between batches."""

    def __init__(self, key):
        self.http = StatusHTTP(
            headers={"Authorization": f"Key {key}", "User-Agent": fal_client.client.USER_AGENT}, timeout=60.0
        )

    async def status(self, endpoint_id, request_id):
        # The handle calls only `request` on its client, which StatusHTTP provides.
        client = cast("httpx.AsyncClient", self.http)
        handle = fal_client.client.AsyncRequestHandle.from_request_id(client, endpoint_id, request_id)
        return await handle.status(with_logs=True)

    async def close(self):
        await self.http.aclose()


def _status_from(result) -> FalStatus:
    if isinstance(result, fal_client.Queued):
        return FalStatus("IN_QUEUE", queue_position=result.position)
    if isinstance(result, fal_client.InProgress):
        return FalStatus("IN_PROGRESS", logs=result.logs or [])
    # A model failure also ends COMPLETED; its error is read from the result endpoint.
    return FalStatus("COMPLETED", logs=result.logs or [])


@dataclass
class FalResult:
    output: dict
    # The last log lines, read with the final status: those that came with completion (a
    # webhook ends polling before any status answer showed them).
    logs: list


def result(endpoint_id: str, request_id: str) -> FalResult:
    """The model output of a completed request. A model failure raises FalError with its body.

    fal-client's handle.get() waits (unbounded) for completion and polls the status on the
    way, so we check the status ourselves and then read the result URL once: only that
    answer carries the model's outcome. A failed status check is fal's trouble, never the
    model's, and is retryable whatever its code.
    """
    handle = _client().get_handle(endpoint_id, request_id)
    try:
        with _translated_errors("status check"):
            final = handle.status(with_logs=True)
    except FalError as exc:
        raise FalError(exc.message, retryable=True) from None
    if not isinstance(final, fal_client.Completed):
        raise FalError("fal has not finished this request yet.", retryable=True)
    with _translated_errors("result") as call:
        response = handle.client.get(handle.response_url, timeout=RESULT_TIMEOUT)
        if not response.is_error:
            return FalResult(response.json(), final.logs or [])
        call.outcome = f"http_{response.status_code}"
    body = _json_or_none(response)
    detail = body.get("detail", response.text) if isinstance(body, dict) else response.text
    error_type = _error_type(body) or response.headers.get("x-fal-error-type", "")
    raise FalError(
        f"fal result failed ({response.status_code}): {_detail_text(detail)}",
        status_code=response.status_code,
        error_type=error_type,
        retryable=response.status_code in (408, 409, 429) or response.status_code >= 500,
        body=body,
    )


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


def upload(content, content_type: str, file_name: str) -> str:
    """Put bytes, or a Django File, in fal storage and return a URL fal models can read.

    A file is sent in chunks as it is read, never copied into memory whole.
    """
    if not isinstance(content, bytes):
        content = _FileBody(content) if content.size <= fal_client.client.MULTIPART_THRESHOLD else _whole(content)
    with _translated_errors("upload"):
        return _client().upload(content, content_type, file_name=file_name)


def _whole(file) -> bytes:
    # fal-client slices a body past its multipart threshold, so it must be bytes (our input
    # limits are far below the threshold: this is only for a configuration that raises them).
    file.seek(0)
    return file.read()


class _FileBody:
    """A Django File as the body of fal-client's upload, read in chunks.

    fal-client's upload() is typed for bytes, but it only measures them with len() and
    hands them to httpx as the request content, which takes an iterable of chunks too.
    httpx sends a Content-Length found through tell() and seek() (the local engine under
    runserver reads no chunked body), and each iteration starts from the beginning, so
    when fal-client falls back from its CDN to its other storage it sends the whole file.
    """

    CHUNK_BYTES = 1024 * 1024

    def __init__(self, file):
        self.file = file

    def __len__(self):
        return self.file.size

    def __iter__(self):
        self.file.seek(0)
        while chunk := self.file.read(self.CHUNK_BYTES):
            yield chunk

    def tell(self):
        return self.file.tell()

    def seek(self, *position):
        return self.file.seek(*position)


@contextmanager
def open_output(url: str):
    """Stream a finished output file from fal's CDN: yields an iterator of byte chunks."""
    call = _Call("download")
    try:
        with httpx.stream("GET", url, timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as response:
            response.raise_for_status()
            yield response.iter_bytes(DOWNLOAD_CHUNK_BYTES)
    except httpx.HTTPStatusError as exc:
        call.outcome = f"http_{exc.response.status_code}"
        raise FalError(
            f"Downloading the video failed ({exc.response.status_code}).",
            status_code=exc.response.status_code,
            retryable=exc.response.status_code >= 500 or exc.response.status_code == 429,
        ) from None
    except httpx.HTTPError as exc:
        call.outcome = "transport_error"
        raise FalError(f"Downloading the video failed: {type(exc).__name__}", retryable=True) from None
    except BaseException:
        call.outcome = "abandoned"  # the caller failed while reading (a full disk, say)
        raise
    finally:
        call.finished()
