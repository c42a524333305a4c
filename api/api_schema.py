"""The OpenAPI description of the v1 API (api/views.py): how its tokens authenticate, the
request shapes per content type, Idempotency-Key, the answers with their examples (whose
objects are in api_examples.py) and the errors each operation adds to the common ones
(api.schema.ApiSchema).

Nothing here validates or renders; tests/api/test_openapi.py holds the two together, and
tests/api/test_schema.py checks every example against its schema.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from api import error_docs as errors
from api.error_docs import ErrorSerializer, InsufficientCreditsErrorSerializer, JobStateErrorSerializer, error_example
from api.seed import schema as seed
from jobs.inputs import ScriptFields
from jobs.models import JobState
from jobs.registry import MODEL_NAMES, MODEL_NAMES_HELP
from outbox.serializers import DeliverySerializer, WebhookEndpointCreatedSerializer, WebhookEndpointSerializer

from . import api_examples as ex
from .idempotency import MAX_KEY_LENGTH
from .serializers import (
    TITLE_HELP,
    AccountSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    FileSerializer,
    JobSerializer,
    NewTokenSerializer,
    ShareLinkSerializer,
    TokenSerializer,
)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """api.authentication.ApiTokenAuthentication: a named `avs_…` token as a bearer token."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "avs_…",
            "description": (
                "A named API token from `POST /api/v1/tokens` or the site's API page: "
                "`Authorization: Bearer avs_…` (`Token avs_…` works too)."
            ),
        }


# Requests --------------------------------------------------------------------------------

WEBHOOK_URL_HELP = (
    "Also send this job's events here, signed with your account's "
    "signing secret (`GET /api/v1/webhook-endpoints/signing-secret`)."
)


class JobUrlsSerializer(ScriptFields, seed.SubmitUrlsSerializer):
    """A job from two references (JSON or a urlencoded form), or a portrait and a script."""

    audio_url = serializers.CharField(
        required=False, help_text=f"The speech (MP3, WAV, M4A, OGG or AAC); or give `script`. {seed.INPUT_HELP}"
    )

    title = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=TITLE_HELP)
    webhook_url = serializers.URLField(required=False, max_length=2000, help_text=WEBHOOK_URL_HELP)


