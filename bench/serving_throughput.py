"""Ordinary requests under each way of serving the app: GET /api/v1/me and submit
(POST /api/v1/jobs) on gunicorn as scripts/serve starts it, on PostgreSQL, with the worker
class and application of each configuration, rounds alternating so the machine's other load
falls on all alike:

- gthread: gunicorn's threads, WSGI (scripts/serve before streams moved to ASGI);
- split: uvicorn workers, streams on Django's ASGI handler, the rest as WSGI on WEB_THREADS
  threads per process (config/asgi.py, scripts/serve now);
- all ASGI: uvicorn workers, every request through Django's ASGI handler (sync views each on
  a thread of their own per request).

Prints requests/s and latency per request and configuration, the ratio submit / me, and the
web processes' memory.

Run: .venv/bin/python bench/serving_throughput.py [--seconds 5] [--clients 16] [--rounds 2] [--only NAME ...]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avatar_serving, recreated)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_serving"
# name: (gunicorn's arguments, environment). WEB_THREADS is the split's WSGI pool per process.
CONFIGURATIONS = {
    "gthread (before)": (["--worker-class", "gthread", "--threads", "4", "config.wsgi:application"], {}),
    "split: streams ASGI, rest WSGI (now)": ([], {"WEB_THREADS": "4"}),
    "split, 8 WSGI threads": ([], {"WEB_THREADS": "8"}),
    "all ASGI (Django's handler)": (["config.asgi:streams_application"], {}),
}


def hammer(method, url, *, seconds, clients, headers, body=None):
    """bench/load.py in its own process against url; returns its JSON figures."""
    with tempfile.NamedTemporaryFile("wb", suffix=".body") as body_file:
        command = [
            sys.executable,
            str(Path(__file__).with_name("load.py")),
            method,
            url,
            "--seconds",
            str(seconds),
            "--clients",
            str(clients),
        ]
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        if body is not None:
            body_file.write(body)
            body_file.flush()
            command += ["--body-file", body_file.name]
        return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def memory_mb(parent_pid):
    children = subprocess.run(["pgrep", "-P", str(parent_pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in [parent_pid, *map(int, children)]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--only", nargs="+", choices=sorted(CONFIGURATIONS), help="measure these configurations only (default: all)"
    )
    args = parser.parse_args()
    configurations = {name: CONFIGURATIONS[name] for name in args.only or CONFIGURATIONS}
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    harness.fresh_postgres(database_url)
    os.environ["BENCH_DATABASE_URL"] = database_url
    os.environ["CACHE_URL"] = "rediscache://127.0.0.1:6379/7"  # the shared cache production runs on
    harness.setup_django(**harness.NO_USER_LIMITS)

    from django.core.cache import cache
    from rest_framework.authtoken.models import Token

    from tests.conftest import wait_for
    from tests.factories import data_uri, speech_wav
    from tests.servers import free_port, port_open

    cache.clear()  # slots and counts of an earlier run, whose user ids this fresh database reuses

    user = harness.bench_user()
    headers = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    # The audio comes along (a hosted one would be fetched to measure it); the image is hosted.
    submit = json.dumps(
        {"image_url": "https://example.com/face.png", "audio_url": data_uri(speech_wav(seconds=2), "audio/wav")}
    ).encode()
    figures = {name: {"me": [], "submit": [], "memory": []} for name in configurations}
    for _ in range(args.rounds):
        for name, (overrides, extra_environment) in configurations.items():
            port = free_port()
            environment = {
                **os.environ,
                "BIND": f"127.0.0.1:{port}",
                "WEB_ACCESS_LOG": "false",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                **extra_environment,
            }
            web = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", *overrides],
                cwd=harness.PROJECT_DIR,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for(lambda port=port: port_open(port), timeout=60, message="gunicorn")
                base = f"http://127.0.0.1:{port}"
                hammer(
                    "GET", f"{base}/api/v1/me", seconds=1, clients=args.clients, headers=headers
                )  # warm up every process
                figures[name]["me"].append(
                    hammer("GET", f"{base}/api/v1/me", seconds=args.seconds, clients=args.clients, headers=headers)
                )
                figures[name]["submit"].append(
                    hammer(
                        "POST",
                        f"{base}/api/v1/jobs",
                        seconds=args.seconds,
                        clients=args.clients,
                        headers=headers,
                        body=submit,
                    )
                )
                figures[name]["memory"].append(memory_mb(web.pid))
            finally:
                web.terminate()
                web.wait(timeout=60)

    workers = os.environ.get("WEB_WORKERS") or "CPU cores + 1"
    print(
        f"gunicorn, {workers} processes, 4 threads each unless named; PostgreSQL, Redis cache; "
        f"{args.clients} clients, {args.seconds:g} s per run, median of {args.rounds} rounds\n"
    )
    print(
        f"{'configuration':<38} {'me req/s':>9} {'p99':>8} {'submit req/s':>13} "
        f"{'p99':>8} {'submit/me':>10} {'RSS MB':>7} {'failed':>7}"
    )
    for name, runs in figures.items():
        me, sub = (statistics.median(run["rate"] for run in runs[kind]) for kind in ("me", "submit"))
        me_p99, sub_p99 = (statistics.median(run["p99_ms"] for run in runs[kind]) for kind in ("me", "submit"))
        failed = sum(run["failed"] for kind in ("me", "submit") for run in runs[kind])
        print(
            f"{name:<38} {me:9.0f} {me_p99:6.0f}ms {sub:13.1f} {sub_p99:6.0f}ms "
            f"{sub / me:10.1%} {statistics.median(runs['memory']):7.0f} {failed:7d}"
        )


if __name__ == "__main__":
    main()
