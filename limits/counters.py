"""Fixed-window counters in the shared cache: how often someone did something lately.

The cache is shared by every web and worker process (the database cache by default, Redis
through CACHE_URL), never one process's memory, so a limit holds however many processes
answer. `add` + `incr` is atomic on Redis; on the database cache two requests landing in
the same instant may both pass, which a limit of this kind can afford.
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
        unit = period[len(digits):].rstrip("s")
        return cls(int(count), int(digits or 1) * PERIODS[unit])


def _bucket(key, rate):
    return f"limits:{key}:{rate.window}:{int(time.time() // rate.window)}"


def _seconds_left(rate):
    return max(1, int(rate.window - time.time() % rate.window))


def hit(key: str, rate: Rate) -> int | None:
    """Count one more for `key`; the seconds to wait when that is over the rate, else None."""
    bucket = _bucket(key, rate)
    cache.add(bucket, 0, rate.window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, rate.window + 1)
        count = 1
    return _seconds_left(rate) if count > rate.limit else None


def exhausted(key: str, rate: Rate) -> int | None:
    """The seconds to wait if `key` has used up its rate, without counting; else None."""
    return _seconds_left(rate) if cache.get(_bucket(key, rate), 0) >= rate.limit else None


def forget(key: str, rate: Rate):
    cache.delete(_bucket(key, rate))
