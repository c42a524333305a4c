"""Sharing a finished video and taking the link back."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobState

from .models import ShareLink


class NotShareable(Exception):
    code = "not_shareable"


def share(job, *, expires_at: datetime | None = None) -> ShareLink:
    """The job's share link, made now or kept (its token stays) with this expiry."""
    if job.state != JobState.COMPLETED or not job.video:
        raise NotShareable("Only a finished video can be shared.")
    if expires_at is not None and expires_at <= timezone.now():
        raise NotShareable("The expiry must be in the future.")
    with transaction.atomic():
        link, _ = ShareLink.objects.select_for_update().get_or_create(job=job, defaults={"expires_at": expires_at})
        if link.expires_at != expires_at:
            link.expires_at = expires_at
            link.save(update_fields=["expires_at"])
    return link


def revoke(job) -> bool:
    """Take the job's link back: its page and media are gone from this moment."""
    deleted, _ = ShareLink.objects.filter(job=job).delete()
    return bool(deleted)


def live_link(token: str) -> ShareLink | None:
    """The link this token opens, or None (unknown, revoked, expired, or its video gone)."""
    return ShareLink.objects.live().select_related("job").filter(token=token).first()


def share_urls(request, link) -> dict:
    """Absolute URLs of a link's pages and media (the API's answer, the page's tags)."""

    def absolute(name):
        return request.build_absolute_uri(reverse(f"sharing:{name}", args=[link.token]))

    return {
        "url": absolute("player"),
        "embed_url": absolute("embed"),
        "video_url": absolute("video"),
        "poster_url": absolute("poster") if link.job.poster else None,
    }
