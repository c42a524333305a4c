"""Readiness: can this process do its work right now? Each check is one small round trip
to something the app needs; a failure says which, never how (no host names or messages in
the answer: it is public), and the full error goes to the log."""

import logging
import time
import uuid
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from jobs.services.webhook_health import webhook_health
from webhooks.verification import jwks_url

from . import selectors

logger = logging.getLogger(__name__)


class NotReady(Exception):
    """A check's own finding (as opposed to an error raised on the way)."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    ms: float
    detail: str = ""

    def as_json(self):
        return {"ok": self.ok, "ms": round(self.ms, 1), **({"detail": self.detail} if self.detail else {})}


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage():
    """Write, read back and delete a small file through the media storage (local or S3)."""
    token = uuid.uuid4().hex
    name = default_storage.save(f"readyz/{token}.txt", ContentFile(token.encode()))
    try:
        with default_storage.open(name, "rb") as stored:
            if stored.read().decode() != token:
                raise NotReady("the file read back differs from the one written")
    finally:
        default_storage.delete(name)


def check_cache():
    key, token = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, 30)
    try:
        if cache.get(key) != token:
            raise NotReady("the value read back differs from the one written")
    finally:
        cache.delete(key)


def check_worker():
    age = selectors.workers()["newest_age"]
    if age is None:
        raise NotReady("no task worker has reported")
    if age > settings.READYZ_WORKER_MAX_AGE_SECONDS:
        raise NotReady(f"the last worker heartbeat is {age:.0f} s old")
    return f"last heartbeat {age:.1f} s ago"


def check_fal():
    """fal (or the local engine) answers: its webhook key set, which every mode has and
    which costs nothing to read."""
    response = httpx.get(jwks_url(), timeout=settings.READYZ_FAL_TIMEOUT_SECONDS)
    if response.status_code != 200:
        raise NotReady(
            f"{'the local engine' if settings.FAL_MODE == 'local' else 'fal'} answered {response.status_code}"
        )
    return "local engine" if settings.FAL_MODE == "local" else "fal.ai"


CHECKS = {
    "database": check_database,
    "storage": check_storage,
    "cache": check_cache,
    "worker": check_worker,
    "fal": check_fal,
}


def webhooks() -> dict:
    """Whether fal's webhooks reach us (jobs.services.webhook_health), for /readyz. Said, not
    checked: unhealthy webhooks never make a process unready. The fleet makes up for them by
    polling every job densely, and taking processes out of service would not bring a single
    webhook back; the dashboard shows the same."""
    try:
        return webhook_health().as_json()
    except Exception as exc:
        logger.warning("Webhook health unknown: %s: %s", type(exc).__name__, exc)
        return {"state": "unknown", "healthy": None}


def readiness() -> dict[str, CheckResult]:
    """Run every check, each whatever the others did; {name: result}."""
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check() or ""
            ok = True
        except NotReady as exc:
            ok, detail = False, str(exc)
            logger.warning("Not ready: %s: %s", name, exc)
        except Exception as exc:
            # One line, not a traceback: a failing probe is asked again every few seconds.
            ok, detail = False, type(exc).__name__
            logger.warning("Not ready: %s check failed: %s: %s", name, type(exc).__name__, exc)
        results[name] = CheckResult(ok, (time.perf_counter() - started) * 1000, detail)
    return results
