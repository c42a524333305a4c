"""Fixed-window counters in the shared cache: how often someone did something lately.

The cache is shared by every web and worker process (the database cache by default, Redis
through CACHE_URL), never one process's memory, so a limit holds however many processes
answer. `add` and `incr` are atomic on both (limits/cache.py makes the database cache's
`incr` so): requests counted in the same instant each get a count of their own, so the
(limit + 1)th is refused whatever the concurrency.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'10/minute', '5/15minute' (5 per 15 minutes), '300/hour'."""
        count, _, period = text.partition("/")
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period[len(digits) :].rstrip("s")
        return cls(int(count), int(digits or 1) * PERIODS[unit])


def _bucket(key, rate):
    return f"limits:{key}:{rate.window}:{int(time.time() // rate.window)}"


def _seconds_left(rate):
    return max(1, int(rate.window - time.time() % rate.window))


def hit(key: str, rate: Rate) -> int | None:
    """Count one more for `key`; the seconds to wait when that is over the rate, else None.
    Counts before the caller acts, so callers racing each other can't all pass."""
    bucket = _bucket(key, rate)
    cache.add(bucket, 0, rate.window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr: start it again
        cache.add(bucket, 0, rate.window + 1)
        count = cache.incr(bucket)
    return _seconds_left(rate) if count > rate.limit else None


def give_back(key: str, rate: Rate):
    """Take back one count of `key`'s (an attempt that turned out not to count against it)."""
    try:
        cache.decr(_bucket(key, rate))
    except ValueError:  # its window has passed: nothing to give back
        pass


def wait_in_words(seconds: int) -> str:
    """A wait as people say it in a refusal: "1 minute", "15 minutes" (never "0 minutes")."""
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def forget(key: str, rate: Rate):
    cache.delete(_bucket(key, rate))
