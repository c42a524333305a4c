"""Every list and search page on a big jobs table: N jobs (10,000 and 100,000 by default)
over a year for a handful of users, every fal slot taken and 100 jobs waiting for one (half
of them the first user's newest), each job with its credit hold in the ledger. Each page is
fetched through Django's test client (in process: no HTTP, no server) and timed.

Pages: the admin job list (unfiltered, by state), the admin search by request id, by job id
and by username, the gallery's first, middle and last pages, the v1 job list at 100 per page
(unfiltered, by status, model and creation time), and the monitoring dashboard's 7 days.
Prints the median of --runs GETs, the queries one GET ran (with their milliseconds), and the
database pages those queries touched (EXPLAIN (ANALYZE, BUFFERS)): on a shared machine the
times swing with the load, the pages touched do not.

Each (tree, size) gets a fresh PostgreSQL database migrated by that tree's own code, in a
child process, so before and after run side by side:
    git worktree add --detach /tmp/adm-main main     # the code before
    .venv/bin/python bench/big_tables.py --before /tmp/adm-main [--jobs 10000 100000] [--runs 7]
Without --before only this tree is measured. BENCH_DATABASE_URL: another database (dropped
and created afresh); default postgres://postgres@127.0.0.1:5432/avs_admission_bench.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

THIS_TREE = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/avs_admission_bench"
USERS = 5
WAITING = 100
# Where finished jobs end up, roughly as in production: most complete, some fail.
ENDINGS = ["completed"] * 16 + ["failed"] * 2 + ["cancelled", "timed_out"]


def setup(tree):
    """Django from `tree` (its code, its migrations) on a fresh database."""
    sys.path.insert(0, str(THIS_TREE / "bench"))
    import harness

    database = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES
    harness.fresh_postgres(database)
    workdir = Path(tempfile.mkdtemp(prefix="avatar-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database,
        MEDIA_ROOT=str(workdir / "media"),
        ENGINE_STORAGE_DIR=str(workdir / "engine"),
        LOG_LEVEL="WARNING",
        THROTTLE_READ="1000000000/minute",
        METRICS_FLUSH_SECONDS="0",
    )
    os.environ.pop("FAL_KEY", None)
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def fill(job_count):
    """job_count jobs round-robin over USERS, one every few minutes back from now: the newest
    WAITING wait for a slot, the MAX_JOBS_AT_FAL before them hold one, the rest have ended."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from credits.models import LedgerEntry
    from jobs.models import Job
    from jobs.registry import MODELS

    users = [get_user_model().objects.create_user(f"bench-{n}") for n in range(USERS)]
    endpoints = [model.endpoint_id for model in MODELS.values()]
    now = timezone.now()
    step = timedelta(days=365) / job_count
    at_fal = settings.MAX_JOBS_AT_FAL
    stamps = [Job._meta.get_field("created_at"), LedgerEntry._meta.get_field("created_at")]
    for stamp in stamps:
        stamp.auto_now_add = False  # the bench wants a year of history
    for start in range(0, job_count, 5000):
        jobs, entries = [], []
        for n in range(start, min(start + 5000, job_count)):  # n = 0 is the newest
            created = now - step * n
            user = users[0] if n < WAITING and n % 2 == 0 else users[n % USERS]
            job = Job(
                id=uuid.uuid4(),
                user=user,
                endpoint_id=endpoints[n % len(endpoints)],
                audio_duration=8.0,
                prompt=f"Bench video {n}: a friendly hello from the big table",
                title=f"Hello {n}",
                image_url="https://example.com/face.png",
                audio_url="https://example.com/speech.wav",
                created_at=created,
            )
            if n >= WAITING:
                job.request_id, job.submit_attempts, job.submit_started_at = str(uuid.UUID(int=n)), 1, created
                job.queued_at = job.started_at = created
                # Real jobs carry fal's logs; the list pages never show them.
                job.logs = [
                    {"message": f"step {i} of the avatar pipeline", "level": "INFO", "timestamp": created.isoformat()}
                    for i in range(8)
                ]
            if n >= WAITING + at_fal:
                job.state = ENDINGS[n // USERS % len(ENDINGS)]
                job.finished_at = job.fal_finished_at = created + timedelta(minutes=8)
                if job.state == "completed":
                    folder = f"videos/{user.pk}/{n:08d}"
                    job.video, job.poster, job.video_duration, job.video_size = (
                        f"{folder}/video.mp4",
                        f"{folder}/poster.jpg",
                        8.04,
                        1234567,
                    )
            elif n >= WAITING:
                job.state = "in_progress"
            jobs.append(job)
            entries.append(LedgerEntry(user=user, job=job, kind="reserve", amount=920, created_at=created))
        Job.objects.bulk_create(jobs)
        LedgerEntry.objects.bulk_create(entries)
    for stamp in stamps:
        stamp.auto_now_add = True
    return users


def buffers_touched(statements):
    """The database pages (8 KB, from cache or disk) the SELECTs touched, by EXPLAIN (ANALYZE,
    BUFFERS): the work a page asks of PostgreSQL, the same on an idle or a busy machine."""
    from django.db import connection

    touched = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith("SELECT") or " FOR UPDATE" in sql.upper():
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            touched += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    return touched


def timed(client, url, runs):
    """Median milliseconds of `runs` GETs (after one warm-up), the queries one GET ran with
    their milliseconds, and the database pages they touched."""
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql_ms, statements = [], []

    def clock_query(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_ms.append((time.perf_counter() - started) * 1000)
            statements.append((sql, params))

    # Django clears connection.queries when a request starts, so count with a wrapper instead.
    with connection.execute_wrapper(clock_query):
        client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "ms": statistics.median(samples),
        "queries": len(sql_ms),
        "sql_ms": sum(sql_ms),
        "buffers": buffers_touched(statements),
        "html": response.content.decode(errors="replace"),
    }


def measure(tree, job_count, runs):
    setup(tree)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    from avatars.views import GALLERY_PAGE_SIZE
    from jobs.models import Job
    from jobs.registry import MODELS

    started = time.perf_counter()
    users = fill(job_count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    filled_s = time.perf_counter() - started

    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("bench-admin"))
    owner = Client()
    owner.force_login(users[0])
    api = APIClient()
    api.force_authenticate(users[0])
    changelist = reverse("admin:jobs_job_changelist")
    gallery = reverse("avatars:gallery")
    last = -(-Job.objects.filter(user=users[0]).count() // GALLERY_PAGE_SIZE)
    finished = Job.objects.filter(user=users[0], state="failed").order_by("created_at").first()
    day = (
        Job.objects.filter(user=users[0]).order_by("-created_at").values_list("created_at", flat=True)[job_count // 20]
    )
    model = next(iter(MODELS))
    pages = {
        "admin list": (staff, changelist),
        "admin list, state = failed": (staff, f"{changelist}?state__exact=failed"),
        "admin search, a request id": (staff, f"{changelist}?q={finished.request_id}"),
        "admin search, a job id": (staff, f"{changelist}?q={finished.id}"),
        "admin search, a username": (staff, f"{changelist}?q={users[1].username}"),
        "gallery, first page": (owner, gallery),
        "gallery, middle page": (owner, f"{gallery}?page={last // 2 or 1}"),
        "gallery, last page": (owner, f"{gallery}?page={last}"),
        "v1 jobs, 100 per page": (api, "/api/v1/jobs?page_size=100"),
        "v1 jobs, status=pending": (api, "/api/v1/jobs?page_size=100&status=pending"),
        "v1 jobs, status=failed": (api, "/api/v1/jobs?page_size=100&status=failed"),
        "v1 jobs, status=cancelled,timed_out": (api, "/api/v1/jobs?page_size=100&status=cancelled,timed_out"),
        f"v1 jobs, model={model}": (api, f"/api/v1/jobs?page_size=100&model={model}"),
        "v1 jobs, created before a day": (
            api,
            f"/api/v1/jobs?page_size=100&created_before={day.isoformat().replace('+00:00', 'Z')}",
        ),
        "dashboard, 7 days": (staff, "/admin/monitoring/?window=7d"),
    }
    results = {"filled_s": filled_s}
    for label, (client, url) in pages.items():
        figures = timed(client, url, runs)
        if "search" in label:  # the page must have found what was asked for
            assert figures["html"].count('class="action-select"') >= 1, (label, url)
        del figures["html"]
        results[label] = figures
    # Then a status rare for the listing user and common for the others: all but one in 20 of
    # the first user's failed and cancelled jobs become completed (about 0.7 % of theirs left).
    rare = Job.objects.filter(user=users[0], state__in=["failed", "cancelled"]).order_by("id")
    Job.objects.filter(pk__in=list(rare.values_list("pk", flat=True)[: rare.count() * 19 // 20])).update(
        state="completed"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    for status in ("failed", "cancelled", "failed,cancelled"):
        figures = timed(api, f"/api/v1/jobs?page_size=100&status={status}", runs)
        del figures["html"]
        results[f"v1 jobs, status={status} (rare)"] = figures
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another checkout (main) to measure first, in its own database")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one (tree, size) in a child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure.resolve(), args.jobs[0], args.runs)))
        return

    trees = ([("before", args.before.resolve())] if args.before else []) + [("after", THIS_TREE)]
    results = {}
    for size in args.jobs:
        for label, tree in trees:
            # A child per measurement: each imports its own tree's code into a fresh Django.
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(tree), "--jobs", str(size), "--runs", str(args.runs)],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                sys.exit(f"{label} at {size:,} jobs failed:\n{child.stderr[-3000:]}")
            results[label, size] = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"{label} ({tree}) at {size:,} jobs: filled in {results[label, size].pop('filled_s'):.0f} s",
                file=sys.stderr,
            )

    columns = [(label, size) for size in args.jobs for label, _ in trees]
    load = os.getloadavg()[0]
    print(
        f"PostgreSQL, in process, median of {args.runs} GETs: ms "
        "/ queries / ms of them in SQL / database pages touched;"
        f" load average {load:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'page':<38}" + "".join(f"{f'{label} {size:,}':>28}" for label, size in columns))
    for page in results[columns[0]]:
        cells = [results[column][page] for column in columns]
        print(
            f"{page:<38}"
            + "".join(
                f"{f'{cell["ms"]:.0f} / {cell["queries"]} / {cell["sql_ms"]:.0f} / {cell["buffers"]}':>28}"
                for cell in cells
            )
        )


if __name__ == "__main__":
    main()
