"""What the versioned API keeps of its own: named access tokens and idempotency keys."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "avs_"


def hash_secret(secret: str) -> str:
    # Tokens are 32 random bytes: a fast hash is enough (nothing to brute-force), and lets
    # every request find its token with one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named API token. Only its hash is stored: the secret is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the secret, kept to tell tokens apart in lists.
    prefix = models.CharField(max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name) -> tuple["ApiToken", str]:
        """Create a token; returns it with its secret, which is never available again."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=secret[:10], secret_hash=hash_secret(secret))
        return token, secret

    @classmethod
    def name_problem(cls, user, name) -> str | None:
        """Why `user` may not create a token called `name` now (None when they may)."""
        active = cls.objects.active().filter(user=user)
        if active.filter(name=name).exists():
            return "You already have a token with this name."
        if active.count() >= settings.MAX_API_TOKENS_PER_USER:
            return f"You have {settings.MAX_API_TOKENS_PER_USER} tokens, the most one may have; revoke one first."
        return None

    def revoke(self):
        ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class IdempotencyKey(models.Model):
    """The first answer to a POST made with an `Idempotency-Key`, replayed to every retry
    with the same key and body (per user, for IDEMPOTENCY_KEY_HOURS)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # What the key was used for: method, path and a hash of the body.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Empty until the first request has its answer; a retry meanwhile is told to wait.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return self.key
