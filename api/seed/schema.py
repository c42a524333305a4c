"""The OpenAPI description of the seed's endpoints (api/seed/views.py): the request shapes per
content type, the answers that are plain dicts, and the examples.

Nothing here validates or renders: SubmitSerializer and RequestLookupSerializer validate,
and the views answer. The schemathesis test (tests/api/test_openapi.py) holds the two
together.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from api.error_docs import ErrorSerializer, JobStateErrorSerializer, error_example
from jobs.inputs import model_parameter_fields
from jobs.registry import DEFAULT_MODEL_NAME, MODEL_NAMES, MODEL_NAMES_HELP

from ..serializers import AccountLimitsSerializer
from .serializers import AssetSerializer, JobSerializer, ResultSerializer

INPUT_HELP = "An http(s) URL of a public host, a data: URI (base64), or a URL the upload endpoint returned."
MODEL_HELP = MODEL_NAMES_HELP


class SubmitUrlsSerializer(serializers.Serializer):
    """A job from two references (JSON or a urlencoded form)."""

    image_url = serializers.CharField(help_text=f"The portrait (JPEG, PNG or WebP). {INPUT_HELP}")
    audio_url = serializers.CharField(help_text=f"The speech (MP3, WAV, M4A, OGG or AAC). {INPUT_HELP}")
    prompt = serializers.CharField(
        required=False, allow_blank=True, max_length=2500, help_text="How the avatar should come across."
    )
    model = serializers.ChoiceField(
        choices=MODEL_NAMES, required=False, default=DEFAULT_MODEL_NAME, help_text=MODEL_HELP
    )

    def get_fields(self):
        return {**super().get_fields(), **model_parameter_fields()}


class SubmitFilesSerializer(serializers.Serializer):
    """A job from uploaded files (multipart); each input may be a reference instead of a file."""

    image = serializers.FileField(required=False, help_text="The portrait file; or give image_url.")
    image_url = serializers.CharField(required=False, help_text=INPUT_HELP)
    audio = serializers.FileField(required=False, help_text="The speech file; or give audio_url.")
    audio_url = serializers.CharField(required=False, help_text=INPUT_HELP)
    prompt = serializers.CharField(required=False, allow_blank=True, max_length=2500)
    model = serializers.ChoiceField(
        choices=MODEL_NAMES, required=False, default=DEFAULT_MODEL_NAME, help_text=MODEL_HELP
    )

    def get_fields(self):
        return {**super().get_fields(), **model_parameter_fields()}


class UploadFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG/PNG/WebP image or MP3/WAV/M4A/OGG/AAC audio file.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    balance = serializers.IntegerField(help_text="Credits available (1 credit = $0.001 by default).")
    limits = AccountLimitsSerializer()


JOB_ID = "5f0c6a4e-8a39-4c4f-9a53-0b9d8c1f2e7a"
REQUEST_ID = "764cabcf-b745-4b3e-ae38-1200304cf45b"
VIDEO = {
    "url": f"https://studio.example.com/media/videos/3/{JOB_ID}/output.mp4?expires=1764068670&signature=oZJ3Yb0Gf2gWmC8Rk1xq0s5v4QJw2nH7dT9eUaLpKcE",
    "content_type": "video/mp4",
    "file_name": "output.mp4",
    "file_size": 1843200,
}
PENDING_JOB = {
    "job_id": JOB_ID,
    "request_id": None,
    "model": "fal-ai/kling-video/v1/pro/ai-avatar",
    "status": "pending",
    "status_detail": "pending",
    "waiting_ahead": None,
    "queue_position": None,
    "logs": [],
    "prompt": "Warm, friendly",
    "error": "",
    "error_type": "",
    "video": None,
    "created_at": "2026-11-25T10:00:00Z",
    "queued_at": None,
    "started_at": None,
    "finished_at": None,
}
COMPLETED_JOB = PENDING_JOB | {
    "request_id": REQUEST_ID,
    "status": "completed",
    "status_detail": "completed",
    "logs": ["Rendering frames", "Done"],
    "video": VIDEO,
    "queued_at": "2026-11-25T10:00:01Z",
    "started_at": "2026-11-25T10:00:09Z",
    "finished_at": "2026-11-25T10:04:30Z",
}


def job_example(name, value, **kwargs):
    return OpenApiExample(name, value=value, response_only=True, **kwargs)


LOOKUP_EXAMPLES = [
    OpenApiExample("By our job id", value={"job_id": JOB_ID}, request_only=True),
    OpenApiExample("By fal's request id", value={"request_id": REQUEST_ID}, request_only=True),
]
JOB_NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No job of the caller's with that id (another user's job answers the same).",
    examples=[error_example("Not found", "No Job matches the given query.", "not_found")],
)

SUBMIT_EXAMPLES = [
    OpenApiExample(
        "Hosted files",
        value={
            "image_url": "https://example.com/portrait.jpg",
            "audio_url": "https://example.com/speech.mp3",
            "prompt": "Warm, friendly",
            "model": "pro",
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
            "turbo_mode": True,
        },
        request_only=True,
        media_type="application/json",
    ),
]
SUBMITTED = OpenApiResponse(
    JobSerializer,
    description="The job exists and holds its credits; the worker submits it to fal within a moment.",
    examples=[job_example("Pending", PENDING_JOB)],
)
JOB_STATUS = OpenApiResponse(
    JobSerializer,
    examples=[
        job_example(
            "In fal's queue",
            PENDING_JOB
            | {
                "request_id": REQUEST_ID,
                "status": "in_queue",
                "status_detail": "in fal's queue (position 2: 2 ahead)",
                "queue_position": 2,
            },
        ),
        job_example("Completed", COMPLETED_JOB),
    ],
)
RESULT = OpenApiResponse(
    ResultSerializer,
    description="The video in fal's output shape, in our storage.",
    examples=[
        job_example("Completed", {"job_id": JOB_ID, "request_id": REQUEST_ID, "video": VIDEO, "duration": 12.4})
    ],
)
NO_RESULT_YET = OpenApiResponse(
    JobStateErrorSerializer,
    description="The job has not completed (yet, or ever: `status` says which).",
    examples=[
        error_example(
            "Still running", "The job is in progress; it has no result.", "job_not_completed", status="in_progress"
        )
    ],
)
CANCELLED = OpenApiResponse(
    JobSerializer,
    examples=[
        job_example(
            "Cancelled",
            PENDING_JOB | {"status": "cancelled", "status_detail": "cancelled", "finished_at": "2026-11-25T10:00:05Z"},
        )
    ],
)
NOT_CANCELLABLE = OpenApiResponse(
    JobStateErrorSerializer,
    description="The job has finished, or fal has already made its video and it is being stored.",
    examples=[
        error_example("Finished", "The job is already completed.", "job_finished", status="completed"),
        error_example(
            "Being stored",
            "fal has already made this video; it is being stored and can't be cancelled.",
            "job_being_stored",
            status="in_progress",
        ),
    ],
)
UPLOADED = OpenApiResponse(
    AssetSerializer,
    description="The file is checked and in fal storage; pass `url` as image_url or audio_url.",
    examples=[
        job_example(
            "Audio",
            {
                "url": "https://v3.fal.media/files/rabbit/9f86d081884c7d659a2f_speech.mp3",
                "file_name": "speech.mp3",
                "kind": "audio",
                "content_type": "audio/mpeg",
                "file_size": 48213,
                "duration": 3.2,
            },
        )
    ],
)
FAL_STORAGE_FAILED = OpenApiResponse(
    ErrorSerializer,
    description="fal storage refused or didn't answer; try again.",
    examples=[
        error_example("fal storage down", "Uploading to fal storage failed: Service Unavailable", "fal_unavailable")
    ],
)
JOB_PAGE = OpenApiResponse(JobSerializer(many=True), examples=[job_example("A page", COMPLETED_JOB)])
ME = OpenApiResponse(
    MeSerializer,
    examples=[
        job_example(
            "Me",
            {
                "username": "alice",
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
