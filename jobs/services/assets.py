"""Input files kept in fal storage, uploaded once per user, content and storage."""

import hashlib

from jobs import fal
from jobs.models import Asset


def upload_asset(user, checked) -> Asset:
    """Put a validated input file in fal storage once per user, content and fal storage
    (see jobs.fal.storage_origin); reuse it after."""
    digest = hashlib.sha256(checked.data).hexdigest()
    origin = fal.storage_origin()
    existing = Asset.objects.filter(user=user, sha256=digest, origin=origin).first()
    if existing:
        return existing
    url = fal.upload(checked.data, checked.content_type, checked.file_name)
    asset, _ = Asset.objects.get_or_create(
        user=user,
        sha256=digest,
        origin=origin,
        defaults={
            "kind": checked.kind,
            "content_type": checked.content_type,
            "size": len(checked.data),
            "duration": checked.duration,
            "fal_url": url,
        },
    )
    return asset
