"""Load on the production server: wrk (Debian package `wrk`) against gunicorn as scripts/serve
runs it, on PostgreSQL and Redis: the fal webhook endpoint (a genuinely signed delivery,
replayed: signature check and replay refusal), the API status endpoint and, for scale, a
trivial DRF view (GET /api/me), each at 50 connections for 30 s, one after the other.

Prints requests/s, p50/p99 latency, errors (socket errors and non-2xx answers), the web
processes' memory before and after each run, and each endpoint's rate as a share of the
trivial view's.

Run: .venv/bin/python bench/wrk_load.py [--seconds 30] [--connections 50]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avatar_wrk, recreated)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_wrk"
LIMITS_OFF = {"THROTTLE_SUBMIT": "1000000000/minute", "THROTTLE_UPLOAD": "1000000000/minute", "THROTTLE_READ": "1000000000/minute"}
REQUEST_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{headers}
"""


def lua_string(value):
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def memory_mb(parent_pid):
    children = subprocess.run(["pgrep", "-P", str(parent_pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in [parent_pid, *map(int, children)]:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total / 1024


def wrk(url, *, method, body, headers, seconds, connections):
    script = REQUEST_SCRIPT.format(
        method=lua_string(method), body=lua_string(body) if body else "nil",
        headers="\n".join(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in headers.items()),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, url],
            capture_output=True, text=True, check=True,
        ).stdout

    def latency(label):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(\w+)", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    if errors or "Non-2xx" in output:
        print(output, file=sys.stderr)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"), "p99": latency("99"),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: sudo apt-get install wrk")
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    harness.fresh_postgres(database_url)
    os.environ["BENCH_DATABASE_URL"] = database_url
    harness.setup_django(**LIMITS_OFF)

    from rest_framework.authtoken.models import Token

    from engine.webhooks import signed_headers
    from jobs import media
    from jobs.models import Job, JobState
    from jobs.registry import MODELS
    from jobs.services import submission
    from tests.conftest import wait_for
    from tests.factories import portrait_png, speech_wav
    from tests.servers import free_port, port_open

    web_port, engine_port = free_port(), free_port()
    environment = {
        **os.environ, **LIMITS_OFF, "BIND": f"127.0.0.1:{web_port}", "WEB_ACCESS_LOG": "false",
        "CACHE_URL": "rediscache://127.0.0.1:6379/4", "FAL_ENGINE_URL": f"http://127.0.0.1:{engine_port}/_fal",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
    }
    engine = subprocess.Popen(
        [sys.executable, "manage.py", "run_fal_engine", "--port", str(engine_port)], cwd=harness.PROJECT_DIR, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"], cwd=harness.PROJECT_DIR, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: port_open(web_port) and port_open(engine_port), timeout=60, message="the servers")
        user = harness.bench_user()
        token = Token.objects.get_or_create(user=user)[0].key
        job = submission.create_job(
            user=user, model=MODELS["kling-avatar-pro"], image=media.check_image(portrait_png()), audio=media.check_audio(speech_wav()),
        )
        # A job being made at fal: what clients poll the status of.
        Job.objects.filter(pk=job.pk).update(request_id="wrk-request", state=JobState.IN_PROGRESS, submit_started_at=job.created_at)
        delivery = json.dumps({"error": None, "payload": {}, "request_id": "wrk-request", "status": "OK"}, sort_keys=True)
        runs = [
            ("GET /api/me (trivial DRF view)", "GET", "/api/me", None, {"Authorization": f"Token {token}"}),
            ("POST /webhooks/fal/<job>/ (signed, replayed)", "POST", f"/webhooks/fal/{job.id}/", delivery, signed_headers("wrk-request", delivery.encode())),
            ("POST status (token, by job id)", "POST", "/api/generate/kling-avatar/status", json.dumps({"job_id": str(job.id)}), {"Authorization": f"Token {token}"}),
        ]
        base = f"http://127.0.0.1:{web_port}"
        workers = os.environ.get("WEB_WORKERS") or "CPU cores + 1"
        print(f"gunicorn ({workers} processes x 4 threads), PostgreSQL, Redis cache; wrk: {args.connections} connections, {args.seconds} s each\n")
        print(f"{'request':<46} {'req/s':>8} {'p50':>9} {'p99':>9} {'errors':>7} {'memory (MB)':>16} {'vs trivial':>11}")
        trivial = None
        for label, method, path, body, headers in runs:
            wrk(base + path, method=method, body=body, headers=headers, seconds=2, connections=args.connections)  # warm up
            before = memory_mb(web.pid)
            figures = wrk(base + path, method=method, body=body, headers=headers, seconds=args.seconds, connections=args.connections)
            after = memory_mb(web.pid)
            trivial = trivial or figures["rate"]
            print(
                f"{label:<46} {figures['rate']:8.0f} {figures['p50']:7.1f}ms {figures['p99']:7.1f}ms {figures['errors']:7d}"
                f" {before:7.0f} → {after:<6.0f} {figures['rate'] / trivial:10.0%}"
            )
    finally:
        for process in (web, engine):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
