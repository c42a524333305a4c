"""Can the workers keep up, and what does a status check cost? 2,000 jobs in flight at the
local engine, checked by 3 worker processes on PostgreSQL, in two cases:

- dense: every job in the dense phase of its schedule (an 8-minute job, checked every 8 s);
- sparse: every job early in its run (checked about every 45 s).

Each case runs on a database of its own (created afresh), with its own engine, for each tree
named (by default this one; `--tree` adds another checkout, e.g. main's, to compare in one
run). The workers run the tree's own code, through a wrapper that counts every query they
send (and the claims that found their job already taken by another worker); nothing else of
the tree is changed.

Printed per case: checks made and due per second; the lateness of a due check (how long past
its due time a job was still waiting: the database is sampled every 0.2 s, so checks made
within 0.2 s of their due time are mostly missed and the figures lean late); CPU per worker
and in total, and per check; queries per second and per check by kind, and claims lost to
another worker; the database's own transactions and rows written per second.

Run: .venv/bin/python bench/worker_load.py [--jobs 2000] [--workers 3] [--seconds 60] [--warm-up 30]
         [--cases dense sparse] [--tree PATH ...] [--database-url postgres://...] [--profile PATH]
     (--profile: the first worker runs under cProfile, every thread of it, and writes its
     statistics to PATH.<case> when it stops; read them with `python -m pstats`)
     (default database postgres://postgres@127.0.0.1:5432/avatar_worker_load, recreated per case)
Compare with main in one run:
     git worktree add --detach /tmp/wl-main main
     .venv/bin/python bench/worker_load.py --tree /tmp/wl-main --tree .
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_worker_load"
EXPECTED_SECONDS = 480  # an 8-minute Kling job
# How far into its run each job is when the workers start: past 40 % the schedule is dense
# (a check every 480/60 = 8 s); early on it is sparse (every 480/10.7 = 45 s).
CASES = {"dense": {"elapsed": 250, "interval": 8.0}, "sparse": {"elapsed": 10, "interval": 45.0}}


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- A worker of the tree under test, its queries counted -----------------------------------------


def counted_worker(tree, worker_id, counts_path):
    """Run `manage.py run_worker` of `tree` in this process, counting each query its
    connections send; the counts are written to `counts_path` every 0.5 s."""
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    import django
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    django.setup()
    counts, lock = Counter(), threading.Lock()

    def count(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        kind = sql.split(None, 1)[0].upper()
        rows = context["cursor"].rowcount
        with lock:
            counts[kind] += len(params) if many else 1
            # A status-check claim books the next check (status_polls + 1): a claim UPDATE that
            # changed no row found its job already claimed by another worker.
            if kind == "UPDATE" and "status_polls" in sql:
                counts["claimed"] += max(rows, 0)
                counts["claims lost"] += rows == 0
        return result

    connection_created.connect(
        lambda sender, connection, **kwargs: connection.execute_wrappers.append(count), weak=False
    )

    def keep_writing():
        while True:
            with lock:
                snapshot = dict(counts)
            Path(f"{counts_path}.tmp").write_text(json.dumps(snapshot))
            os.replace(f"{counts_path}.tmp", counts_path)
            time.sleep(0.5)

    threading.Thread(target=keep_writing, daemon=True).start()
    profile_path = os.environ.get("WORKER_LOAD_PROFILE")
    if profile_path and worker_id.endswith("-0"):
        import cProfile

        # Since Python 3.12 cProfile sees every thread (sys.monitoring): the chores' and the
        # status reader's event loop as well as the task loop.
        profiler = cProfile.Profile()
        profiler.enable()
    try:
        call_command("run_worker", "--processes", "1", "--no-resume", "--interval", "0.5", "--worker-id", worker_id)
    finally:
        if profile_path and worker_id.endswith("-0"):
            profiler.disable()
            profiler.dump_stats(profile_path)


def read_counts(path):
    try:
        return Counter(json.loads(Path(path).read_text()))
    except (FileNotFoundError, ValueError):
        return Counter()


# --- One case: a fresh database, the engine, the jobs, the workers ------------------------------


def run_case(tree, case, args):
    """Measure one case against the workers of `tree`; returns the figures as a dict."""
    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    import harness

    harness.fresh_postgres(args.database_url)
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    # Every process (this one, the engine, the tree's workers) shares one engine key.
    key_file = Path(tempfile.mkdtemp(prefix="worker-load-")) / "local-engine-key"
    workdir = harness.setup_django(JOB_EXPECTED_SECONDS=EXPECTED_SECONDS, LOCAL_ENGINE_KEY_FILE=key_file)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from jobs import fal
    from jobs.models import Job, JobState
    from jobs.registry import MODELS
    from tests.conftest import wait_for
    from tests.factories import portrait_png, speech_wav
    from tests.servers import free_port, port_open

    engine_port = free_port()
    environment = {
        **os.environ,
        **({"WORKER_LOAD_PROFILE": f"{args.profile}.{case}"} if args.profile else {}),
        "ENGINE_PROCESSING_SECONDS": "3600",
        "ENGINE_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "FAL_ENGINE_URL": f"http://127.0.0.1:{engine_port}/_fal",
        "PUBLIC_BASE_URL": "",
        "JOB_EXPECTED_SECONDS": str(EXPECTED_SECONDS),
        "JOB_BUDGET_SECONDS": "3600",
    }
    engine = subprocess.Popen(
        [sys.executable, "manage.py", "run_fal_engine", "--port", str(engine_port)],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        wait_for(lambda: port_open(engine_port), message="the engine")
        settings.FAL_ENGINE_URL = environment["FAL_ENGINE_URL"]
        model = MODELS["kling-avatar-pro"]
        arguments = model.build_input(
            image_url=fal.upload(portrait_png(), "image/png", "face.png"),
            audio_url=fal.upload(speech_wav(), "audio/wav", "voice.wav"),
        )
        user = get_user_model().objects.create_user("load")
        # The first request runs for an hour; the rest wait behind it, their position
        # unchanged: every check learns nothing new, as for most checks of a long job (the
        # rows already hold the position the engine will answer, so from the first check on).
        request_ids = [fal.submit(model.endpoint_id, arguments, webhook_url=None) for _ in range(args.jobs)]
        interval = CASES[case]["interval"]
        started = timezone.now() - timedelta(seconds=CASES[case]["elapsed"])
        first_due = timezone.now() + timedelta(seconds=5)  # the workers' start-up
        Job.objects.bulk_create(
            Job(
                user=user,
                endpoint_id=model.endpoint_id,
                state=JobState.IN_QUEUE,
                request_id=request_id,
                audio_duration=5,
                submit_started_at=started,
                queued_at=started,
                queue_position=max(index - 1, 0),
                submit_attempts=1,
                fal_origin=fal.storage_origin(),
                next_poll_at=first_due + timedelta(seconds=interval * index / args.jobs),
            )
            for index, request_id in enumerate(request_ids)
        )
        counts_paths = [workdir / f"counts-{index}.json" for index in range(args.workers)]
        for index, counts_path in enumerate(counts_paths):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        str(PROJECT_DIR / "bench" / "worker_load.py"),
                        "--counted-worker",
                        str(tree),
                        f"load-{index}",
                        str(counts_path),
                    ],
                    cwd=tree,
                    env=environment,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        # Each job's first check learns its queue position and log lines (and writes them);
        # measure the steady state after that.
        time.sleep(args.warm_up)
        name = settings.DATABASES["default"]["NAME"]
        database_before = database_counters(connection, name)
        counts_before = [read_counts(path) for path in counts_paths]
        cpu_before = [cpu_seconds(worker.pid) for worker in workers]
        engine_cpu_before = cpu_seconds(engine.pid)
        lateness = {}
        began = time.monotonic()
        while time.monotonic() - began < args.seconds:
            moment = timezone.now()
            for job_id, due_at in Job.objects.filter(next_poll_at__lt=moment).values_list("id", "next_poll_at"):
                late = (moment - due_at).total_seconds()
                lateness[(job_id, due_at)] = max(late, lateness.get((job_id, due_at), 0))
            time.sleep(0.2)
        elapsed = time.monotonic() - began
        cpu = [cpu_seconds(worker.pid) - start for worker, start in zip(workers, cpu_before)]
        engine_cpu = cpu_seconds(engine.pid) - engine_cpu_before
        time.sleep(0.6)  # the counts files catch up
        counts = [read_counts(path) - before for path, before in zip(counts_paths, counts_before)]
        database_after = database_counters(connection, name)
        connection.close()
    finally:
        for process in [*workers, engine]:
            process.terminate()
        for process in [*workers, engine]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    late = sorted(lateness.values())
    transactions, rows = (after - before for before, after in zip(database_before, database_after))
    return {
        "tree": str(tree),
        "case": case,
        "seconds": elapsed,
        "jobs": args.jobs,
        "due_per_s": args.jobs / interval,
        "cpu": cpu,
        "engine_cpu": engine_cpu,
        "counts": [dict(each) for each in counts],
        "late_p50": statistics.median(late) if late else 0.0,
        "late_p99": late[int(0.99 * (len(late) - 1))] if late else 0.0,
        "late_max": late[-1] if late else 0.0,
        "late_seen": len(late),
        "transactions": transactions,
        "rows": rows,
    }


def database_counters(connection, name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated "
            "+ tup_deleted FROM pg_stat_database WHERE datname = %s",
            [name],
        )
        return cursor.fetchone()


# --- The report --------------------------------------------------------------------------------


def report(figures):
    seconds = figures["seconds"]
    counts = [Counter(each) for each in figures["counts"]]
    total = sum(counts, Counter())
    checks = total["claimed"]
    queries = sum(
        value for kind, value in total.items() if kind not in ("claimed", "claims lost", "BEGIN", "COMMIT", "ROLLBACK")
    )
    cpu_total = sum(figures["cpu"])
    print(
        f"\n== {figures['case']}, workers from {figures['tree']}: {figures['jobs']} jobs in flight, "
        f"{len(counts)} workers, {seconds:.0f} s measured"
    )
    per_worker = ", ".join(f"{c['claimed'] / seconds:.1f}" for c in counts)
    print(f"checks made: {checks / seconds:.1f}/s (per worker: {per_worker}); due: {figures['due_per_s']:.1f}/s")
    print(
        f"lateness of a due check (sampled every 0.2 s, {figures['late_seen']} "
        f"seen late): p50 {figures['late_p50']:.2f} s, "
        f"p99 {figures['late_p99']:.2f} s, max {figures['late_max']:.2f} s"
    )
    print(
        f"worker CPU: {', '.join(f'{value / seconds * 100:.1f} %' for value in figures['cpu'])} of a core; "
        f"total {cpu_total / seconds * 100:.1f} %; per check {cpu_total / max(checks, 1) * 1000:.2f} ms "
        f"(the engine answering them: {figures['engine_cpu'] / seconds * 100:.1f} %)"
    )
    kinds = ", ".join(
        f"{kind} {total[kind] / seconds:.0f}/s" for kind in sorted(total) if kind not in ("claimed", "claims lost")
    )
    print(
        f"queries: {queries / seconds:.0f}/s, {queries / max(checks, 1):.2f} per check ({kinds}); "
        f"claims lost to another worker: {total['claims lost'] / seconds:.1f}/s ({total['claims lost']} in all)"
    )
    print(
        f"database: {figures['transactions'] / seconds:.0f} "
        f"transactions/s, {figures['rows'] / seconds:.0f} rows written/s"
    )


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--counted-worker":
        counted_worker(Path(sys.argv[2]).resolve(), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=30)
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=["dense", "sparse"])
    parser.add_argument(
        "--tree",
        action="append",
        type=Path,
        help="a checkout whose workers to measure (repeatable; default: this one)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE)
    parser.add_argument("--profile", type=Path, help="profile the first worker; statistics to PROFILE.<case>")
    parser.add_argument("--one", nargs=2, metavar=("TREE", "CASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        # One case per process: Django is set up once, on that case's fresh database.
        print(json.dumps(run_case(Path(args.one[0]).resolve(), args.one[1], args)))
        return
    for tree in args.tree or [PROJECT_DIR]:
        for case in args.cases:
            command = [
                sys.executable,
                __file__,
                "--one",
                str(tree),
                case,
                "--jobs",
                str(args.jobs),
                "--workers",
                str(args.workers),
                "--seconds",
                str(args.seconds),
                "--warm-up",
                str(args.warm_up),
                "--database-url",
                args.database_url,
                *(["--profile", str(args.profile.resolve())] if args.profile else []),
            ]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            report(json.loads(output.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
