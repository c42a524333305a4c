"""Making deliveries: claiming the due ones, one signed POST per attempt (Standard Webhooks),
and what each answer means: done, again later on the schedule, given up, or the endpoint
disabled (410 Gone, or failing for WEBHOOK_DISABLE_AFTER_DAYS).

Safe with any number of workers, and after any of them is killed: an attempt runs only
under a claim (Delivery.objects.claim), which books the time the claim lapses, past the
longest an attempt can take. A delivery is attempted by one worker at a time, and one
whose worker died is simply due again when its claim lapses.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from standardwebhooks import Webhook

from . import services, transport
from .models import Delivery, DeliveryAttempt, WebhookEndpoint

logger = logging.getLogger(__name__)

# A claim lasts this much beyond WEBHOOK_TIMEOUT: the DNS lookup before connecting is not
# bounded by socket timeouts.
CLAIM_MARGIN_SECONDS = 60


def claim_due_deliveries(limit: int) -> list[Delivery]:
    """Claim up to `limit` due deliveries for this worker (others may win some of them)."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT + CLAIM_MARGIN_SECONDS)
    claimed = []
    due = list(Delivery.objects.due(now).select_related("message__user", "endpoint")[:limit])
    # One commit for the lot; rows are claimed in id order, so workers claiming at once
    # wait for each other instead of deadlocking.
    with transaction.atomic():
        for delivery in sorted(due, key=lambda delivery: delivery.pk):
            if Delivery.objects.claim(delivery, until=until):
                delivery.next_attempt_at = until
                delivery.attempt_count += 1
                claimed.append(delivery)
    return claimed


def signed_headers(secret: str, message_id: str, sent_at, body: str) -> dict[str, str]:
    """The Standard Webhooks headers: the message id (the same on every retry and
    redelivery), the time of this attempt, and the HMAC-SHA256 signature of both and the body."""
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


def attempt_delivery(delivery: Delivery) -> DeliveryAttempt | None:
    """Make one attempt of a claimed delivery, log it, and settle what comes next."""
    endpoint, message = delivery.endpoint, delivery.message
    if endpoint is not None:
        secret, url = endpoint.secret, endpoint.url
    else:
        secret, url = services.signing_secret_for(message.user), delivery.url
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False)
    sent_at = timezone.now()
    answer = transport.post(url, body.encode(), signed_headers(secret, message.id, sent_at, body))
    attempt = DeliveryAttempt(
        delivery=delivery,
        attempted_at=sent_at,
        status_code=answer.status,
        error=answer.error[:300],
        latency_ms=answer.latency_ms,
        response_snippet=answer.snippet,
    )
    try:
        with transaction.atomic():  # the attempt and what it decides, in one commit
            attempt.save()
            _settle(delivery, attempt)
    except IntegrityError:
        return None  # the delivery is gone: its endpoint was deleted during the attempt
    return attempt


def _settle(delivery, attempt) -> None:
    now = timezone.now()
    endpoint = delivery.endpoint
    # Only while our claim stands: a delivery ended meanwhile (its endpoint disabled) stays so.
    ours = Delivery.objects.filter(
        pk=delivery.pk, state=Delivery.State.PENDING, next_attempt_at=delivery.next_attempt_at
    )
    if attempt.succeeded:
        ours.update(state=Delivery.State.SUCCEEDED, next_attempt_at=None)
        if endpoint is not None and endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return
    if attempt.status_code == 410:
        # "Gone": the consumer asks us to stop, so we do at once rather than retry for a day.
        if endpoint is not None:
            services.disable_endpoint(endpoint, "It answered 410 Gone.", notify=True)
        ours.update(state=Delivery.State.FAILED, next_attempt_at=None, note="The URL answered 410 Gone.")
        return
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if delivery.attempt_count < len(schedule):
        ours.update(next_attempt_at=now + timedelta(seconds=schedule[delivery.attempt_count]))
    else:
        ours.update(
            state=Delivery.State.FAILED, next_attempt_at=None, note=f"Gave up after {delivery.attempt_count} attempts."
        )
    if endpoint is not None:
        _note_endpoint_failure(endpoint, now)


def _note_endpoint_failure(endpoint, now) -> None:
    """An endpoint that has failed every attempt for WEBHOOK_DISABLE_AFTER_DAYS is disabled
    (and its owner told); a success in between starts the count again."""
    if WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now):
        return  # the first failure since the last success
    days = settings.WEBHOOK_DISABLE_AFTER_DAYS
    failing = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, is_active=True, failing_since__lte=now - timedelta(days=days)
    )
    since = failing.values_list("failing_since", flat=True).first()
    if since is not None:
        services.disable_endpoint(
            endpoint, f"Every delivery to it failed for {days:g} days (since {since:%Y-%m-%d %H:%M} UTC).", notify=True
        )
