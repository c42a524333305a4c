"""The staff dashboard and /metrics on big tables: 10,000 then 100,000 ended jobs (and
their ledger entries) over the last two weeks, so the 7-day window holds half of them;
each page fetched through Django's test client (in process) and timed.

Prints, per window (1 h, 24 h, 7 d) and for /metrics: the median of several
GETs and the queries one GET ran, with the closed hours summed as the workers' chore sums
them (monitoring.summaries), then the 24 h and 7 d windows again without them ("rows only").
--drop-index measures without monitoring's three indexes
(jobs by finished_at and by state and model, the ledger by kind and amount), for comparison.

    .venv/bin/python bench/monitoring_dashboard.py [--runs 9] [--drop-index]
PostgreSQL by default (a fresh database, also when BENCH_DATABASE_URL names one);
SQLite: BENCH_DATABASE_URL=sqlite:////tmp/m.sqlite3
"""

import argparse
import copy
import os
import time
import uuid
from datetime import timedelta

import harness
from big_tables import timed

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/avatar_bench_monitoring"
STATES = ["completed"] * 16 + ["failed"] * 2 + ["cancelled", "timed_out"]
ERRORS = ["face_detection_error", "request_lost", "ingest_failed", "http_500"]
HISTORY = timedelta(days=14)


def fill(start, stop, users):
    """Jobs number start..stop, spread evenly over HISTORY back from now (so adding more
    keeps the table even), with the reserve / capture / release entries their ending leaves
    in the ledger."""
    from django.utils import timezone

    from credits.models import LedgerEntry
    from jobs.models import Job
    from jobs.registry import MODELS

    endpoints = [model.endpoint_id for model in MODELS.values()]
    now = timezone.now()
    template = Job(
        image_url="https://example.com/face.png",
        audio_url="https://example.com/speech.wav",
        audio_duration=8.0,
        submit_attempts=1,
    )
    jobs, entries = [], []
    for n in range(start, stop):
        finished = now - HISTORY * ((n - start) / (stop - start))
        state = STATES[n % len(STATES)]
        job = copy.copy(template)
        job.id, job.user, job.endpoint_id, job.state = (
            uuid.uuid4(),
            users[n % len(users)],
            endpoints[n % len(endpoints)],
            state,
        )
        job.created_at = finished - timedelta(seconds=500 + n % 97)
        job.submit_started_at = job.queued_at = job.created_at + timedelta(seconds=n % 13)
        job.started_at = job.queued_at + timedelta(seconds=20 + n % 41)
        job.fal_finished_at = finished - timedelta(seconds=2 + n % 5)
        job.finished_at = finished
        job.request_id = f"req-{n:08d}"
        if state == "completed":
            job.video_duration, job.video_size = 8.04, 1_234_567
        elif state in ("failed", "timed_out"):
            job.error_type = ERRORS[n % len(ERRORS)] if state == "failed" else "timeout"
            job.error = f"The model failed: {job.error_type}"
        jobs.append(job)
        entries.append(LedgerEntry(user=job.user, job=job, kind="reserve", amount=920, created_at=job.created_at))
        if state == "completed":
            entries.append(LedgerEntry(user=job.user, job=job, kind="capture", amount=920, created_at=finished))
        else:
            entries.append(LedgerEntry(user=job.user, job=job, kind="release", amount=920, created_at=finished))
    Job.objects.bulk_create(jobs, batch_size=5000)
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--drop-index", action="store_true")
    args = parser.parse_args()
    database = os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    if database.startswith("postgres"):
        harness.fresh_postgres(database)  # what it counts is only what it wrote
    harness.setup_django(METRICS_FLUSH_SECONDS=0)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from credits.models import LedgerEntry
    from monitoring import summaries
    from monitoring.models import JobHour

    if args.drop_index:
        with connection.cursor() as cursor:
            for index in (
                "jobs_job_finished_state_idx",
                "jobs_job_state_endpoint_idx",
                "credits_ledger_kind_amount_idx",
            ):
                cursor.execute(f"DROP INDEX {index}")
    User = get_user_model()
    users = [User.objects.create_user(f"bench-{n}") for n in range(args.users)]
    staff = Client()
    staff.force_login(User.objects.create_superuser("bench-admin"))
    from jobs.models import Job

    stamps = [LedgerEntry._meta.get_field("created_at"), Job._meta.get_field("created_at")]
    sizes = [int(size) for size in args.sizes.split(",")]
    done = 0
    print(f"database: {connection.vendor}{' (without the monitoring indexes)' if args.drop_index else ''}")
    for size in sizes:
        started = time.perf_counter()
        for stamp in stamps:  # the bench gives its rows their history
            stamp.auto_now_add = False
        fill(done, size, users)
        for stamp in stamps:
            stamp.auto_now_add = True
        done = size
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"\n{size:,} jobs (written in {time.perf_counter() - started:.1f} s)")
        JobHour.objects.all().delete()  # the hours just written into are summed again below
        pages = [
            ("dashboard, 1 h", "/admin/monitoring/?window=1h"),
            ("dashboard, 24 h", "/admin/monitoring/?window=24h"),
            ("dashboard, 7 d", "/admin/monitoring/?window=7d"),
            ("/metrics", "/metrics"),
        ]
        summing = time.perf_counter()
        while summaries.summarize_closed_hours():  # what the workers' chore does
            pass
        summing = time.perf_counter() - summing
        print(f"load average {os.getloadavg()[0]:.1f}; the closed hours summed in {summing:.1f} s")
        print(f"{'page':<32} {'median':>9} {'queries (ms in SQL)':>21} {'touched':>15}")
        pages += [(f"{label}, rows only", url) for label, url in pages[1:3]]
        for label, url in pages:
            if label.endswith("rows only"):  # without the summaries: every row counted
                JobHour.objects.all().delete()
            figures = timed(staff, url, args.runs)
            print(
                f"{label:<32} {figures['ms']:7.1f}ms {figures['queries']:9d} ({figures['sql_ms']:6.1f} ms)"
                f" {figures['buffers']:9d} pages"
            )


if __name__ == "__main__":
    main()
