"""What happens to a verified fal delivery before the job pipeline sees it."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FalDelivery
from .verification import VerifiedDelivery


def remember_delivery(delivery: VerifiedDelivery, job_id) -> bool:
    """Record a verified delivery; False when this exact signed message was seen before.

    ED25519 signatures are deterministic, so the signature identifies the message: a replay
    inside the tolerance window carries the same one. The unique index decides races.
    """
    try:
        with transaction.atomic():
            FalDelivery.objects.create(
                request_id=delivery.request_id,
                job_id=job_id,
                signed_at=delivery.timestamp,
                signature=delivery.signature,
            )
    except IntegrityError:
        return False
    expired = timezone.now() - timedelta(seconds=2 * settings.FAL_WEBHOOK_TOLERANCE_SECONDS)
    FalDelivery.objects.filter(received_at__lt=expired).delete()
    return True


def forget_delivery(delivery: VerifiedDelivery):
    FalDelivery.objects.filter(signature=delivery.signature).delete()
