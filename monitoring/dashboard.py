"""The staff dashboard's numbers for one window (1 h, 24 h, 7 d): a fixed, small number of
aggregate queries, whatever the size of the tables (each range-scans an index on the
window: jobs by finished_at, the ledger by created_at)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from credits.models import LedgerEntry
from jobs.models import UNFINISHED_STATES, Job, JobState
from jobs.services.webhook_health import measure_webhook_health

from . import charts, selectors, summaries
from .aggregates import Percentile, Seconds


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    span: timedelta
    step: timedelta
    step_label: str
    tick_format: str  # strftime for bucket labels


WINDOWS = {
    window.key: window
    for window in (
        Window("1h", "1 hour", timedelta(hours=1), timedelta(minutes=5), "5 minutes", "%H:%M"),
        Window("24h", "24 hours", timedelta(hours=24), timedelta(hours=1), "hour", "%H:%M"),
        Window("7d", "7 days", timedelta(days=7), timedelta(hours=6), "6 hours", "%a %H:%M"),
    )
}
DEFAULT_WINDOW = "24h"

OUTCOMES = [  # (state, label, chart colour class)
    (JobState.COMPLETED, "Completed", "completed"),
    (JobState.FAILED, "Failed", "failed"),
    (JobState.TIMED_OUT, "Timed out", "timed-out"),
    (JobState.CANCELLED, "Cancelled", "cancelled"),
]
FAILURE_STATES = (JobState.FAILED, JobState.TIMED_OUT)
# A completed job's time, step by step: (key, label, later timestamp, earlier timestamp).
STEPS = [
    ("slot", "Waiting for a slot (ours)", "queued_at", "created_at"),
    ("queue", "In fal's queue", "started_at", "queued_at"),
    ("processing", "Processing at fal", "fal_finished_at", "started_at"),
    ("ingest", "Storing the video", "finished_at", "fal_finished_at"),
    ("total", "Created to completed", "finished_at", "created_at"),
]
TOP_FAILURE_REASONS = 8
# Hours a window may count from the rows beside the summed ones (the hour now, the one before
# and the one the chore waits GRACE to close); more means no worker sums them: count the rows.
MOST_LIVE_HOURS = 3
RECENT_FAILURES = 15


def buckets(window: Window, now: datetime) -> list[tuple[datetime, datetime]]:
    """The window as consecutive steps on round boundaries, the last one holding `now`."""
    step = window.step.total_seconds()
    end = datetime.fromtimestamp((now.timestamp() // step + 1) * step, tz=now.tzinfo)
    count = int(window.span / window.step)
    return [(end - window.step * (count - n), end - window.step * (count - n - 1)) for n in range(count)]


def _in(field, start, end):
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def outcomes_per_bucket(spans):
    """{state: [jobs that ended in that state, per bucket]} by when they ended."""
    start, end = spans[0][0], spans[-1][1]
    # Counting finished_at (never NULL here), not the id: the (finished_at, state) index alone answers it.
    per_bucket = {f"b{n}": Count("finished_at", filter=_in("finished_at", *span)) for n, span in enumerate(spans)}
    rows = Job.objects.filter(_in("finished_at", start, end)).order_by().values("state").annotate(**per_bucket)
    counts = {state: [0] * len(spans) for state, _, _ in OUTCOMES}
    for row in rows:
        if row["state"] in counts:
            counts[row["state"]] = [row[f"b{n}"] for n in range(len(spans))]
    return counts


def completed_timings(spans):
    """p50/p95 of each step of the jobs completed in the window, and per bucket the p50/p95
    of their wait before processing (creation until fal started it)."""
    start, end = spans[0][0], spans[-1][1]
    measures = {}
    for key, _, later, earlier in STEPS:
        for p in (50, 95):
            measures[f"{key}_p{p}"] = Percentile(Seconds(later, earlier), p / 100)
    wait = Seconds("started_at", "created_at")
    for n, span in enumerate(spans):
        for p in (50, 95):
            measures[f"wait{n}_p{p}"] = Percentile(wait, p / 100, filter=_in("finished_at", *span))
    measures["completed"] = Count("pk")
    return Job.objects.filter(_in("finished_at", start, end), state=JobState.COMPLETED).aggregate(**measures)


def credits_in(spans):
    """Credits reserved, charged and released in the window, and charged per bucket."""
    start, end = spans[0][0], spans[-1][1]
    Kind = LedgerEntry.Kind
    sums = {kind.value: Sum("amount", filter=Q(kind=kind), default=0) for kind in LedgerEntry.JOB_KINDS}
    for n, span in enumerate(spans):
        sums[f"b{n}"] = Sum("amount", filter=Q(kind=Kind.CAPTURE) & _in("created_at", *span), default=0)
    return LedgerEntry.objects.filter(_in("created_at", start, end), kind__in=LedgerEntry.JOB_KINDS).aggregate(**sums)


def failure_reasons(start, end):
    failed = (
        Job.objects.filter(_in("finished_at", start, end), state__in=FAILURE_STATES).order_by().values("error_type")
    )
    return list(
        failed.annotate(jobs=Count("pk"), last=Max("finished_at")).order_by("-jobs", "-last")[:TOP_FAILURE_REASONS]
    )


def recent_failures(start, end):
    failed = Job.objects.filter(_in("finished_at", start, end), state__in=FAILURE_STATES).select_related("user")
    fields = ("id", "state", "endpoint_id", "error", "error_type", "request_id", "finished_at", "user__username")
    return list(failed.only(*fields).order_by("-finished_at")[:RECENT_FAILURES])


def in_flight():
    # The states named (not "all but the finished ones"), so the state index finds them.
    return dict(
        Job.objects.filter(state__in=UNFINISHED_STATES).order_by().values_list("state").annotate(jobs=Count("pk"))
    )


def counted_from_rows(spans):
    """The window's counts, timings, credits and failure reasons, from the rows themselves."""
    start, end = spans[0][0], spans[-1][1]
    created = Job.objects.filter(_in("created_at", start, end)).count()
    return (
        outcomes_per_bucket(spans),
        completed_timings(spans),
        credits_in(spans),
        created,
        failure_reasons(start, end),
    )


