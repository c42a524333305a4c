"""Open streams under the production server: 500 fal proxy status streams from 10 users (each
following a job of theirs in progress) held open under gunicorn as scripts/serve starts it,
on PostgreSQL, while a load generator reads /healthz and GET /api/v1/me. Prints their
latency without and with the streams open, and the web processes' memory per open stream.

The streams are held by one asyncio process (raw sockets: it reads every event, and counts
the streams that answered 200 and sent their first event); the readers are bench/load.py
processes, one per URL.

Run: .venv/bin/python bench/streams.py [--streams 500] [--users 10] [--seconds 10] [--clients 2]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avatar_streams, recreated)
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avatar_streams"


async def hold_streams(port, requests, ready_file):
    """Open every stream (`requests`: (token, job id)), keep reading them; write how many are
    open to `ready_file` once each has answered, then hold them until killed."""

    async def one(token, job_id, opened):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        target = f"https://queue.fal.run/fal-ai/kling-video/requests/{job_id}/status/stream"
        writer.write(
            "GET /api/fal/proxy HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
            f"Token {token}\r\nx-fal-target-url: {target}\r\n\r\n".encode()
        )
        status = (await reader.readline()).split()[1]
        if status == b"200":
            while not (await reader.readline()).startswith(b"data: "):
                pass
        opened.append(status)
        while await reader.read(65536):  # keep reading: a client that stops is not the case measured
            pass

    opened = []
    tasks = [asyncio.create_task(one(token, job_id, opened)) for token, job_id in requests]
    while len(opened) < len(requests):
        failed = [task for task in tasks if task.done()]
        if failed:  # a stream that ended or failed before its first event
            await failed[0]
            raise RuntimeError(f"a stream ended before its first event ({len(opened)} open)")
        await asyncio.sleep(0.1)
    Path(ready_file).write_text(
        json.dumps({"ok": opened.count(b"200"), "refused": len(opened) - opened.count(b"200")})
    )
    await asyncio.gather(*tasks)


def reads(base, token, seconds, clients):
    """/healthz and /api/v1/me, each hammered by its own bench/load.py process at once."""
    load = str(Path(__file__).with_name("load.py"))
    processes = {
        "/healthz": subprocess.Popen(
            [sys.executable, load, "GET", f"{base}/healthz", "--seconds", str(seconds), "--clients", str(clients)],
            stdout=subprocess.PIPE,
        ),
        "/api/v1/me": subprocess.Popen(
            [
                sys.executable,
                load,
                "GET",
                f"{base}/api/v1/me",
                "--seconds",
                str(seconds),
                "--clients",
                str(clients),
                "--header",
                f"Authorization: Token {token}",
            ],
            stdout=subprocess.PIPE,
        ),
    }
    return {path: json.loads(process.communicate()[0]) for path, process in processes.items()}


def memory_mb(parent_pid):
    children = subprocess.run(["pgrep", "-P", str(parent_pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in [parent_pid, *map(int, children)]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def threads(parent_pid):
    children = subprocess.run(["pgrep", "-P", str(parent_pid)], capture_output=True, text=True).stdout.split()
    return sum(len(list(Path(f"/proc/{pid}/task").iterdir())) for pid in children)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=2, help="clients per URL read")
    parser.add_argument("--hold", nargs=3, metavar=("PORT", "REQUESTS", "READY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:  # the stream-holding process
        asyncio.run(hold_streams(int(args.hold[0]), json.loads(Path(args.hold[1]).read_text()), args.hold[2]))
        return
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    harness.fresh_postgres(database_url)
    os.environ["BENCH_DATABASE_URL"] = database_url
    os.environ["CACHE_URL"] = "rediscache://127.0.0.1:6379/6"  # the shared cache production runs on
    per_user = -(-args.streams // args.users)
    harness.setup_django(MAX_STREAMS_PER_USER=per_user, **harness.NO_USER_LIMITS)

    from django.core.cache import cache
    from rest_framework.authtoken.models import Token

    from jobs.models import JobState
    from tests.avatars.builders import make_job
    from tests.conftest import wait_for
    from tests.servers import free_port, port_open

    cache.clear()  # slots and counts of an earlier run, whose user ids this fresh database reuses

    users = [harness.bench_user(f"streamer{n}") for n in range(args.users)]
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in users]
    jobs = [str(make_job(user, JobState.IN_PROGRESS).id) for user in users]
    requests = [(tokens[n % args.users], jobs[n % args.users]) for n in range(args.streams)]

    port = free_port()
    environment = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_ACCESS_LOG": "false",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
        cwd=harness.PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    holder = None
    workdir = Path(os.environ["MEDIA_ROOT"]).parent
    try:
        wait_for(lambda: port_open(port), timeout=60, message="gunicorn")
        base = f"http://127.0.0.1:{port}"
        reads(base, tokens[0], 2, args.clients)  # warm up every process
        quiet = reads(base, tokens[0], args.seconds, args.clients)
        memory_before, threads_before = memory_mb(web.pid), threads(web.pid)

        (workdir / "requests.json").write_text(json.dumps(requests))
        ready = workdir / "ready.json"
        started = time.monotonic()
        holder = subprocess.Popen(
            [sys.executable, __file__, "--hold", str(port), str(workdir / "requests.json"), str(ready)]
        )
        wait_for(ready.exists, timeout=300, message="the streams to open")
        opening_seconds = time.monotonic() - started
        held = json.loads(ready.read_text())
        time.sleep(2)  # every stream past its first event, reading the job on its schedule
        memory_with, threads_with = memory_mb(web.pid), threads(web.pid)
        busy = reads(base, tokens[0], args.seconds, args.clients)
        still_open = holder.poll() is None
    finally:
        for process in (holder, web):
            if process:
                process.terminate()
                process.wait(timeout=60)

    workers = os.environ.get("WEB_WORKERS") or "CPU cores + 1"
    print(
        f"gunicorn + uvicorn workers ({workers} processes), PostgreSQL, Redis "
        f"cache; {args.streams} proxy status streams from {args.users} users;"
    )
    print(f"readers: {args.clients} clients per URL, {args.seconds:g} s\n")
    print(
        f"streams open: {held['ok']} (refused {held['refused']}), all open in "
        f"{opening_seconds:.1f} s, still held after the reads: {still_open}"
    )
    print(f"web processes' threads: {threads_before} without streams, {threads_with} with")
    print(
        f"web processes' memory: {memory_before:.0f} MB without streams, {memory_with:.0f} MB with; "
        f"{(memory_with - memory_before) * 1024 / max(held['ok'], 1):.0f} KB per open stream\n"
    )
    print(
        f"{'request':<12} {'p50 quiet':>10} {'p99 quiet':>10} {'p50 streams':>12} {'p99 streams':>12} "
        f"{'p99 ratio':>10} {'req/s quiet':>12} {'req/s streams':>14} {'failed':>7}"
    )
    for path in quiet:
        q, b = quiet[path], busy[path]
        print(
            f"{path:<12} {q['p50_ms']:8.1f}ms {q['p99_ms']:8.1f}ms {b['p50_ms']:10.1f}ms "
            f"{b['p99_ms']:10.1f}ms {b['p99_ms'] / q['p99_ms']:9.2f}x"
            f" {q['rate']:12.0f} {b['rate']:14.0f} {q['failed'] + b['failed']:7d}"
        )


if __name__ == "__main__":
    main()
