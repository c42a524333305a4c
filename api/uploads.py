"""Storing an uploaded input file: one logic behind the seed's upload-file and v1's files."""

from jobs import fal
from jobs.services import assets

from .errors import FalStorageUnavailable
from .seed.serializers import UploadSerializer


def store_upload(request):
    """Check the request's `file` and put it in fal storage (once per content): its Asset."""
    serializer = UploadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        return assets.upload_asset(request.user, serializer.validated_data["file"])
    except fal.FalError as exc:
        raise FalStorageUnavailable(f"Uploading to fal storage failed: {exc.message}") from None
