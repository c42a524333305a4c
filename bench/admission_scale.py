"""Admission on a big jobs table with every slot at fal taken: how long counting the jobs at
fal takes, a waiting job's place in line (`jobs_ahead`), a `claim_slot` (the whole call,
so an upper bound on how long it holds the capacity lock), and a v1 job list page of 100.

Each (tree, size) gets a fresh PostgreSQL database migrated by that tree and filled with N
jobs: MAX_JOBS_AT_FAL (20) at fal, 100 waiting (50 of them the listing user's newest, the
rest spread over the other users), every other job finished after a real start. Run
in process (Django's test client, no HTTP); medians of --runs calls.

Before and after in one run, the other tree being a checkout of main:
    git worktree add /tmp/main-tree ddfcc1c   # the code before
    .venv/bin/python bench/admission_scale.py --before /tmp/main-tree [--jobs 10000 100000] [--runs 9]
Without --before only this tree is measured.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

THIS_TREE = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/avs_admission_bench"
USERS = 10
WAITING = 100
LISTING_USER_WAITING = 50


def setup(tree):
    """Django from `tree` (its code, its migrations) on a fresh database."""
    sys.path.insert(0, str(THIS_TREE / "bench"))
    import harness

    harness.fresh_postgres(POSTGRES)
    workdir = Path(tempfile.mkdtemp(prefix="avatar-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=POSTGRES,
        MEDIA_ROOT=str(workdir / "media"),
        ENGINE_STORAGE_DIR=str(workdir / "engine"),
        LOG_LEVEL="WARNING",
        THROTTLE_READ="1000000000/minute",
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
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from jobs.models import Job, JobState
    from jobs.registry import DEFAULT_MODEL_KEY, MODELS

    users = [get_user_model().objects.create_user(f"bench-{n}") for n in range(USERS)]
    endpoint = MODELS[DEFAULT_MODEL_KEY].endpoint_id
    now = timezone.now()
    at_fal = settings.MAX_JOBS_AT_FAL
    finished = job_count - at_fal - WAITING
    step = timedelta(days=365) / job_count
    created_at = Job._meta.get_field("created_at")
    created_at.auto_now_add = False  # the bench wants a year of history, oldest first
    rows = []

    def job(n, user, **fields):
        created = now - step * (job_count - n)
        return Job(
            user=user,
            endpoint_id=endpoint,
            prompt=f"Bench video {n}",
            audio_duration=8.0,
            created_at=created,
            **fields,
        )

    for n in range(finished):
        created = now - step * (job_count - n)
        rows.append(
            job(
                n,
                users[n % USERS],
                state=JobState.COMPLETED,
                request_id=f"req-{n}",
                submit_attempts=1,
                submit_started_at=created,
                queued_at=created,
                started_at=created,
                finished_at=created + timedelta(minutes=8),
            )
        )
    for n in range(finished, finished + at_fal):
        rows.append(
            job(
                n,
                users[1 + n % (USERS - 1)],
                state=JobState.IN_PROGRESS,
                request_id=f"req-{n}",
                submit_attempts=1,
                submit_started_at=now - timedelta(minutes=2),
            )
        )
    for n in range(finished + at_fal, job_count):
        waiting_index = n - finished - at_fal
        user = users[0] if waiting_index >= WAITING - LISTING_USER_WAITING else users[1 + n % (USERS - 1)]
        rows.append(job(n, user))
    Job.objects.bulk_create(rows, batch_size=5000)
    created_at.auto_now_add = True
    return users


def median_ms(call, runs):
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(tree, job_count, runs):
    setup(tree)
    from django.db import connection
    from rest_framework.test import APIClient

    from jobs.models import Job
    from jobs.services import admission

    started = time.perf_counter()
    users = fill(job_count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE jobs_job")
    filled_s = time.perf_counter() - started
    waiting = Job.objects.waiting_for_slot().filter(user=users[0]).order_by("created_at").last()
    assert admission.jobs_ahead(waiting) == WAITING - 1, admission.jobs_ahead(waiting)  # the newest waits behind all

    sql, params = Job.objects.at_fal().order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT count(*) {sql[sql.index('FROM') :]}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    access = (
        "partial index" if "jobs_job_at_fal_idx" in plan else ("seq scan" if "Seq Scan" in plan else "other index")
    )

    client = APIClient()
    client.force_authenticate(users[0])

    def page():
        return client.get("/api/v1/jobs", {"page_size": 100})

    response = page()
    assert response.status_code == 200 and len(response.json()["results"]) == 100, response.status_code
    queries = []
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        page()
    return {
        "filled_s": filled_s,
        "at_fal_count_ms": median_ms(lambda: Job.objects.at_fal().count(), runs),
        "at_fal_count_plan": access,
        "jobs_ahead_ms": median_ms(lambda: admission.jobs_ahead(waiting), runs),
        # Slots full: the claim takes the lock, counts, finds no slot and commits.
        "claim_slot_ms": median_ms(lambda: admission.claim_slot(waiting.pk), runs),
        "v1_list_ms": median_ms(page, max(3, runs // 3)),
        "v1_list_queries": len(queries),
    }


ROWS = [
    ("at_fal().count()", "at_fal_count_ms", "{:.2f} ms"),
    ("  its plan (EXPLAIN)", "at_fal_count_plan", "{}"),
    ("jobs_ahead(one waiting job)", "jobs_ahead_ms", "{:.2f} ms"),
    ("claim_slot(), slots full (lock held)", "claim_slot_ms", "{:.2f} ms"),
    ("v1 job list, 100 per page", "v1_list_ms", "{:.0f} ms"),
    ("  its queries", "v1_list_queries", "{}"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=9)
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
                check=True,
            )
            results[label, size] = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"{label} ({tree}) at {size:,} jobs: filled in {results[label, size]['filled_s']:.0f} s",
                file=sys.stderr,
            )

    columns = [(label, size) for size in args.jobs for label, _ in trees]
    print(
        f"{'PostgreSQL, slots full, medians':<38}" + "".join(f"{f'{label} {size:,}':>18}" for label, size in columns)
    )
    for title, key, shape in ROWS:
        print(f"{title:<38}" + "".join(f"{shape.format(results[column][key]):>18}" for column in columns))


if __name__ == "__main__":
    main()
