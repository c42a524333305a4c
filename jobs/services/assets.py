"""Input files kept in fal storage: each content is uploaded once per user and fal storage,
and reused while fal still holds it."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from jobs import fal, media
from jobs.models import Asset


def upload_asset(user, checked) -> Asset:
    """The user's asset for a validated input file (see jobs.media), uploaded to fal storage
    unless a copy there will outlive a job's budget (keyed by jobs.fal.storage_origin)."""
    return stored_in_fal(
        user,
        checked.content,
        content_type=checked.content_type,
        file_name=checked.stored_name,
        original_name=checked.source_name,
        kind=checked.kind,
        duration=checked.duration,
    )


def stored_in_fal(
    user, content: bytes | File, *, content_type, file_name, kind, duration=None, original_name=""
) -> Asset:
    """Upload `content` (bytes, or a file read in chunks) to fal storage once per user,
    content and storage; re-upload it when fal's copy would expire before a job using it
    could finish. `file_name` is the safe name fal stores it under; `original_name` the name
    the person knows it by (default: `file_name`). The same content uploaded again under
    another name is the first upload, name and URL included."""
    digest = media.content_sha256(content)
    origin = fal.storage_origin()
    asset = Asset.objects.filter(user=user, sha256=digest, origin=origin).first()
    if asset and _still_usable(asset):
        return asset
    url = fal.upload(content, content_type, file_name)
    expires_at = timezone.now() + timedelta(seconds=settings.FAL_STORAGE_URL_LIFETIME_SECONDS)
    with transaction.atomic():
        asset, created = Asset.objects.get_or_create(
            user=user,
            sha256=digest,
            origin=origin,
            defaults={
                "kind": kind,
                "file_name": original_name or file_name,
                "content_type": content_type,
                "size": len(content) if isinstance(content, bytes) else content.size,
                "duration": duration,
                "fal_url": url,
                "expires_at": expires_at,
            },
        )
        if not created and not _still_usable(asset):
            asset.fal_url, asset.expires_at, asset.file_name = url, expires_at, original_name or file_name
            asset.save(update_fields=["fal_url", "expires_at", "file_name"])
    return asset


def _still_usable(asset) -> bool:
    if asset.expires_at is None:
        return False  # recorded before expiries were: its age is unknown
    return asset.expires_at > timezone.now() + timedelta(seconds=settings.JOB_BUDGET_SECONDS)
