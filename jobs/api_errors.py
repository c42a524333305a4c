"""Every API error is JSON with a one-line `detail`, plus per-field `errors` for bad input."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _first_message(errors):
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django raises this when reading a body over DATA_UPLOAD_MAX_MEMORY_SIZE; left alone
        # it becomes an HTML 400 page.
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):.0f} MB"
        detail = f"The request body is larger than {limit}. Upload big files with the upload endpoint instead."
        return Response({"detail": detail, "code": "request_too_large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _first_message(errors), "errors": errors}
    elif isinstance(exc, exceptions.Throttled):
        response.data = {"detail": f"Too many requests; try again in {exc.wait:.0f} seconds.", "code": "rate_limited", "retry_after": int(exc.wait)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
