"""Long-lived responses (server-sent events) that hold no server thread while they wait.

A stream's loop is one async generator. Under ASGI (scripts/serve hands stream requests to
Django's ASGI handler, see config/asgi.py) it runs on the process's event loop: waiting
costs a suspended coroutine, and each look at the database is a short call on a small pool of
threads shared by every stream of the process (`read`). Under WSGI (runserver, the test
servers, the test client) the request's thread drives the same generator one step at a time
on a helper event loop and runs its reads itself, on its own database connection; it is held
for the stream's life, as any WSGI response holds it.

Why not Django's defaults: a sync iterator under ASGI is read to its end before anything is
sent, an async one under WSGI likewise; and Django's async ORM runs each request's queries on
a thread of that request's own, so 500 open streams would be 500 threads and 500 database
connections (PostgreSQL allows 100).
"""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from functools import partial

from asgiref.current_thread_executor import CurrentThreadExecutor
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import close_old_connections, connections
from django.http import StreamingHttpResponse

# Each thread keeps one database connection: this bounds what a process's streams hold,
# however many are open. Their reads are short (a row, a template), so few threads keep up.
READ_THREADS = 4
_READS = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="stream-reads")

# Under WSGI, the request thread that drives the current step (and runs its reads).
_REQUEST_THREAD: ContextVar[CurrentThreadExecutor | None] = ContextVar("request_thread", default=None)


async def read(function, *args):
    """function(*args) where a stream may touch the database: the shared pool under ASGI, the
    request's own thread under WSGI."""
    request_thread = _REQUEST_THREAD.get()
    if request_thread is not None:
        return await asyncio.get_running_loop().run_in_executor(request_thread, partial(function, *args))
    return await sync_to_async(_on_checked_connection, thread_sensitive=False, executor=_READS)(function, *args)


async def read_shared(key, max_age: float, function, *args):
    """read(function, *args), shared by this process's streams that ask with the same `key`
    within `max_age` seconds of each other (many streams following one job make one read per
    tick, not one each). Under WSGI each stream reads for itself, in its own thread."""
    if _REQUEST_THREAD.get() is not None:
        return await read(function, *args)
    loop = asyncio.get_running_loop()
    shared = _SHARED_READS.get(key)
    if shared is None:
        shared = _SHARED_READS[key] = asyncio.ensure_future(read(function, *args))
        loop.call_later(max_age, _forget, key, shared)
    # Shielded: a stream cancelled while waiting (its client left) must not cancel the others' read.
    return await asyncio.shield(shared)


# Under ASGI only, so touched only by the event loop's thread: {key: the read in flight or just made}.
_SHARED_READS: dict = {}


def _forget(key, shared):
    if _SHARED_READS.get(key) is shared:
        del _SHARED_READS[key]


def _on_checked_connection(function, *args):
    # What Django does around each request, done around each read: a pooled thread's
    # connection past CONN_MAX_AGE or broken (a database restart) is replaced, not reused.
    close_old_connections()
    return function(*args)


def holds_a_thread(request) -> bool:
    """Whether a stream answering this request holds a server thread while it is open: under
    WSGI it does; under ASGI (Django's ASGIRequest carries its ASGI scope; a DRF Request
    passes the attribute through) it does not."""
    return getattr(request, "scope", None) is None


def event_stream_response(request, stream) -> StreamingHttpResponse:
    """`stream` (async-iterable; close() ends it and frees what it holds) as a text/event-stream
    response for the server this request came through."""
    body = _Stepped(stream) if holds_a_thread(request) else _Released(stream)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold events back in its buffer
    return response


def close_generator(events):
    """End an async generator from sync code (a server closing the response): its `finally`
    runs now, not whenever it is garbage-collected."""
    if events.ag_frame is not None and not events.ag_running:
        _from_this_thread(events.aclose())


class _Released:
    """Under ASGI: first gives back the database connection the request's middleware and view
    opened on the request's own thread (it would stay open, idle, as long as the stream), then
    the events. The server calls close() when the stream ends or the client left (a cancelled
    generator's `finally` may not get to run the cleanup)."""

    def __init__(self, stream):
        self._stream = stream

    async def __aiter__(self):
        await sync_to_async(connections.close_all)()  # thread-sensitive: the request's thread
        _end_request_thread()
        async for event in self._stream:
            yield event

    def close(self):
        self._stream.close()
        connections.close_all()  # what close() opened on the request's thread (the slot's cache row)


def _end_request_thread():
    """Let the request's own thread end now rather than idle until the stream closes. Django
    runs a request's sync middleware and view on a thread of that request's own (asgiref's
    executor for the request's ThreadSensitiveContext), kept until the request ends; a later
    thread-sensitive call of the request (Django closing the response) gets a new one."""
    context = SyncToAsync.thread_sensitive_context.get(None)
    executor = SyncToAsync.context_to_thread_executor.pop(context, None) if context else None
    if executor is not None:
        executor.shutdown(wait=False)


class _Stepped:
    """Under WSGI: the async events, one step at a time, from the request's thread."""

    def __init__(self, stream):
        self._stream = stream
        self._events = aiter(stream)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return _from_this_thread(anext(self._events))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self):
        self._stream.close()


# One event loop per process for the streams WSGI threads drive, started when first needed.
# It must outlive each step: a loop that stops closes the async generators it has run.
_STEPS_LOOP = None
_STEPS_LOOP_LOCK = threading.Lock()


def _steps_loop():
    global _STEPS_LOOP
    with _STEPS_LOOP_LOCK:
        if _STEPS_LOOP is None:
            _STEPS_LOOP = asyncio.new_event_loop()
            threading.Thread(target=_STEPS_LOOP.run_forever, name="stream-steps", daemon=True).start()
        return _STEPS_LOOP


def _from_this_thread(awaitable):
    """Await `awaitable` on the steps loop while this thread runs the reads it asks for."""
    request_thread = CurrentThreadExecutor(None)

    async def step():
        _REQUEST_THREAD.set(request_thread)
        return await awaitable

    future = asyncio.run_coroutine_threadsafe(step(), _steps_loop())
    request_thread.run_until_future(future)
    return future.result()
