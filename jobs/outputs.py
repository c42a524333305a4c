"""A finished job's video in fal's output shape, as every door hands it out."""

from rest_framework import serializers

from . import signed_urls


class VideoOutputSerializer(serializers.Serializer):
    """A stored video in fal's output shape (what video_output answers)."""

    url = serializers.URLField(
        help_text=(
            "The video in our storage: a signed URL any HTTP client can download without credentials "
            "until it expires (MEDIA_URL_EXPIRY_SECONDS)."
        )
    )
    content_type = serializers.CharField()
    file_name = serializers.CharField()
    file_size = serializers.IntegerField(allow_null=True)


def video_output(job, request):
    """The finished video in fal's output shape, at a signed URL of our own storage that
    needs no credentials until it expires (jobs.signed_urls)."""
    if not job.video:
        return None
    url = signed_urls.signed_url(job.video, request=request)
    return {"url": url, "content_type": job.video_content_type, "file_name": "output.mp4", "file_size": job.video_size}
