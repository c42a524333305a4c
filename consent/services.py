"""Checking a portrait against the block list, and keeping an uploader's confirmation."""

from dataclasses import dataclass

from django.conf import settings

from .models import CONSENT_TEXT, BlockedPortrait, PortraitConsent

BLOCKED_MESSAGE = "This portrait can't be used: it has been blocked by our staff."
CONSENT_MISSING = "Confirm that you are the person in the portrait or have their permission (consent: true)."


@dataclass(frozen=True)
class Agreement:
    """The uploader ticked "I am this person or have their permission", from this address."""

    ip_address: str | None = None


def is_blocked(image_sha256: str) -> bool:
    return BlockedPortrait.objects.filter(image_sha256=image_sha256).exists()


def anything_blocked() -> bool:
    """Whether there is anything to compare a hosted picture with (it is then fetched and hashed)."""
    return BlockedPortrait.objects.exists()


def block(image_sha256: str, *, by=None, reason: str = "") -> BlockedPortrait:
    blocked, _ = BlockedPortrait.objects.get_or_create(
        image_sha256=image_sha256, defaults={"blocked_by": by, "reason": reason}
    )
    return blocked


def consent_required() -> bool:
    return settings.PORTRAIT_CONSENT_REQUIRED


def record_consent(*, user, image_sha256: str, job_id=None, ip_address=None) -> PortraitConsent:
    return PortraitConsent.objects.create(
        user=user, image_sha256=image_sha256, job_id=job_id, ip_address=ip_address or None, text=CONSENT_TEXT
    )


def consents_for_job(job_id):
    return PortraitConsent.objects.filter(job_id=job_id).select_related("user")
