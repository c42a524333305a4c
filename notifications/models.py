"""Who wants to hear when their work is done, and the e-mails owed to them.

An e-mail is owed (Notification) in the same transaction that finishes its job or batch, and
sent later by a worker: never inside a request or that transaction, so a slow or failing mail
server holds up nothing and a rolled-back ending owes nothing. A job or a batch owes at most
one (unique constraints), which is what makes a replayed ending send nothing twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Preference(models.Model):
    """A user's default; absent means no e-mails (opt-in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    email_when_done = models.BooleanField(default=False, help_text="E-mail me when a job or a batch finishes.")

    def __str__(self):
        return f"Notification preference of {self.user}"


class JobChoice(models.Model):
    """One job's own answer (`notify` on the API), over the user's default."""

    job = models.OneToOneField(
        "jobs.Job", on_delete=models.CASCADE, primary_key=True, related_name="notification_choice"
    )
    notify = models.BooleanField()

    def __str__(self):
        return f"{self.job_id}: notify={self.notify}"


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(sent_at__isnull=True, next_attempt_at__lte=now)

    def claim(self, notification_id, *, until) -> bool:
        """Only the worker whose conditional UPDATE moves the due time on sends it; the claim
        lapses at `until` if that worker dies, and the e-mail is due again."""
        now = timezone.now()
        claimed = (
            self.due(now)
            .filter(pk=notification_id)
            .update(next_attempt_at=until, attempt_count=models.F("attempt_count") + 1)
        )
        return claimed == 1


class Notification(models.Model):
    class Kind(models.TextChoices):
        JOB = "job", "A job finished"
        BATCH = "batch", "A batch finished"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.CASCADE, null=True, blank=True, related_name="notification"
    )
    batch = models.OneToOneField(
        "batches.Batch", on_delete=models.CASCADE, null=True, blank=True, related_name="notification"
    )
    subject = models.CharField(max_length=250)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="notifications_due_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="job", job__isnull=False, batch__isnull=True)
                | models.Q(kind="batch", job__isnull=True, batch__isnull=False),
                name="notifications_one_subject",
            )
        ]

    def __str__(self):
        return self.subject

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt: a mail system that got the e-mail from an
        attempt whose end we never saw (a worker killed mid-send) drops the repeat."""
        return f"<{self.id}@avatar-studio>"
