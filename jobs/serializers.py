from django.conf import settings
from django.db.models import Manager
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consent import services as consent
from consent.models import CONSENT_TEXT
from limits.clients import client_address

from . import media, signed_urls
from .models import Asset, Job, JobState
from .registry import DEFAULT_MODEL_NAME, MODEL_NAMES, find_model
from .services import admission, inputs


def consent_field():
    return serializers.BooleanField(
        required=False, default=False, help_text=f"`true` confirms: “{CONSENT_TEXT}” Required when the server asks for consent."
    )


def consent_errors(attrs) -> dict:
    """{"consent": [why]} when the uploader must confirm they may use the face and did not."""
    if consent.consent_required() and not attrs.get("consent"):
        return {"consent": [consent.CONSENT_MISSING]}
    return {}


def agreement(request, attrs):
    """The uploader's word (consent.services.Agreement), with the address it came from."""
    return consent.Agreement(client_address(request)) if attrs.get("consent") else None


def _checked(check, value, kind):
    """Run a jobs.media check, reporting its MediaError as a validation error."""
    try:
        return check(value, kind)
    except media.MediaError as exc:
        raise serializers.ValidationError(exc.message) from None


class InputReferenceField(serializers.CharField):
    """A URL or data: URI, given as a JSON string: DRF's CharField would turn 123 into "123"."""

    default_error_messages = {"invalid": "Must be a string: an http(s) URL, a data: URI, or the URL returned by the upload endpoint."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SubmitSerializer(serializers.Serializer):
    """Inputs for one avatar job. Each input is a URL, a data: URI, or an uploaded file."""

    image_url = InputReferenceField(required=False, allow_blank=False, trim_whitespace=True)
    audio_url = InputReferenceField(required=False, allow_blank=False, trim_whitespace=True)
    image = serializers.FileField(required=False)
    audio = serializers.FileField(required=False)
    prompt = serializers.CharField(required=False, allow_blank=True, max_length=2500, default="")
    model = serializers.ChoiceField(choices=MODEL_NAMES, required=False, default=DEFAULT_MODEL_NAME)
    consent = consent_field()

    def validate(self, attrs):
        checked = {}
        errors = consent_errors(attrs)
        for kind in ("image", "audio"):
            url, upload = attrs.get(f"{kind}_url"), attrs.get(kind)
            try:
                if url and upload:
                    raise serializers.ValidationError(f"Give either {kind}_url or an {kind} file, not both.")
                if upload:
                    checked[kind] = _checked(media.check_upload, upload, kind)
                elif url:
                    checked[kind] = self.check_reference(url, kind)
                else:
                    raise serializers.ValidationError(f"This field is required (a URL, a data: URI, or an {kind} file).")
            except serializers.ValidationError as exc:
                # Named by the field the client sent: a multipart `audio` file's problem is `audio`'s.
                errors[kind if upload else f"{kind}_url"] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        attrs["checked"] = checked
        attrs["fal_model"] = find_model(attrs["model"])
        return attrs

    def check_reference(self, url, kind):
        """Check one input given as a URL or data: URI (also used for a batch's inputs); audio
        by URL is downloaded and measured (jobs.services.inputs)."""
        request = self.context.get("request")
        user = request.user if request is not None else None
        return _checked(lambda value, kind: inputs.check_reference(user, value, kind), url, kind)


class RequestLookupSerializer(serializers.Serializer):
    """Which job: our `job_id` or fal's `request_id`; one of the two is required."""

    request_id = serializers.CharField(required=False, allow_blank=False, help_text="fal's request id (or give job_id).")
    job_id = serializers.UUIDField(required=False, help_text="Our job id, as submit answered (or give request_id).")

    def validate(self, attrs):
        if not attrs.get("request_id") and not attrs.get("job_id"):
            raise serializers.ValidationError({"request_id": ["This field is required (or give job_id)."]})
        return attrs


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()

    def validate_file(self, upload):
        limit = max(settings.MAX_IMAGE_BYTES, settings.MAX_AUDIO_BYTES)
        if upload.size > limit:
            raise serializers.ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB, the most an input may be.")
        kind = media.sniff_kind(upload)
        if kind is None:
            raise serializers.ValidationError("The file is neither a JPEG/PNG/WebP image nor MP3/WAV/M4A/OGG/AAC audio.")
        try:
            checked = media.check_upload(upload, kind)
        except media.MediaError as exc:
            raise serializers.ValidationError(exc.message) from None
        checked.kind = kind
        return checked


class VideoOutputSerializer(serializers.Serializer):
    """A stored video in fal's output shape (what video_output answers)."""

    url = serializers.URLField(
        help_text="The video in our storage: a signed URL any HTTP client can download "
            "without credentials until it expires (MEDIA_URL_EXPIRY_SECONDS)."
    )
    content_type = serializers.CharField()
    file_name = serializers.CharField()
    file_size = serializers.IntegerField(allow_null=True)


class FalRequestIdField(serializers.CharField):
    """fal's request id, null until fal has answered the submit (stored as "" until then)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "fal's request id; null until the worker has submitted the job and fal answered.")
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class JobListSerializer(serializers.ListSerializer):
    """A page of jobs: the waiting ones' places in line come from one fair order for the
    whole page, not one per job (see admission.places_in_line)."""

    def to_representation(self, data):
        jobs = list(data.all() if isinstance(data, Manager) else data)
        places = admission.places_in_line(jobs)
        for job in jobs:
            job._waiting_ahead = places.get(job.pk)
        return super().to_representation(jobs)


class JobSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(source="id")
    request_id = FalRequestIdField()
    status = serializers.ChoiceField(source="state", choices=JobState.choices)
    model = serializers.CharField(source="endpoint_id", help_text="fal's endpoint id of the model.")
    video = serializers.SerializerMethodField()
    logs = serializers.SerializerMethodField()
    waiting_ahead = serializers.SerializerMethodField()
    status_detail = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "job_id", "request_id", "model", "status", "status_detail", "waiting_ahead", "queue_position", "logs", "prompt",
            "error", "error_type", "video", "created_at", "queued_at", "started_at", "finished_at",
        ]
        list_serializer_class = JobListSerializer

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_waiting_ahead(self, job):
        """Jobs that start before this one while it waits for a free slot at fal (else null).
        Asked once per job: status_detail reuses the answer."""
        if not hasattr(job, "_waiting_ahead"):
            job._waiting_ahead = admission.jobs_ahead(job)
        return job._waiting_ahead

    @extend_schema_field(serializers.CharField())
    def get_status_detail(self, job):
        ahead = self.get_waiting_ahead(job)
        if ahead is not None:
            return f"waiting for a free slot ({ahead} ahead)"
        return job.fal_queue_detail or job.get_state_display().lower()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_logs(self, job):
        return [entry.get("message", "") for entry in job.logs]

    @extend_schema_field(VideoOutputSerializer(allow_null=True))
    def get_video(self, job):
        return video_output(job, self.context.get("request"))


class ResultSerializer(serializers.ModelSerializer):
    """A completed job's output, in fal's result shape, pointing at our own storage."""

    job_id = serializers.UUIDField(source="id")
    request_id = FalRequestIdField()
    video = serializers.SerializerMethodField()
    duration = serializers.FloatField(source="video_duration", allow_null=True)

    class Meta:
        model = Job
        fields = ["job_id", "request_id", "video", "duration"]

    @extend_schema_field(VideoOutputSerializer(allow_null=True))
    def get_video(self, job):
        return video_output(job, self.context.get("request"))


class AssetSerializer(serializers.ModelSerializer):
    """An uploaded input, as the upload endpoint answers: the URL to pass as image_url/audio_url."""

    url = serializers.CharField(source="fal_url", help_text="Ends in a safe form of the file's name.")
    file_name = serializers.CharField(help_text="The file's name as uploaded: jobs made from it are titled with it.")
    file_size = serializers.IntegerField(source="size")

    class Meta:
        model = Asset
        fields = ["url", "file_name", "kind", "content_type", "file_size", "duration"]


def video_output(job, request):
    """The finished video in fal's output shape, at a signed URL of our own storage that
    needs no credentials until it expires (jobs.signed_urls)."""
    if not job.video:
        return None
    url = signed_urls.signed_url(job.video, request=request)
    return {"url": url, "content_type": job.video_content_type, "file_name": "output.mp4", "file_size": job.video_size}
