"""Every API error is JSON with a one-line `detail` and a stable machine-readable `code`,
plus per-field `errors` for bad input (documented as components in api/error_docs.py)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jobs.models import Job
from jobs.services.admission import TooManyActiveJobs


def _first_message(errors):
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def _field_errors(errors, path=""):
    """{field: [messages]}, a nested serializer's fields named by their path ("items.0.audio_url")."""
    if isinstance(errors, dict):
        flat = {}
        for key, value in errors.items():
            # A nested list's or serializer's own problem ("may not be empty") is its field's.
            nested = path if key == "non_field_errors" and path else f"{path}.{key}" if path else str(key)
            flat.update(_field_errors(value, nested))
        return flat
    if isinstance(errors, list) and any(isinstance(item, (dict, list)) for item in errors):
        flat = {}
        for index, item in enumerate(errors):
            flat.update(_field_errors(item, f"{path}.{index}" if path else str(index)))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {path or "non_field_errors": [str(message) for message in messages]} if messages else {}


def _code(detail, exc):
    """The code DRF gave this error (e.g. `not_authenticated` vs `authentication_failed`);
    Django's Http404 and PermissionDenied arrive as DRF's `not_found` / `permission_denied`."""
    code = getattr(detail, "code", None)
    return code if isinstance(code, str) else getattr(exc, "default_code", "error")


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django raises this when reading a body over DATA_UPLOAD_MAX_MEMORY_SIZE; left alone
        # it becomes an HTML 400 page.
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):.0f} MB"
        detail = f"The request body is larger than {limit}. Upload big files with the upload endpoint instead."
        return Response(
            {"detail": detail, "code": "request_too_large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if isinstance(exc, Job.DoesNotExist):
        exc = exceptions.NotFound()  # deleted while the request worked on it (a cancel racing a delete)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(
            response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        )
        response.data = {"detail": _first_message(errors), "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.Throttled):
        response.data = {
            "detail": f"Too many requests; try again in {exc.wait:.0f} seconds.",
            "code": "rate_limited",
            "retry_after": int(exc.wait),
        }
    else:
        detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
        response.data = {"detail": _first_message(detail), "code": _code(detail, exc)}
    return response


def refusal(exc, *, with_shortfall=False):
    """The answer to a submit refused by the user's limit (429) or balance (402): nothing
    was created. v1 also says how many credits are missing (`shortfall`)."""
    if isinstance(exc, TooManyActiveJobs):
        body = {"detail": str(exc), "code": exc.code, "limit": exc.limit}
        return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    body = {"detail": str(exc), "code": exc.code, "balance": exc.balance, "price": exc.price}
    if with_shortfall:
        body["shortfall"] = exc.shortfall
    return Response(body, status=status.HTTP_402_PAYMENT_REQUIRED)


def why_not_cancelled(job):
    """Why cancel_job left this job alone: it had ended, or fal had made its video."""
    if job.is_finished:
        return f"The job is already {job.get_state_display().lower()}."
    return "fal has already made this video; it is being stored and can't be cancelled."


class FalStorageUnavailable(exceptions.APIException):
    """fal storage refused or failed an upload (both upload doors answer this)."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "fal_unavailable"
