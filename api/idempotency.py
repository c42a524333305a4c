"""`Idempotency-Key` on POSTs that create something: a retry with the same key and body gets
the first answer again (status and body) instead of a second object; the same key with
another body is refused (422). Keys are per user and last IDEMPOTENCY_KEY_HOURS.

Only successful answers are kept: a request refused for its input, the balance or a limit
created nothing, so the key stays free for the corrected retry. A secret in an answer (a
token's, a webhook endpoint's) is never kept: it is shown once, and a replay answers without
it. Expired keys are deleted by the workers (key_pruning).
"""

import hashlib
import json
import time
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from workers import chores

from .models import IdempotencyKey

MAX_KEY_LENGTH = 255
# A retry arriving while the first request is still running waits this long for its answer.
WAIT_FOR_FIRST_SECONDS = 10.0
# A key whose first request never answered (its process died) is taken over after this.
ABANDONED_AFTER = timedelta(minutes=2)


def idempotent(request, create, *, secret_fields=()):
    """Run `create()` (which returns a Response) at most once per user and key. The answer's
    `secret_fields` are left out of what is kept, so a replay answers without them."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create()
    if not key.strip() or len(key) > MAX_KEY_LENGTH or _has_control_characters(key):
        return _error(
            status.HTTP_400_BAD_REQUEST,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
        )
    fingerprint = _fingerprint(request)
    record = _claim(request.user, key, fingerprint)
    if record.fingerprint != fingerprint:
        return _error(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request; use a new key for a new request.",
        )
    if not record.claimed_now:
        return _replay(record)
    try:
        response = create()
    except BaseException:
        record.delete()
        raise
    if 200 <= response.status_code < 300:
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        if isinstance(body, dict):
            body = {name: value for name, value in body.items() if name not in secret_fields}
        IdempotencyKey.objects.filter(pk=record.pk).update(status_code=response.status_code, body=body)
    else:
        record.delete()
    return response


def _claim(user, key, fingerprint):
    now = timezone.now()
    IdempotencyKey.objects.filter(
        user=user, created_at__lt=now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint, created_at=now)
        record.claimed_now = True
        return record
    except IntegrityError:
        pass
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:  # the first request was refused and let the key go meanwhile
        return _claim(user, key, fingerprint)
    abandoned = IdempotencyKey.objects.filter(
        pk=record.pk, status_code__isnull=True, created_at__lt=now - ABANDONED_AFTER, fingerprint=fingerprint
    )
    record.claimed_now = abandoned.update(created_at=now) == 1
    return record


def _replay(record):
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while record.status_code is None and time.monotonic() < deadline:
        time.sleep(0.05)
        record = IdempotencyKey.objects.filter(pk=record.pk).first()
        if record is None:  # the first request was refused: nothing was made, nothing to replay
            return _error(
                status.HTTP_409_CONFLICT,
                "idempotency_key_in_progress",
                "The first request with this Idempotency-Key was just refused; send it again.",
            )
    if record.status_code is None:
        response = _error(
            status.HTTP_409_CONFLICT,
            "idempotency_key_in_progress",
            "A request with this Idempotency-Key is still running; retry shortly.",
        )
        response["Retry-After"] = "1"
        return response
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    if record.status_code == status.HTTP_201_CREATED and isinstance(record.body, dict) and record.body.get("url"):
        response["Location"] = record.body["url"]  # as the first answer had it (v1 objects carry their url)
    return response


# Keys deleted per call.
PRUNE_BATCH = 1000


def prune_expired_keys() -> int:
    """Delete keys older than IDEMPOTENCY_KEY_HOURS, whoever they belong to; returns how many
    went. (A user's own expired keys also go when they next send a key: see _claim.)"""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    return chores.delete_some(IdempotencyKey.objects.filter(created_at__lt=cutoff), PRUNE_BATCH)


def key_pruning():
    """Every running worker deletes expired idempotency keys once an hour."""
    return chores.Every(3600, prune_expired_keys)


def _has_control_characters(key) -> bool:
    # None belongs in a key, and PostgreSQL can't store a NUL (it was a 500 there).
    return any(unicodedata.category(character) == "Cc" for character in key)


def _fingerprint(request) -> str:
    """Method, path and body, the same however a client orders JSON keys or multipart parts."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body
        for name, values in sorted(data.lists()):
            for value in values:
                digest.update(f"{name}=".encode())
                if isinstance(value, UploadedFile):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\n")
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _error(status_code, code, detail):
    return Response({"detail": detail, "code": code}, status=status_code)
