"""The API's error shape as reusable OpenAPI components, with the common answers' examples.

api.errors makes every error `{"detail": str, "code": str, ...}`; these serializers
only describe it (nothing renders through them), and api.schema attaches the common
ones to every operation.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every API error: a one-line `detail` for people and a stable `code` for programs."""

    detail = serializers.CharField(help_text="One line saying what went wrong, for people.")
    code = serializers.CharField(
        help_text=(
            "Stable and machine-readable, e.g. `invalid`, `parse_error`, `not_authenticated`, "
            "`authentication_failed`, `permission_denied`, `not_found`, `method_not_allowed`, "
            "`not_acceptable`, `unsupported_media_type`, `rate_limited`, `request_too_large`, "
            "`length_required`, `insufficient_credits`, `too_many_active_jobs`; and per operation e.g. "
            "`not_cancellable`, `not_shareable`, `archive_not_ready`, `fal_unavailable`, `invalid_idempotency_key`, "
            "`idempotency_key_reused`, `idempotency_key_in_progress`."
        )
    )


class ValidationErrorSerializer(ErrorSerializer):
    """Bad input (400): `code` is `invalid` with every problem per field in `errors`, or
    `parse_error` (no `errors`) for a body that is not valid JSON or form data."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Messages per input field; a nested field is named by its path (`items.0.audio_url`), "
            "problems with the input as a whole by `non_field_errors`."
        ),
    )


class RateLimitedErrorSerializer(ErrorSerializer):
    """Over the rate limit (429, `rate_limited`); the `Retry-After` header says the same."""

    retry_after = serializers.IntegerField(help_text="Seconds until a request is accepted again.")


class InsufficientCreditsErrorSerializer(ErrorSerializer):
    """The balance can't cover the job's (or batch's) estimate (402, `insufficient_credits`); nothing was created."""

    balance = serializers.IntegerField(help_text="Credits available now.")
    price = serializers.IntegerField(help_text="Credits the job (or every item of the batch) would hold.")
    shortfall = serializers.IntegerField(
        required=False, help_text="Credits missing, `price - balance` (in /api/v1/ answers)."
    )


class TooManyActiveJobsErrorSerializer(ErrorSerializer):
    """The user already has the most unfinished jobs allowed (429, `too_many_active_jobs`)."""

    limit = serializers.IntegerField(help_text="Unfinished jobs one user may have.")


class JobStateErrorSerializer(ErrorSerializer):
    """The job is in a state that doesn't allow this (409)."""

    status = serializers.CharField(help_text="The job's state now.")


def error_example(name, detail, code, **extra):
    return OpenApiExample(name, value={"detail": detail, "code": code, **extra}, response_only=True)


VALIDATION_ERROR = OpenApiResponse(
    ValidationErrorSerializer,
    description="Bad input, named per field; nothing was created.",
    examples=[
        error_example(
            "Invalid input",
            'model: "ultra" is not a valid choice.',
            "invalid",
            errors={"model": ['"ultra" is not a valid choice.']},
        ),
        error_example(
            "Unreadable body", "JSON parse error - Expecting value: line 1 column 1 (char 0)", "parse_error"
        ),
    ],
)
NOT_AUTHENTICATED = OpenApiResponse(
    ErrorSerializer,
    description="No credentials, or a token that doesn't exist (or was revoked).",
    examples=[
        error_example("No credentials", "Authentication credentials were not provided.", "not_authenticated"),
        error_example("Unknown token", "Invalid token.", "authentication_failed"),
        error_example("Revoked API token", "Invalid or revoked token.", "authentication_failed"),
    ],
)
PERMISSION_DENIED = OpenApiResponse(
    ErrorSerializer,
    description="Signed in but not allowed: with session authentication, an unsafe request without the CSRF token.",
    examples=[error_example("CSRF", "CSRF Failed: CSRF token missing.", "permission_denied")],
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No such object among the caller's own (another user's id answers the same), or no such page.",
    examples=[error_example("Not found", "No Job matches the given query.", "not_found")],
)
LENGTH_REQUIRED = OpenApiResponse(
    ErrorSerializer,
    description="A body sent in chunks (no Content-Length) is not read.",
    examples=[
        error_example(
            "Chunked body",
            "Send the request body with a Content-Length header; a body sent in chunks is not read.",
            "length_required",
        )
    ],
)
REQUEST_TOO_LARGE = OpenApiResponse(
    ErrorSerializer,
    description="The body is over the size limit; refused before it is read.",
    examples=[
        error_example(
            "Too large",
            "The request is larger than 45 MB. Images may be up to 10 MB and audio up to 20 MB.",
            "request_too_large",
        )
    ],
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ErrorSerializer,
    description="The body's Content-Type is not one this operation reads.",
    examples=[
        error_example(
            "Wrong content type", 'Unsupported media type "text/plain" in request.', "unsupported_media_type"
        )
    ],
)
RATE_LIMITED = OpenApiResponse(
    RateLimitedErrorSerializer,
    description="Too many requests of this kind; try again after `retry_after` seconds.",
    examples=[
        error_example("Rate limited", "Too many requests; try again in 42 seconds.", "rate_limited", retry_after=42)
    ],
)
INSUFFICIENT_CREDITS = OpenApiResponse(
    InsufficientCreditsErrorSerializer,
    description="The balance can't cover the job; nothing was created.",
    examples=[
        error_example(
            "Insufficient credits",
            "This job costs 6900 credits and your balance is 1200 credits.",
            "insufficient_credits",
            balance=1200,
            price=6900,
        )
    ],
)
SUBMIT_REFUSED = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="SubmitTooManyRequestsError",
        serializers=[RateLimitedErrorSerializer, TooManyActiveJobsErrorSerializer],
        resource_type_field_name=None,
    ),
    description="Over the submit rate (`rate_limited`), or the user already has "
    "the most unfinished jobs allowed (`too_many_active_jobs`).",
    examples=[
        error_example("Rate limited", "Too many requests; try again in 42 seconds.", "rate_limited", retry_after=42),
        error_example(
            "Too many active jobs",
            "You already have 5 unfinished jobs, the most you can run at once. Wait for one to finish, or cancel one.",
            "too_many_active_jobs",
            limit=5,
        ),
    ],
)
