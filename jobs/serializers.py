from rest_framework import serializers

from . import media
from .models import Job
from .registry import MODEL_NAMES, find_model


def _checked(check, value, kind):
    """Run a jobs.media check, reporting its MediaError as a validation error."""
    try:
        return check(value, kind)
    except media.MediaError as exc:
        raise serializers.ValidationError(exc.message) from None


class SubmitSerializer(serializers.Serializer):
    """Inputs for one avatar job. Each input is a URL, a data: URI, or an uploaded file."""

    image_url = serializers.CharField(required=False, allow_blank=False, trim_whitespace=True)
    audio_url = serializers.CharField(required=False, allow_blank=False, trim_whitespace=True)
    image = serializers.FileField(required=False)
    audio = serializers.FileField(required=False)
    prompt = serializers.CharField(required=False, allow_blank=True, max_length=2500, default="")
    model = serializers.ChoiceField(choices=MODEL_NAMES, required=False, default="pro")

    def validate(self, attrs):
        checked = {}
        errors = {}
        for kind in ("image", "audio"):
            url, upload = attrs.get(f"{kind}_url"), attrs.get(kind)
            try:
                if url and upload:
                    raise serializers.ValidationError(f"Give either {kind}_url or a {kind} file, not both.")
                if upload:
                    checked[kind] = _checked(media.check_upload, upload, kind)
                elif url:
                    checked[kind] = _checked(media.check_input_reference, url, kind)
                else:
                    raise serializers.ValidationError(f"This field is required (a URL, a data: URI, or a {kind} file).")
            except serializers.ValidationError as exc:
                errors[f"{kind}_url"] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        attrs["checked"] = checked
        attrs["fal_model"] = find_model(attrs["model"])
        return attrs


class RequestLookupSerializer(serializers.Serializer):
    request_id = serializers.CharField(required=False, allow_blank=False)
    job_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if not attrs.get("request_id") and not attrs.get("job_id"):
            raise serializers.ValidationError({"request_id": ["This field is required (or give job_id)."]})
        return attrs


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()

    def validate_file(self, upload):
        data = upload.read(max(media.settings.MAX_IMAGE_BYTES, media.settings.MAX_AUDIO_BYTES) + 1)
        kind = media.sniff_kind(data)
        if kind is None:
            raise serializers.ValidationError("The file is neither a JPEG/PNG/WebP image nor MP3/WAV/M4A/OGG/AAC audio.")
        try:
            checked = media.check_image(data) if kind == "image" else media.check_audio(data)
        except media.MediaError as exc:
            raise serializers.ValidationError(exc.message) from None
        checked.kind = kind
        return checked


class JobSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(source="id")
    status = serializers.CharField(source="state")
    model = serializers.CharField(source="endpoint_id")
    video = serializers.SerializerMethodField()
    logs = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "job_id", "request_id", "model", "status", "queue_position", "logs", "prompt",
            "error", "error_type", "video", "created_at", "queued_at", "started_at", "finished_at",
        ]

    def get_logs(self, job):
        return [entry.get("message", "") for entry in job.logs]

    def get_video(self, job):
        return video_output(job, self.context.get("request"))


def video_output(job, request):
    """The finished video in fal's output shape, pointing at our own storage."""
    if not job.video:
        return None
    url = job.video.url
    if request is not None and url.startswith("/"):
        url = request.build_absolute_uri(url)
    return {"url": url, "content_type": job.video_content_type, "file_name": "output.mp4", "file_size": job.video_size}
