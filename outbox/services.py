"""Outgoing webhooks' actions: endpoints, one-off subscriptions, signing secrets, recording
events and redelivery. Sending them is outbox.delivery's work.

Events are a transactional outbox: record_job_event runs inside the transaction that moves
the job (jobs.signals.job_state_changed), so a state change and its message and deliveries
commit together or not at all, and nothing is sent before that commit: a delivery is a row
due now, which workers can see only once it has committed (see outbox.worker).
"""

import logging
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.public_urls import UnsafeURL, public_addresses
from workers import chores

from . import events
from .models import Delivery, EventType, Message, SigningSecret, WebhookEndpoint, WebhookSubscription

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2000


class EndpointDisabled(Exception):
    """Redelivery to a disabled endpoint: enable it first."""


def check_webhook_url(url: str) -> None:
    """Refuse a URL we must not deliver to: not http(s), with a user name or password, or
    reaching any non-public address (unless its host is in WEBHOOK_ALLOWED_HOSTS). Raises
    ValidationError with a message for the user. Deliveries check again on every attempt."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"Webhook URLs can be at most {MAX_URL_LENGTH} characters long.")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter an http:// or https:// URL.")
    if parts.username or parts.password:
        raise ValidationError("Webhook URLs can't carry a user name or password; verify our signature instead.")
    try:
        public_addresses(url, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS)
    except UnsafeURL as exc:
        raise ValidationError(str(exc)) from None


def _checked(url: str, field: str) -> str:
    try:
        check_webhook_url(url)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return url


# --- Endpoints ---------------------------------------------------------------------------


def create_endpoint(user, *, url: str, events=(), description: str = "") -> WebhookEndpoint:
    """Register `url` for `user`'s events (all of them when `events` is empty). The new
    endpoint's secret is generated here and readable only from the returned object."""
    _checked(url, "url")
    return WebhookEndpoint.objects.create(user=user, url=url, events=_event_list(events), description=description)


def update_endpoint(endpoint, *, url=None, events=None, description=None, enabled=None) -> WebhookEndpoint:
    """Change what was given; a new URL is checked like a new endpoint's. Enabling clears a
    disablement (and its run of failures); disabling by hand tells nobody."""
    fields = []
    if url is not None and url != endpoint.url:
        endpoint.url = _checked(url, "url")
        fields.append("url")
    if events is not None:
        endpoint.events = _event_list(events)
        fields.append("events")
    if description is not None:
        endpoint.description = description
        fields.append("description")
    if fields:
        endpoint.save(update_fields=fields)
    if enabled is True and not endpoint.is_active:
        enable_endpoint(endpoint)
    elif enabled is False and endpoint.is_active:
        disable_endpoint(endpoint, "Disabled by its owner.", notify=False)
    endpoint.refresh_from_db()
    return endpoint


def delete_endpoint(endpoint) -> None:
    """Remove the endpoint with its delivery log; an attempt in flight ends unlogged."""
    endpoint.delete()


def enable_endpoint(endpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", failing_since=None
    )


