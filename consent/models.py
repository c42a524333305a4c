"""A single photograph is all a talking avatar needs, which makes it easy to animate someone
who never agreed. So uploaders confirm they may use the face (and that is kept, with who,
when, from where and the words they agreed to), and staff can block a picture for good.

Portraits are known by the SHA-256 of their bytes: the same picture uploaded again, by anyone,
through any door, is the same portrait."""

from django.conf import settings
from django.db import models

# The words a person agrees to, kept with each confirmation (a change of wording is recorded
# as what it was then).
CONSENT_TEXT = "I am the person in this portrait, or I have their permission to make a talking video of them."


class PortraitConsent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portrait_consents")
    image_sha256 = models.CharField(max_length=64, db_index=True)
    job_id = models.UUIDField(null=True, blank=True, db_index=True, help_text="The job it was given for.")
    agreed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    text = models.TextField(help_text="The words they agreed to.")

    class Meta:
        ordering = ["-agreed_at"]

    def __str__(self):
        return f"{self.user} confirmed {self.image_sha256[:12]} at {self.agreed_at:%Y-%m-%d %H:%M}"


class BlockedPortrait(models.Model):
    image_sha256 = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    blocked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Blocked portrait {self.image_sha256[:12]}"