class JobFilesSerializer(ScriptFields, seed.SubmitFilesSerializer):
    """A job from uploaded files (multipart); each input may be a reference instead of a file."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=TITLE_HELP)
    webhook_url = serializers.URLField(required=False, max_length=2000, help_text=WEBHOOK_URL_HELP)


# The cancel actions read nothing from the body (the id is in the path).
NO_BODY = {"application/json": {"type": "object", "description": "Nothing is read from the body: send none, or `{}`."}}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        f"Make retrying safe: 1 to {MAX_KEY_LENGTH} printable characters, yours for `IDEMPOTENCY_KEY_HOURS` (24). "
        "A retry with the same key and body gets the first answer again (`Idempotent-Replayed: true`) "
        "instead of a second object; the same key with another body is refused (422). A refused "
        "request (bad input, balance, limits) keeps nothing, so its corrected retry may use the same key. "
        "A secret is never kept: a replayed token or webhook endpoint creation answers without its `secret`."
    ),
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=[201],
    enum=["true"],
    description="`true` when this is the first answer to an earlier request with the same Idempotency-Key, replayed.",
)
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201], description="The new object's `url`."
)


def example(name, value, **kwargs):
    return OpenApiExample(name, value=value, response_only=True, **kwargs)


# Answers ---------------------------------------------------------------------------------
# (A list's example is one object: drf-spectacular puts it on a page.)

JOB = OpenApiResponse(
    JobSerializer, examples=[example("Waiting", ex.PENDING_JOB), example("Completed", ex.COMPLETED_JOB)]
)
JOB_CREATED = OpenApiResponse(
    JobSerializer,
    description="The job exists and holds its credits; the worker submits it to fal within a moment.",
    examples=[example("Pending", ex.PENDING_JOB)],
)
JOB_PAGE = OpenApiResponse(
    JobSerializer(many=True),
    examples=[example("A completed job", ex.COMPLETED_JOB), example("A waiting job", ex.PENDING_JOB)],
)
JOB_CANCELLED = OpenApiResponse(
    JobSerializer,
    description="Cancelled; its held credits are back in the balance.",
    examples=[example("Cancelled", ex.CANCELLED_JOB)],
)
SHARE_LINK_MADE = OpenApiResponse(
    ShareLinkSerializer, description="The link is made.", examples=[example("Shared", ex.SHARE_LINK)]
)
SHARE_LINK_KEPT = OpenApiResponse(
    ShareLinkSerializer,
    description="The video was shared already: same link, with this expiry.",
    examples=[example("Kept", ex.SHARE_LINK)],
)
JOB_NOT_SHAREABLE = OpenApiResponse(
    JobStateErrorSerializer,
    description="Only a completed job's video can be shared.",
    examples=[
        error_example("Not finished", "Only a finished video can be shared.", "not_shareable", status="in_progress")
    ],
)
JOB_NOT_CANCELLABLE = OpenApiResponse(
    JobStateErrorSerializer,
    description="The job has ended, or fal has already made its video and it is being stored.",
    examples=[
        error_example("Finished", "The job is already completed.", "not_cancellable", status="completed"),
        error_example(
            "Being stored",
            "fal has already made this video; it is being stored and can't be cancelled.",
            "not_cancellable",
            status="in_progress",
        ),
    ],
)
FILE_ANSWER = OpenApiResponse(FileSerializer, examples=[example("Audio", ex.FILE)])
FILE_CREATED = OpenApiResponse(
    FileSerializer,
    description="The file is checked and in fal storage; pass `file_url` as a job's image_url or audio_url.",
    examples=[example("Audio", ex.FILE)],
)
FILE_PAGE = OpenApiResponse(FileSerializer(many=True), examples=[example("A page", ex.FILE)])
FAL_UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description="fal storage refused the file or didn't answer; nothing was kept. Try again.",
    examples=[
        error_example("fal storage down", "Uploading to fal storage failed: Service Unavailable", "fal_unavailable")
    ],
)
BATCH_PAGE = OpenApiResponse(
    BatchSerializer(many=True),
    examples=[example("A running batch", ex.RUNNING_BATCH), example("A finished batch", ex.FINISHED_BATCH)],
)
BATCH = OpenApiResponse(
    BatchDetailSerializer,
    examples=[
        example("Running", ex.RUNNING_BATCH | {"items": ex.batch_items("completed", "in_progress", "pending")}),
        example("Finished", ex.FINISHED_BATCH | {"items": ex.batch_items("completed", "failed", "completed")}),
    ],
)
BATCH_CREATED = OpenApiResponse(
    BatchDetailSerializer,
    description="Every item is a job holding its credits.",
    examples=[
        example(
            "Pending",
            ex.RUNNING_BATCH
            | {
                "status": "pending",
                "totals": ex.TOTALS | {"queued": 3, "running": 0, "completed": 0, "credits_charged": 0},
                "items": ex.batch_items("pending", "pending", "pending"),
            },
        )
    ],
)
BATCH_CANCELLED = OpenApiResponse(
    BatchDetailSerializer,
    description="Every unfinished item is cancelled (its credits come back); items that had ended are as they were.",
    examples=[
        example(
            "Cancelled",
            ex.FINISHED_BATCH
            | {
                "status": "partially_completed",
                "totals": ex.TOTALS | {"queued": 0, "running": 0, "cancelled": 2, "credits_held": 4278},
                "archive_url": f"{ex.API}/batches/{ex.BATCH_ID}/archive",
                "items": ex.batch_items("completed", "cancelled", "cancelled"),
            },
        )
    ],
)
ARCHIVE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description=(
        "A zip of the videos of the items that made one, streamed as it is read from storage: stored "
        "uncompressed (MP4 is already), one member per video named by its item's place and its title, "
        "`001-welcome.mp4` (a slug of the title: letters, digits and hyphens, the audio extension dropped); "
        '`Content-Disposition: attachment; filename="batch-<id>.zip"`.'
    ),
    examples=[
        # A zip can't be written in a JSON document: the example is a file, made by
        # batches.archive from ex.FINISHED_BATCH's items (tests/api/test_schema.py checks it).
        OpenApiExample(
            "Two videos",
            summary="The finished batch above: its first and third items made a video",
            external_value=f"{settings.STATIC_URL}api/examples/batch-archive.zip",
            response_only=True,
            media_type="application/zip",
        )
    ],
)
ARCHIVE_NOT_READY = OpenApiResponse(
    ErrorSerializer,
    description="The batch has not finished, or none of its items made a video.",
    examples=[
        error_example("Not finished", "The batch has not finished yet.", "archive_not_ready"),
        error_example("No videos", "No item of this batch made a video.", "archive_not_ready"),
    ],
)
TOKEN_ANSWER = OpenApiResponse(TokenSerializer, examples=[example("A token", ex.TOKEN)])
TOKEN_PAGE = OpenApiResponse(TokenSerializer(many=True), examples=[example("A page", ex.TOKEN)])
TOKEN_CREATED = OpenApiResponse(
    NewTokenSerializer,
    description="The token, with its `secret`: this is the only answer that ever shows "
    "it (a replay with the same Idempotency-Key answers without it).",
    examples=[
        example(
            "New token",
            ex.TOKEN
            | {
                "last_used_at": None,
                "prefix": "avs_Qm3xTp",
                "secret": "avs_Qm3xTpW8vN2kLr5sYc9fHd1gJb7eXu4aZo6iMq0tRw3",
            },
        )
    ],
)
ACCOUNT = OpenApiResponse(
    AccountSerializer,
    examples=[
        example(
            "Me",
            {
                "id": 3,
                "username": "alice",
                "email": "alice@example.com",
                "balance": 18620,
                "limits": {
                    "max_active_jobs": 5,
                    "max_batch_size": 100,
                    "max_audio_seconds": 60.0,
                    "max_image_bytes": 10485760,
                    "max_audio_bytes": 20971520,
                },
            },
        )
    ],
)
WEBHOOK_ENDPOINT_ANSWER = OpenApiResponse(
    WebhookEndpointSerializer, examples=[example("An endpoint", ex.WEBHOOK_ENDPOINT)]
)
WEBHOOK_ENDPOINT_PAGE = OpenApiResponse(
    WebhookEndpointSerializer(many=True), examples=[example("A page", ex.WEBHOOK_ENDPOINT)]
)
WEBHOOK_ENDPOINT_CREATED = OpenApiResponse(
    WebhookEndpointCreatedSerializer,
    description=(
        "The endpoint, with the `secret` its deliveries are signed with: this is the only answer that shows it "
        "(a replay with the same Idempotency-Key answers without it)."
    ),
    examples=[
        example("New endpoint", ex.WEBHOOK_ENDPOINT | {"secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD7Q4WlI6u6Gk="})
    ],
)
DELIVERY_PAGE = OpenApiResponse(DeliverySerializer(many=True), examples=[example("A page", ex.DELIVERY)])
REDELIVERED = OpenApiResponse(
    DeliverySerializer,
    description="A new delivery of the message (the same `webhook-id`), sent by the worker shortly.",
    examples=[example("Redelivery", ex.REDELIVERY)],
)
ENDPOINT_DISABLED = OpenApiResponse(
    ErrorSerializer,
    description="The endpoint is disabled; enable it before redelivering to it.",
    examples=[
        error_example(
            "Disabled", "This endpoint is disabled; enable it before redelivering to it.", "endpoint_disabled"
        )
    ],
)
NO_SUCH_MESSAGE = OpenApiResponse(
    ErrorSerializer,
    description="No endpoint of yours with this id, or no message of yours with this `message_id`.",
    examples=[
        error_example("No endpoint", "No WebhookEndpoint matches the given query.", "not_found"),
        error_example("No message", "No such message.", "not_found"),
    ],
)


class SigningSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        help_text="Signs deliveries to the `webhook_url`s given with jobs and batches (Standard Webhooks)."
    )


SIGNING_SECRET_ANSWER = OpenApiResponse(
    SigningSecretSerializer, examples=[example("Secret", {"secret": ex.SIGNING_SECRET})]
)


def insufficient_credits(what, price, balance=1200):
    return OpenApiResponse(
        InsufficientCreditsErrorSerializer,
        description="The balance can't cover it; nothing was created. `shortfall` is what is missing.",
        examples=[
            error_example(
                "Insufficient credits",
                f"{what} costs {price} credits and your balance is {balance} credits.",
                "insufficient_credits",
                balance=balance,
                price=price,
                shortfall=price - balance,
            )
        ],
    )


# Creating with an Idempotency-Key --------------------------------------------------------

BAD_INPUT_OR_KEY = OpenApiResponse(
    errors.ValidationErrorSerializer,
    description="Bad input, named per field, or a malformed Idempotency-Key; nothing was created.",
    examples=[
        *errors.VALIDATION_ERROR.examples,
        error_example(
            "Malformed Idempotency-Key",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            "invalid_idempotency_key",
        ),
    ],
)
KEY_IN_PROGRESS = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Another request with this Idempotency-Key is still running (retry after `Retry-After` seconds), "
        "or was refused just now (send it again)."
    ),
    examples=[
        error_example(
            "Still running",
            "A request with this Idempotency-Key is still running; retry shortly.",
            "idempotency_key_in_progress",
        ),
        error_example(
            "Refused meanwhile",
            "The first request with this Idempotency-Key was just refused; send it again.",
            "idempotency_key_in_progress",
        ),
    ],
)
KEY_REUSED = OpenApiResponse(
    ErrorSerializer,
    description="This Idempotency-Key was used with another request (method, path or body); nothing was created.",
    examples=[
        error_example(
            "Key reused",
            "This Idempotency-Key was already used with a different request; use a new key for a new request.",
            "idempotency_key_reused",
        )
    ],
)


def creating(*, request, created, summary, description="", errors=None, examples=(), location=True):
    """extend_schema for a creating POST: its Idempotency-Key, the replay header and the
    errors every idempotent create can answer, besides its own."""
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        parameters=[IDEMPOTENCY_KEY, REPLAYED, *([LOCATION] if location else [])],
        responses={201: created, 400: BAD_INPUT_OR_KEY, 409: KEY_IN_PROGRESS, 422: KEY_REUSED, **(errors or {})},
        examples=list(examples),
    )


# Job list filters -------------------------------------------------------------------------

JOB_FILTERS = [
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": JobState.values}},
        explode=False,
        description="Only jobs in these states, comma-separated "
        "(`failed,cancelled`; repeating the parameter works too).",
    ),
    OpenApiParameter(
        "model",
        str,
        enum=MODEL_NAMES,
        description="Only jobs of this model. " + MODEL_NAMES_HELP.replace(" by default", " when given"),
    ),
    OpenApiParameter("batch", OpenApiTypes.UUID, description="Only the items of this batch."),
    OpenApiParameter("created_after", OpenApiTypes.DATETIME, description="Only jobs created at or after this time."),
    OpenApiParameter("created_before", OpenApiTypes.DATETIME, description="Only jobs created before this time."),
]

JOB_REQUEST_EXAMPLES = [
    OpenApiExample(
        "Hosted files",
        value={
            "image_url": "https://example.com/portrait.jpg",
            "audio_url": "https://example.com/speech.mp3",
            "prompt": "Warm, friendly",
            "title": "welcome.mp3",
            "model": "pro",
            "webhook_url": "https://hooks.example.com/avatar-studio",
        },
        request_only=True,
        media_type="application/json",
    ),
    OpenApiExample(
        "OmniHuman v1.5 at 720p",
        value={
            "image_url": "https://example.com/portrait.jpg",
            "audio_url": "https://example.com/speech.mp3",
            "model": "omnihuman",
            "resolution": "720p",
            "turbo_mode": False,
        },
        request_only=True,
        media_type="application/json",
    ),
    OpenApiExample(
        "A script",
        summary="A portrait and a script: the speech is made first, then the video",
        value={
            "image_url": "https://example.com/portrait.jpg",
            "script": "Welcome to our shop! Ask me anything about today's offers.",
            "voice": "af_heart",
            "model": "pro",
        },
        request_only=True,
        media_type="application/json",
    ),
]
BATCH_REQUEST_EXAMPLES = [
    OpenApiExample(
        "One portrait, many clips",
        value={
            "image_url": "https://example.com/portrait.jpg",
            "audio_urls": [
                "https://example.com/intro.mp3",
                "https://example.com/offer.mp3",
                "https://example.com/goodbye.mp3",
            ],
            "model": "pro",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Pairs",
        value={
            "items": [
                {"image_url": "https://example.com/alice.jpg", "audio_url": "https://example.com/alice.mp3"},
                {"image_url": "https://example.com/bob.jpg", "audio_url": "https://example.com/bob.mp3"},
            ],
            "prompt": "Warm, friendly",
            "webhook_url": "https://hooks.example.com/avatar-studio",
        },
        request_only=True,
    ),
]
