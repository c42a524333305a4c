"""What a log line is about, beside the HTTP request (core.request_ids): the job and its
fal request. Code handling one job wraps the work in `about_job(...)`, and every line
logged inside it, by our code or a library's, names the job; a line can also name them
itself with `extra={"job_id": ..., "fal_request_id": ...}`, which wins.
"""

import contextvars
from contextlib import contextmanager

from .request_ids import RequestIdFilter

current_job_id = contextvars.ContextVar("log_job_id", default="")
current_fal_request_id = contextvars.ContextVar("log_fal_request_id", default="")


@contextmanager
def about_job(job_id, fal_request_id=""):
    job_token = current_job_id.set(str(job_id))
    request_token = current_fal_request_id.set(fal_request_id or "")
    try:
        yield
    finally:
        current_fal_request_id.reset(request_token)
        current_job_id.reset(job_token)


class LogContextFilter(RequestIdFilter):
    """Gives every record `request_id` ("-" outside a request), `job_id` and
    `fal_request_id` ("" when the line is about no job)."""

    def filter(self, record):
        super().filter(record)
        if not getattr(record, "job_id", ""):
            record.job_id = current_job_id.get()
        if not getattr(record, "fal_request_id", ""):
            record.fal_request_id = current_fal_request_id.get()
        return True
