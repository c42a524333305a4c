"""Every response carries an `X-Request-ID`, and every log line written while answering it
names the same id, so a user's report ("request 3f2a… failed") leads to its log lines.

A well-formed id sent by a proxy or the client is kept (a trace can span services);
anything else is replaced, so a log line never carries what an attacker typed.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")

current_request_id = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request.id = offered if WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex
        current_request_id.set(request.id)
        response = self.get_response(request)
        response[HEADER] = request.id
        # Cleared when the response is closed, not here: Django logs a 4xx/5xx answer after
        # the middleware has returned, and that line must carry the id too.
        response._resource_closers.append(lambda: current_request_id.set("-"))
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record a `request_id` ("-" outside a request) for the formatter."""

    def filter(self, record):
        record.request_id = current_request_id.get()
        return True
