"""The production server's application (config/gunicorn.py: gunicorn with uvicorn workers):
one address, two ways of serving.

Streams (the job page's events, the fal proxy's status stream) go to Django's ASGI handler:
their loops are async generators (core/event_streams.py), so an open stream costs a suspended
coroutine, not a thread. Everything else goes to the same Django app as WSGI, run on a pool
of WEB_THREADS threads per process, exactly as gunicorn's gthread workers ran it: Django
under ASGI would run each sync view on a thread of its own per request, losing the
persistent database connections a fixed pool keeps (docs/operations.md, "Serving").
"""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from config.wsgi import application as wsgi_application  # noqa: E402  (sets Django up, refuses bad settings)
from falproxy import targets  # noqa: E402

streams_application = get_asgi_application()
pages_application = WSGIMiddleware(wsgi_application, workers=settings.WEB_THREADS)


# Stream requests being opened at once in a process. Until its first event a stream uses a
# database connection on a thread of its own (authentication, its user's slot; then
# core.event_streams gives it back): 500 opened in one burst would ask PostgreSQL for 500.
_OPENING = asyncio.Semaphore(settings.WEB_THREADS)


async def application(scope, receive, send):
    if scope["type"] == "http" and is_stream_request(scope):
        return await open_stream(scope, receive, send)
    return await pages_application(scope, receive, send)  # and the lifespan messages


async def open_stream(scope, receive, send):
    opening = True
    await _OPENING.acquire()

    async def send_until_opened(message):
        nonlocal opening
        await send(message)
        if opening and message["type"] == "http.response.body":  # the first event, or a refusal
            opening = False
            _OPENING.release()

    try:
        await streams_application(scope, receive, send_until_opened)
    finally:
        if opening:
            _OPENING.release()


def is_stream_request(scope) -> bool:
    """The job page's events, or the fal proxy's GET of a status stream."""
    # Every request asks, on the event loop: most are answered no without resolving the URL
    # (a stream's path ends in /events/, or it names its fal target in a header).
    if not scope["path"].endswith("/events/") and not any(name == b"x-fal-target-url" for name, _ in scope["headers"]):
        return False
    try:
        view_name = resolve(scope["path"]).view_name
    except Resolver404:
        return False
    if view_name == "avatars:job-events":
        return True
    if view_name != "falproxy:proxy" or scope["method"] != "GET":
        return False
    target = dict(scope["headers"]).get(b"x-fal-target-url", b"").decode("latin-1")
    try:
        return targets.parse_target(target).call == targets.STREAM
    except targets.TargetRefused:
        return False
