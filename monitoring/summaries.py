"""The dashboard's hours, summed once they are over: how many jobs were created and ended
(by state), the credits moved, the failure reasons, and each step's time as a histogram.

A worker chore writes one `JobHour` per closed hour (its jobs' rows no longer change once the
hour is over by GRACE); the 24-hour and 7-day windows then read those few rows and sum only
the hours since from the jobs themselves, so their cost does not grow with the jobs in the
window. Counts and credits are exact. Percentiles come from histograms whose bins are 1 %
wide (a value is kept as the bin's middle: within 0.5 % of itself).
"""

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from credits.models import LedgerEntry
from jobs.models import Job, JobState

from .models import JobHour

HOUR = timedelta(hours=1)
# A job's row is final once its hour has been over this long (it ends, and commits, within it).
GRACE = timedelta(minutes=10)
# How far back the chore starts when it has summed nothing yet: the widest window, and a day.
KEPT = timedelta(days=8)
HOURS_PER_CALL = 24
BIN_RATIO = 1.01
FAILURE_STATES = (JobState.FAILED, JobState.TIMED_OUT)
# A completed job's steps: (key, later timestamp, earlier timestamp); "wait" is the time
# before processing that the dashboard draws per bucket.
STEPS = [
    ("slot", "queued_at", "created_at"),
    ("queue", "started_at", "queued_at"),
    ("processing", "fal_finished_at", "started_at"),
    ("ingest", "finished_at", "fal_finished_at"),
    ("total", "finished_at", "created_at"),
    ("wait", "started_at", "created_at"),
]
_STAMPS = sorted({field for _, later, earlier in STEPS for field in (later, earlier)})


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def empty() -> dict:
    return {"created": 0, "ended": {}, "credits": {}, "reasons": {}, "steps": {}}


def _bin(seconds: float) -> str:
    if seconds == 0:
        return "0"
    # The bin's exponent, then the sign: "-70+" is 1.01 ** -70 s (0.5 s), "3-" is -1.03 s.
    return f"{round(math.log(abs(seconds), BIN_RATIO))}{'-' if seconds < 0 else '+'}"


def _bin_value(key: str) -> float:
    if key == "0":
        return 0.0
    value = BIN_RATIO ** int(key[:-1])
    return -value if key[-1] == "-" else value


def hours_between(start: datetime, end: datetime) -> dict[datetime, dict]:
    """{hour: summary} for every hour in [start, end) (both on the hour), from the jobs' and
    the ledger's rows: five queries, whatever the number of hours."""
    summaries: dict[datetime, dict] = {start + HOUR * n: empty() for n in range(int((end - start) / HOUR))}

    def at(moment):
        return summaries[floor_hour(moment)]

    def in_range(field):
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    def by_hour(field):
        return TruncHour(field, tzinfo=UTC)

    created = Job.objects.filter(in_range("created_at")).order_by()
    for row in created.values(h=by_hour("created_at")).annotate(n=Count("*")):
        at(row["h"])["created"] = row["n"]
    ended = Job.objects.filter(in_range("finished_at")).order_by()
    for row in ended.values("state", h=by_hour("finished_at")).annotate(n=Count("*")):
        at(row["h"])["ended"][row["state"]] = row["n"]
    ledger = LedgerEntry.objects.filter(in_range("created_at"), kind__in=LedgerEntry.JOB_KINDS).order_by()
    for row in ledger.values("kind", h=by_hour("created_at")).annotate(total=Sum("amount")):
        at(row["h"])["credits"][row["kind"]] = row["total"]
    failed = ended.filter(state__in=FAILURE_STATES)
    for row in failed.values("error_type", h=by_hour("finished_at")).annotate(n=Count("*"), last=Max("finished_at")):
        at(row["h"])["reasons"][row["error_type"]] = [row["n"], row["last"].isoformat()]
    completed = ended.filter(state=JobState.COMPLETED).values_list("finished_at", *_STAMPS)
    for finished_at, *stamps in completed.iterator(chunk_size=2000):
        moments = dict(zip(_STAMPS, stamps))
        steps = at(finished_at)["steps"]
        for key, later, earlier in STEPS:
            if moments[later] is not None and moments[earlier] is not None:
                bins = steps.setdefault(key, {})
                name = _bin((moments[later] - moments[earlier]).total_seconds())
                bins[name] = bins.get(name, 0) + 1
    return summaries


def summarize_closed_hours(now=None) -> int:
    """Sum the next closed hours not yet summed (up to a day of them); returns how many. The
    worker chore: called again at once while it finds hours, else a minute later."""
    now = now or timezone.now()
    last_closed = floor_hour(now - GRACE) - HOUR
    latest = JobHour.objects.aggregate(latest=Max("hour"))["latest"]
    first = max(latest + HOUR if latest else floor_hour(now - KEPT), floor_hour(now - KEPT))
    if first > last_closed:
        return 0
    upto = min(last_closed + HOUR, first + HOUR * HOURS_PER_CALL)
    rows = [JobHour(hour=hour, summary=summary) for hour, summary in hours_between(first, upto).items()]
    JobHour.objects.bulk_create(rows, update_conflicts=True, unique_fields=["hour"], update_fields=["summary"])
    return len(rows)


def summary_chore():
    from workers.chores import Every

    return Every(60, summarize_closed_hours)


def window_hours(start: datetime, end: datetime, now: datetime, most_live: int) -> dict[datetime, dict] | None:
    """Every hour of [start, end) up to now, summed: the stored hours from `start` on, then
    the rest from the rows. None when more than `most_live` hours are not stored (no worker
    has summed them): the caller then counts the window from the rows."""
    stored = dict(JobHour.objects.filter(hour__gte=start, hour__lt=end).values_list("hour", "summary"))
    cut = start
    while cut in stored:
        cut += HOUR
    live_end = min(end, floor_hour(now) + HOUR)
    if cut < live_end and (live_end - cut) / HOUR > most_live:
        return None
    hours = {hour: stored[hour] for hour in stored if hour < cut}
    if cut < live_end:
        hours.update(hours_between(cut, live_end))
    return hours


def merged(summaries) -> dict:
    """One summary of several: counts and credits added, histograms and reasons merged."""
    total = {"created": 0, "ended": Counter(), "credits": Counter(), "reasons": {}, "steps": defaultdict(Counter)}
    for summary in summaries:
        total["created"] += summary["created"]
        total["ended"].update(summary["ended"])
        total["credits"].update(summary["credits"])
        for reason, (jobs, last) in summary["reasons"].items():
            known = total["reasons"].get(reason, [0, last])
            total["reasons"][reason] = [known[0] + jobs, max(known[1], last)]
        for key, bins in summary["steps"].items():
            total["steps"][key].update(bins)
    return total


def percentile(bins, fraction: float) -> float | None:
    """The `fraction` percentile of the values counted in `bins` (as percentile_cont: linear
    between the two nearest values), each value taken as its bin's middle."""
    values = sorted((_bin_value(key), count) for key, count in bins.items() if count)
    total = sum(count for _, count in values)
    if not total:
        return None
    position = fraction * (total - 1)
    lower, upper = math.floor(position), min(math.floor(position) + 1, total - 1)
    low = high = None
    seen = 0
    for value, count in values:
        if low is None and lower < seen + count:
            low = value
        if upper < seen + count:
            high = value
            break
        seen += count
    return low + (high - low) * (position - lower)
