"""Can the workers keep up? 2,000 jobs in flight at the local engine, all in the dense phase
of their polling schedule (an 8-minute job checked every 8 s), polled by 3 worker processes
on PostgreSQL for a minute.

Prints the polls made against the polls due, how late they were (each due check's lateness
when it was made, sampled every 0.2 s), each worker's CPU, and the database's transactions,
rows written and new connections per second.

Run: .venv/bin/python bench/worker_load.py [--jobs 2000] [--workers 3] [--seconds 60]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avatar_worker_load, recreated)
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_worker_load"
EXPECTED_SECONDS = 480  # an 8-minute Kling job
ELAPSED_SECONDS = 250  # past 40 %: the dense phase, a check every 480/60 = 8 s


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_counters(cursor, name):
    cursor.execute(
        "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted, sessions FROM pg_stat_database WHERE datname = %s",
        [name],
    )
    return cursor.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=30)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    harness.fresh_postgres(database_url)
    os.environ["BENCH_DATABASE_URL"] = database_url
    workdir = harness.setup_django(JOB_EXPECTED_SECONDS=EXPECTED_SECONDS)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from jobs import fal
    from jobs.models import Job, JobState
    from jobs.registry import MODELS
    from tests.servers import free_port, port_open
    from tests.conftest import wait_for
    from tests.factories import portrait_png, speech_wav

    engine_port = free_port()
    environment = {
        **os.environ, "ENGINE_PROCESSING_SECONDS": "3600", "ENGINE_CONCURRENCY": "1", "LOG_LEVEL": "WARNING",
        "FAL_ENGINE_URL": f"http://127.0.0.1:{engine_port}/_fal", "PUBLIC_BASE_URL": "", "JOB_EXPECTED_SECONDS": str(EXPECTED_SECONDS),
        "JOB_BUDGET_SECONDS": "3600",
    }
    processes = [subprocess.Popen(
        [sys.executable, "manage.py", "run_fal_engine", "--port", str(engine_port)], cwd=harness.PROJECT_DIR, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]
    try:
        wait_for(lambda: port_open(engine_port), message="the engine")
        settings.FAL_ENGINE_URL = environment["FAL_ENGINE_URL"]
        model = MODELS["kling-avatar-pro"]
        arguments = model.build_input(
            image_url=fal.upload(portrait_png(), "image/png", "face.png"), audio_url=fal.upload(speech_wav(), "audio/wav", "voice.wav"),
        )
        user = get_user_model().objects.create_user("load")
        # The first request runs for an hour; the rest wait behind it, their position
        # unchanged: every check learns nothing new, as for most checks of a long job.
        request_ids = [fal.submit(model.endpoint_id, arguments, webhook_url=None) for _ in range(args.jobs)]
        started = timezone.now() - timedelta(seconds=ELAPSED_SECONDS)
        now = timezone.now() + timedelta(seconds=5)  # the workers' start-up
        jobs = []
        for index, request_id in enumerate(request_ids):
            jobs.append(Job(
                user=user, endpoint_id=model.endpoint_id, state=JobState.IN_QUEUE, request_id=request_id, audio_duration=5,
                submit_started_at=started, queued_at=started, queue_position=index, submit_attempts=1,
                next_poll_at=now + timedelta(seconds=8 * index / args.jobs),  # spread over one interval
            ))
        Job.objects.bulk_create(jobs)
        print(f"{args.jobs} jobs in flight, {args.workers} workers, {args.seconds:g} s, database: {connection.vendor}")

        for index in range(args.workers):
            processes.append(subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--no-resume", "--interval", "0.5", "--worker-id", f"load-{index}"],
                cwd=harness.PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        workers = processes[1:]
        # Each job's first check learns its queue position and log lines (and writes them);
        # measure the steady state after that.
        time.sleep(args.warm_up)
        name = settings.DATABASES["default"]["NAME"]
        with connection.cursor() as cursor:
            before = database_counters(cursor, name)
        cpu_before = [cpu_seconds(worker.pid) for worker in workers]
        polls_before = sum(Job.objects.values_list("status_polls", flat=True))
        lateness = {}
        began = time.monotonic()
        while time.monotonic() - began < args.seconds:
            moment = timezone.now()
            for job_id, due_at in Job.objects.filter(next_poll_at__lt=moment).values_list("id", "next_poll_at"):
                late = (moment - due_at).total_seconds()
                lateness[(job_id, due_at)] = max(late, lateness.get((job_id, due_at), 0))
            time.sleep(0.2)
        elapsed = time.monotonic() - began
        cpu = [(cpu_seconds(worker.pid) - start) / elapsed * 100 for worker, start in zip(workers, cpu_before)]
        with connection.cursor() as cursor:
            after = database_counters(cursor, name)
        polls = sum(Job.objects.values_list("status_polls", flat=True)) - polls_before
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    due = args.jobs * elapsed / (EXPECTED_SECONDS / 60)
    late = sorted(lateness.values())
    p99 = late[int(0.99 * (len(late) - 1))] if late else 0.0
    transactions, rows, sessions = (b - a for a, b in zip(before, after))
    print(f"checks made: {polls / elapsed:.1f}/s, due: {due / elapsed:.1f}/s")
    print(f"lateness of a due check (sampled every 0.2 s): p50 {statistics.median(late) if late else 0:.2f} s, "
          f"p99 {p99:.2f} s, max {late[-1] if late else 0:.2f} s")
    print("worker CPU: " + ", ".join(f"{value:.1f} %" for value in cpu) + " of a core")
    print(f"database: {transactions / elapsed:.0f} transactions/s, {rows / elapsed:.0f} rows written/s, "
          f"{sessions / elapsed:.2f} new connections/s")


if __name__ == "__main__":
    main()