def disable_endpoint(endpoint, reason: str, *, notify: bool) -> bool:
    """Stop delivering to `endpoint` (its pending deliveries end as failed); with `notify`,
    e-mail its owner which endpoint and why. Only the first of concurrent callers disables
    it (and so mails); returns whether this call did."""
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=timezone.now(), disabled_reason=reason[:300]
        )
        if not disabled:
            return False
        Delivery.objects.filter(endpoint_id=endpoint.pk, state=Delivery.State.PENDING).update(
            state=Delivery.State.FAILED, next_attempt_at=None, note=f"Endpoint disabled: {reason}"[:300]
        )
        if notify:
            # robust: a mail server that fails is logged, and the disablement stands.
            transaction.on_commit(lambda: tell_owner_endpoint_disabled(endpoint.pk), robust=True)
    logger.info("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return True


def tell_owner_endpoint_disabled(endpoint_id) -> None:
    endpoint = WebhookEndpoint.objects.select_related("user").filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.user.email:
        return  # deleted meanwhile, or an owner we can't write to
    page = settings.PUBLIC_BASE_URL + reverse("outbox:endpoint", kwargs={"endpoint_id": endpoint.pk})
    named = f"{endpoint.url} ({endpoint.description})" if endpoint.description else endpoint.url
    send_mail(
        "Your webhook endpoint was disabled",
        f"We stopped sending webhooks to {named} on {endpoint.disabled_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"Why: {endpoint.disabled_reason}\n\n"
        "Events that happen while it is disabled are not sent to it. Once it answers again, enable it "
        f"at {page} (or through the API: enabled = true), and redeliver any event you missed from its "
        "delivery log.\n",
        None,
        [endpoint.user.email],
    )


def _event_list(chosen) -> list[str]:
    valid = set(EventType.values)
    unknown = [name for name in chosen if name not in valid]
    if unknown:
        raise ValidationError({"events": [f"Unknown event type: {', '.join(unknown)}."]})
    return list(dict.fromkeys(chosen))


# --- One-off URLs and their secret -------------------------------------------------------


def signing_secret_for(user) -> str:
    """The secret that signs `user`'s deliveries to one-off URLs, made on first use."""
    return _signing_secret(user.pk)


def _signing_secret(user_id) -> str:
    return SigningSecret.objects.get_or_create(user_id=user_id)[0].secret


def subscribe_job(job, url: str) -> WebhookSubscription:
    """Send `job`'s events to `url` too (a job created with a `webhook_url`). Raises
    ValidationError naming `webhook_url` for a URL we must not deliver to."""
    _checked(url, "webhook_url")
    _signing_secret(job.user_id)
    return WebhookSubscription.objects.get_or_create(user_id=job.user_id, job=job, url=url)[0]


def subscribe_batch(user, batch_id, url: str) -> WebhookSubscription:
    """Send the batch's batch.completed event to `url` (a batch created with a `webhook_url`)."""
    _checked(url, "webhook_url")
    _signing_secret(user.pk)
    return WebhookSubscription.objects.get_or_create(user=user, batch_id=batch_id, url=url)[0]


# --- Recording events (inside the caller's transaction) -----------------------------------


def record_job_event(job, to_state) -> Message | None:
    """The event of `job` entering `to_state`, for each of its owner's active endpoints that
    takes it and each URL subscribed to the job. Call inside the transition's transaction;
    writes nothing when no one listens. A long video's segment has no events of its own:
    its parent's are the video's."""
    event_type = events.job_event_type(to_state)
    if event_type is None or job.parent_id:
        return None
    endpoints = _listening_endpoints(job.user_id, event_type)
    urls = list(WebhookSubscription.objects.filter(job_id=job.pk).values_list("url", flat=True))
    return _publish(job.user_id, event_type, events.job_data(job), endpoints=endpoints, urls=urls)


def record_batch_completed(batch) -> Message | None:
    """batch.completed, for the owner's endpoints, the URLs subscribed to the batch and the
    batch's own `webhook_url`. Call inside the transaction that finishes the batch."""
    event_type = EventType.BATCH_COMPLETED
    urls = list(WebhookSubscription.objects.filter(batch_id=batch.id).values_list("url", flat=True))
    if batch.webhook_url:
        urls.append(batch.webhook_url)
    endpoints = _listening_endpoints(batch.user.pk, event_type)
    return _publish(batch.user.pk, event_type, batch.summary(), endpoints=endpoints, urls=urls)


def _listening_endpoints(user_id, event_type) -> list[WebhookEndpoint]:
    active = WebhookEndpoint.objects.filter(user_id=user_id, is_active=True).only("id", "url", "events")
    return [endpoint for endpoint in active if endpoint.receives(event_type)]


def _publish(user_id, event_type, data, *, endpoints, urls) -> Message | None:
    urls = list(dict.fromkeys(urls))
    if not endpoints and not urls:
        return None
    message = Message.objects.create(user_id=user_id, type=event_type, payload=events.payload(event_type, data))
    due = timezone.now() + timedelta(seconds=settings.WEBHOOK_RETRY_SCHEDULE[0])
    Delivery.objects.bulk_create(
        [Delivery(message=message, endpoint=endpoint, url=endpoint.url, next_attempt_at=due) for endpoint in endpoints]
        + [Delivery(message=message, url=url, next_attempt_at=due) for url in urls]
    )
    return message


# --- Redelivery --------------------------------------------------------------------------


def redeliver(message, *, endpoint=None, url: str = "") -> Delivery:
    """Send `message` again to one destination (a registered endpoint, or a one-off URL): a
    new delivery with its own attempts and schedule, and the same webhook-id, so consumers
    that saw it already can tell. Raises EndpointDisabled for a disabled endpoint."""
    if endpoint is None and not url:
        raise ValueError("Redeliver to an endpoint or a URL.")
    if endpoint is not None:
        if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).exists():
            raise EndpointDisabled("This endpoint is disabled; enable it before redelivering to it.")
        return Delivery.objects.create(message=message, endpoint=endpoint, url=endpoint.url)
    return Delivery.objects.create(message=message, url=url)


# --- Retention ---------------------------------------------------------------------------

# Messages deleted per call: each goes with its deliveries and their attempts.
PRUNE_BATCH = 500


def prune_webhook_log() -> int:
    """Delete messages older than WEBHOOK_LOG_RETENTION_DAYS, with their deliveries and
    attempts, once none of their deliveries is still pending; returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    expired = Message.objects.filter(created_at__lt=cutoff).exclude(deliveries__state=Delivery.State.PENDING)
    return chores.delete_some(expired, PRUNE_BATCH)
