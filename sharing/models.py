"""A finished video shown to people without an account, through an unguessable link."""

import secrets

from django.db import models
from django.db.models import F
from django.utils import timezone

from jobs.models import Job, JobState


def new_token() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits: 24 URL-safe characters


class ShareLinkQuerySet(models.QuerySet):
    def live(self):
        """Links that still open: not expired, to a video that is still there."""
        now = timezone.now()
        unexpired = models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        return self.filter(unexpired, job__state=JobState.COMPLETED).exclude(job__video="")


class ShareLink(models.Model):
    """At most one link per video. Revoking deletes the row, so the page and its media are
    gone at once; sharing again makes a new token."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="share_link")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the link never expires.")
    views = models.PositiveIntegerField(default=0, help_text="Times the player page or the embed was opened.")

    objects = ShareLinkQuerySet.as_manager()

    def __str__(self):
        return f"Share link to {self.job}"

    def count_view(self):
        ShareLink.objects.filter(pk=self.pk).update(views=F("views") + 1)
