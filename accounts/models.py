"""Invitations: with SIGNUP_MODE=invite, a new account needs the code of an unused Invite,
which staff make in the admin. Each code makes one account."""

import secrets

from django.conf import settings
from django.db import models


def new_invite_code():
    return secrets.token_urlsafe(12)


class Invite(models.Model):
    code = models.CharField(max_length=32, unique=True, default=new_invite_code, editable=False)
    note = models.CharField(max_length=200, blank=True, help_text="Who it is for (seen by staff only).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invite",
        editable=False,
    )
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invite {self.code}" + (f" ({self.note})" if self.note else "")
