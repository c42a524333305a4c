"""The seed API's answers: a job, its result, an upload, and which job a request names."""

from django.conf import settings
from django.db.models import Manager
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobs import media
from jobs.models import Asset, Job, JobState
from jobs.outputs import VideoOutputSerializer, video_output
from jobs.services import admission


class RequestLookupSerializer(serializers.Serializer):
    """Which job: our `job_id` or fal's `request_id`; one of the two is required."""

    request_id = serializers.CharField(
        required=False, allow_blank=False, help_text="fal's request id (or give job_id)."
    )
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
            raise serializers.ValidationError(
                f"The file is larger than {limit // (1024 * 1024)} MB, the most an input may be."
            )
        kind = media.sniff_kind(upload)
        if kind is None:
            raise serializers.ValidationError(
                "The file is neither a JPEG/PNG/WebP image nor MP3/WAV/M4A/OGG/AAC audio."
            )
        try:
            checked = media.check_upload(upload, kind)
        except media.MediaError as exc:
            raise serializers.ValidationError(exc.message) from None
        checked.kind = kind
        return checked


class FalRequestIdField(serializers.CharField):
    """fal's request id, null until fal has answered the submit (stored as "" until then)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "fal's request id; null until the worker has submitted the job and fal answered."
        )
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
            "job_id",
            "request_id",
            "model",
            "status",
            "status_detail",
            "waiting_ahead",
            "queue_position",
            "logs",
            "prompt",
            "error",
            "error_type",
            "video",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
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
