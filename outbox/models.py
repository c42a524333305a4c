"""Outgoing webhooks: where a user's events go (endpoints, one-off URLs), each event once
(Message), each event's journey to one destination (Delivery) and every try (DeliveryAttempt).

A delivery's `next_attempt_at` is its schedule and its claim: set while it is pending (the
due time, or while an attempt is in flight the time its claim lapses), cleared when it ends.
"""

import base64
import secrets
import string
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone


class EventType(models.TextChoices):
    JOB_QUEUED = "job.queued", "A job was queued at fal"
    JOB_STARTED = "job.started", "A job started processing"
    JOB_COMPLETED = "job.completed", "A job's video is ready"
    JOB_FAILED = "job.failed", "A job failed or timed out"
    JOB_CANCELLED = "job.cancelled", "A job was cancelled"
    BATCH_COMPLETED = "batch.completed", "Every item of a batch finished"


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


_ID_ALPHABET = string.ascii_letters + string.digits


def new_message_id() -> str:
    return "msg_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


class WebhookEndpoint(models.Model):
    """A URL a user registered to receive their events, signed with its own secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Event types this endpoint receives; empty: all of them.
    events = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # When the current run of failed attempts began (none since the last success): the
    # endpoint is disabled once it has lasted WEBHOOK_DISABLE_AFTER_DAYS.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self):
        return self.url

    def receives(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class SigningSecret(models.Model):
    """A user's secret for the one-off `webhook_url`s given with a job or a batch (made on
    first use; endpoints have their own)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="webhook_signing_secret"
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        # Never the secret itself: this is what admin pages and logs show.
        return f"signing secret of user {self.user_id}"


class WebhookSubscription(models.Model):
    """A one-off URL given with one job (its job.* events) or one batch (batch.completed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=2000)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_subscriptions"
    )
    # The batches app sits beside this one, not below it: an id, not a foreign key.
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(job__isnull=False, batch_id__isnull=True)
                | models.Q(job__isnull=True, batch_id__isnull=False),
                name="outbox_subscription_job_xor_batch",
            ),
            models.UniqueConstraint(fields=["job", "url"], name="outbox_subscription_unique_job_url"),
            models.UniqueConstraint(fields=["batch_id", "url"], name="outbox_subscription_unique_batch_url"),
        ]

    def __str__(self):
        return self.url


class Message(models.Model):
    """One event occurrence for one user. Its id is the `webhook-id` of every delivery and
    redelivery of it, so consumers can drop duplicates."""

    id = models.CharField(primary_key=True, max_length=40, default=new_message_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_messages")
    type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # The second finds the messages past their retention (services.prune_webhook_log).
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.id} ({self.type})"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        """Deliveries whose next attempt is due (a lapsed claim counts), oldest first."""
        return self.filter(next_attempt_at__lte=now).order_by("next_attempt_at", "id")

    def claim(self, delivery, *, until) -> bool:
        """Only the caller that still sees the delivery's due time may attempt it now. The
        claim books `until` (past the longest an attempt can take), so a worker killed
        mid-attempt loses nothing: the delivery is simply due again then."""
        claimed = self.filter(pk=delivery.pk, state=Delivery.State.PENDING, next_attempt_at=delivery.next_attempt_at)
        return claimed.update(next_attempt_at=until, attempt_count=F("attempt_count") + 1) == 1


class Delivery(models.Model):
    """One message on its way to one destination: a registered endpoint or a one-off URL."""

    class State(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # Where it goes: a one-off URL, or the endpoint's URL when the message was made (an
    # endpoint's deliveries follow its current URL).
    url = models.URLField(max_length=2000)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True, default=timezone.now)
    # Why a failed delivery stopped ("gave up after 8 attempts", "endpoint disabled", ...).
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.message_id} → {self.url} ({self.state})"

    @property
    def destination_url(self) -> str:
        return self.endpoint.url if self.endpoint is not None else self.url


class DeliveryAttempt(models.Model):
    """One try: when, what answered (an HTTP status, or the error), how fast, and the start
    of the answer's body."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField()
    response_snippet = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self):
        return f"{self.status_code or self.error} in {self.latency_ms} ms"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
