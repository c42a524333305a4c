"""Whether fal's webhooks reach us: the fleet-wide fact that lets an unwatched job be polled
only a few times (jobs.schedule).

Measured on the newest WEBHOOK_HEALTH_SAMPLE completions (jobs whose end fal reported, by a
webhook or by a poll; a cancel that found the request finished counts as neither):

- *share*: the completions a verified webhook noticed first. Below WEBHOOK_HEALTH_MIN_SHARE,
  once at least MIN_SAMPLE completions are known, webhooks are unhealthy: many are lost,
  or late enough that polls beat them.
- *silence*: the time since a verified webhook last noticed a completion. Over
  WEBHOOK_SILENCE_SECONDS while at least SILENT_POLL_NOTICES completions were noticed by
  polls since, webhooks are unhealthy: they stopped (a quiet fleet would take long to move
  the share).

Cold start: until a verified webhook has noticed a completion, nothing shows that fal can
reach our webhook URL (a wrong PUBLIC_BASE_URL, a firewall, the signing keys out of reach),
so the fleet is treated as unhealthy ("unproven") and polls densely. That costs the dense
schedule's ~40 calls for the first job or two of a new installation; the first webhook that
arrives proves the route. Without a webhook URL at all (PUBLIC_BASE_URL empty) webhooks are
"off" and every job is polled densely.

When the fleet turns unhealthy, every booked check is made due at once, so the jobs waiting
on the sparse plan go back to the dense one now rather than at their next sparse check.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from jobs.models import Job

# Fewer completions than this say nothing about the share.
MIN_SAMPLE = 4
SILENT_POLL_NOTICES = 2
# The measure is shared by every process and redone at most this often.
MEASURE_EVERY_SECONDS = 5
CACHE_KEY = "jobs:webhook-health"
LAST_STATE_KEY = "jobs:webhook-health:last-state"

HEALTHY, UNHEALTHY, UNPROVEN, OFF = "healthy", "unhealthy", "unproven", "off"


@dataclass(frozen=True)
class WebhookHealth:
    state: str  # healthy, unhealthy, unproven (no webhook yet) or off (no webhook URL)
    reason: str  # one sentence for people (readyz, the dashboard)
    sample: int = 0  # completions measured
    by_webhook: int = 0  # of which a webhook noticed first
    last_webhook_at: datetime | None = None
    polls_since_last_webhook: int = 0

    @property
    def healthy(self) -> bool:
        return self.state == HEALTHY

    @property
    def webhook_share(self) -> float | None:
        return self.by_webhook / self.sample if self.sample else None

    def seconds_since_last_webhook(self, now=None) -> float | None:
        if self.last_webhook_at is None:
            return None
        return max(((now or timezone.now()) - self.last_webhook_at).total_seconds(), 0.0)

    def as_json(self) -> dict:
        since = self.seconds_since_last_webhook()
        share = self.webhook_share
        return {
            "state": self.state,
            "healthy": self.healthy,
            "reason": self.reason,
            "completions": self.sample,
            "noticed_by_webhook": self.by_webhook,
            "webhook_share": round(share, 3) if share is not None else None,
            "seconds_since_last_webhook": round(since, 1) if since is not None else None,
            "polls_since_last_webhook": self.polls_since_last_webhook,
        }


NO_WEBHOOK_URL = WebhookHealth(OFF, "No webhook URL (PUBLIC_BASE_URL is empty): every job is polled densely.")


def webhook_health() -> WebhookHealth:
    """The fleet's webhook health, measured at most every MEASURE_EVERY_SECONDS across
    processes. The first process to find it turned unhealthy makes every check due now."""
    if not settings.PUBLIC_BASE_URL:
        # This process's own setting (a CLI run's, say), not the fleet's: never shared.
        return NO_WEBHOOK_URL
    known = cache.get(CACHE_KEY)
    if known is not None:
        return WebhookHealth(**known)
    health = measure_webhook_health()
    cache.set(CACHE_KEY, asdict(health), MEASURE_EVERY_SECONDS)
    if cache.get(LAST_STATE_KEY) != health.state:
        cache.set(LAST_STATE_KEY, health.state, None)
        if not health.healthy:
            Job.objects.check_all_now()
    return health


def forget_measure():
    """The next webhook_health() measures afresh. A process without a webhook URL (a CLI
    run, which may have no shared cache at all) neither reads nor writes the measure."""
    if settings.PUBLIC_BASE_URL:
        cache.delete(CACHE_KEY)


def measure_webhook_health(now=None) -> WebhookHealth:
    """The measure itself, from the newest completions (two short index range reads)."""
    now = now or timezone.now()
    if not settings.PUBLIC_BASE_URL:
        return NO_WEBHOOK_URL
    size = settings.WEBHOOK_HEALTH_SAMPLE
    newest = Job.objects.order_by("-fal_finished_at").values_list("fal_finished_at", flat=True)
    # fal_finished_by is only ever written together with fal_finished_at: no None among these.
    by_webhook = cast("list[datetime]", list(newest.filter(fal_finished_by="webhook")[:size]))
    by_poll = cast("list[datetime]", list(newest.filter(fal_finished_by="poll")[:size]))
    sample = sorted([(at, True) for at in by_webhook] + [(at, False) for at in by_poll], reverse=True)[:size]
    webhooks = sum(1 for _, webhook in sample if webhook)
    last_webhook = by_webhook[0] if by_webhook else None
    polls_since = sum(1 for at, webhook in sample if not webhook and (last_webhook is None or at > last_webhook))
    figures: dict[str, Any] = {
        "sample": len(sample),
        "by_webhook": webhooks,
        "last_webhook_at": last_webhook,
        "polls_since_last_webhook": polls_since,
    }
    if last_webhook is None:
        return WebhookHealth(
            UNPROVEN, "No verified webhook has noticed a completion yet: every job is polled densely.", **figures
        )
    minimum = settings.WEBHOOK_HEALTH_MIN_SHARE
    if len(sample) >= MIN_SAMPLE and webhooks / len(sample) < minimum:
        reason = (
            f"Webhooks noticed {webhooks} of the last {len(sample)} completions "
            f"first (under {minimum:.0%}): every job is polled densely."
        )
        return WebhookHealth(UNHEALTHY, reason, **figures)
    silent_for = (now - last_webhook).total_seconds()
    if silent_for > settings.WEBHOOK_SILENCE_SECONDS and polls_since >= SILENT_POLL_NOTICES:
        reason = (
            f"No verified webhook for {silent_for:.0f} s while polls noticed "
            f"{polls_since} completions: every job is polled densely."
        )
        return WebhookHealth(UNHEALTHY, reason, **figures)
    return WebhookHealth(
        HEALTHY, f"Webhooks noticed {webhooks} of the last {len(sample)} completions first.", **figures
    )