def counted_from_hours(spans, hours):
    """The same figures from hourly summaries (monitoring.summaries): counts and credits
    exact, percentiles from the summaries' histograms."""
    in_bucket: list[list[dict]] = [[] for _ in spans]
    step = spans[0][1] - spans[0][0]
    for hour, summary in hours.items():
        in_bucket[int((hour - spans[0][0]) / step)].append(summary)
    per_bucket = [summaries.merged(bucket) for bucket in in_bucket]
    whole = summaries.merged(per_bucket)
    outcomes = {state: [bucket["ended"][state] for bucket in per_bucket] for state, _, _ in OUTCOMES}
    timings = {
        f"{key}_p{p}": summaries.percentile(whole["steps"][key], p / 100) for key, _, _, _ in STEPS for p in (50, 95)
    }
    for n, bucket in enumerate(per_bucket):
        for p in (50, 95):
            timings[f"wait{n}_p{p}"] = summaries.percentile(bucket["steps"]["wait"], p / 100)
    timings["completed"] = whole["ended"][JobState.COMPLETED]
    credits = {kind.value: whole["credits"][kind.value] for kind in LedgerEntry.JOB_KINDS}
    for n, bucket in enumerate(per_bucket):
        credits[f"b{n}"] = bucket["credits"][LedgerEntry.Kind.CAPTURE.value]
    reasons = [
        {"error_type": reason, "jobs": jobs, "last": datetime.fromisoformat(last)}
        for reason, (jobs, last) in whole["reasons"].items()
    ]
    reasons.sort(key=lambda row: (-row["jobs"], -row["last"].timestamp()))
    return outcomes, timings, credits, whole["created"], reasons[:TOP_FAILURE_REASONS]


def board(window: Window, now=None) -> dict:
    now = now or timezone.now()
    spans = buckets(window, now)
    start, end = spans[0][0], spans[-1][1]
    labels = [timezone.localtime(span_start).strftime(window.tick_format) for span_start, _ in spans]

    # Windows counted by the hour read the hours a worker has summed, and count only the last
    # few from the rows; without those summaries (no worker yet) they count every row.
    hours = None
    if window.step >= summaries.HOUR:
        hours = summaries.window_hours(start, end, now, most_live=MOST_LIVE_HOURS)
    counted = counted_from_rows(spans) if hours is None else counted_from_hours(spans, hours)
    outcomes, timings, credits, created, reasons = counted
    ended = {state: sum(counts) for state, counts in outcomes.items()}
    finished = sum(ended.values())
    wait_p50 = [timings[f"wait{n}_p50"] for n in range(len(spans))]
    wait_p95 = [timings[f"wait{n}_p95"] for n in range(len(spans))]
    charged = [credits[f"b{n}"] for n in range(len(spans))]
    return {
        "start": start,
        "end": end,
        "created": created,
        "ended": [(label, css, ended[state]) for state, label, css in OUTCOMES],
        "finished": finished,
        "success_rate": ended[JobState.COMPLETED] / finished if finished else None,
        "in_flight": in_flight(),
        "outcome_rows": [
            (labels[n], spans[n][0], [outcomes[state][n] for state, _, _ in OUTCOMES]) for n in range(len(spans))
        ],
        "outcome_chart": charts.stacked_bars(
            labels, [(label, css, outcomes[state]) for state, label, css in OUTCOMES]
        ),
        "steps": [(label, timings[f"{key}_p50"], timings[f"{key}_p95"]) for key, label, _, _ in STEPS],
        "steps_chart": charts.step_bars(
            [(label, timings[f"{key}_p50"], timings[f"{key}_p95"]) for key, label, _, _ in STEPS[:-1]]
        ),
        "completed": timings["completed"],
        "wait_rows": list(zip(labels, wait_p50, wait_p95)),
        "wait_chart": charts.lines(labels, [("p50", "p50", wait_p50), ("p95", "p95", wait_p95)], unit="s"),
        "credits": {kind: credits[kind] for kind in ("reserve", "capture", "release")},
        "credit_rows": list(zip(labels, charged)),
        "credit_chart": charts.stacked_bars(labels, [("Charged", "charged", charged)]),
        "failure_reasons": reasons,
        "recent_failures": recent_failures(start, end),
        "workers": selectors.workers(now),
        "tasks": selectors.task_queue(now),
        "webhooks": measure_webhook_health(now),
    }
