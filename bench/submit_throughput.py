"""Requests per second (and latency) of submit next to the trivial `GET /api/v1/me`, on the
production server: gunicorn as `scripts/serve web` runs it, PostgreSQL (a fresh database),
Redis, the local engine as fal, no task worker (the submits' tasks wait); the clients are
bench/load.py in a process of its own.

Submit does real work per request: checks the inputs, holds the credits, creates the job,
its event and its tasks in one transaction. Runs: the v1 submit naming uploaded files by
their `file_url` (an API client's usual way), the same with small data: URIs (~70 KB,
decoded, checked with Pillow / PyAV and stored on every request), the seed's submit, the
signed fal webhook replayed (the ED25519 check and the replay refusal), and the v1 submit
again on a second server whose fal is a closed port: the answer must not wait for fal.

Run: .venv/bin/python bench/submit_throughput.py [--seconds 5] [--clients 4]
     (BENCH_DATABASE_URL: default postgres://postgres@127.0.0.1:5432/avs_admission_submit, recreated)
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/avs_admission_submit"


def hammer(method, url, *, seconds, clients, headers=(), body=None):
    """Run bench/load.py in its own process against url; returns its JSON figures."""
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
        for header in headers:
            command += ["--header", header]
        if body is not None:
            body_file.write(body)
            body_file.flush()
            command += ["--body-file", body_file.name]
        return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def closed_port():
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def inline_body():
    sys.path.insert(0, str(harness.PROJECT_DIR))
    from tests.factories import data_uri, portrait_png, speech_wav

    return json.dumps(
        {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(seconds=2), "audio/wav")}
    ).encode()


def run(label, method, url, *, args, headers, body=None):
    hammer(method, url, seconds=1, clients=args.clients, headers=headers, body=body)  # warm up
    figures = hammer(method, url, seconds=args.seconds, clients=args.clients, headers=headers, body=body)
    print(
        f"{label:<44} {figures['rate']:8.1f} {figures['p50_ms']:7.1f}ms "
        f"{figures['p95_ms']:7.1f}ms {figures['p99_ms']:7.1f}ms"
        + (f"   ({figures['failed']} failed)" if figures["failed"] else "")
    )
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    database = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    inline = inline_body()
    print(
        f"gunicorn (config/gunicorn.py), PostgreSQL, Redis; {args.clients} "
        f"concurrent clients (bench/load.py), {args.seconds:g} s per run; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print(f"{'request':<44} {'req/s':>8} {'p50':>9} {'p95':>9} {'p99':>9}")
    with harness.production_server(database) as (base, made):
        token = f"Authorization: Token {made['tokens'][0]}"
        uploaded = harness.submit_body(base, made["tokens"][0]).encode()
        me = run("GET /api/v1/me (trivial DRF view)", "GET", base + "/api/v1/me", args=args, headers=[token])
        submit = run(
            "POST /api/v1/jobs, uploaded files",
            "POST",
            base + "/api/v1/jobs",
            args=args,
            headers=[token],
            body=uploaded,
        )
        run(
            "POST /api/v1/jobs, data: URIs (~70 KB)",
            "POST",
            base + "/api/v1/jobs",
            args=args,
            headers=[token],
            body=inline,
        )
        run(
            "POST seed submit, data: URIs",
            "POST",
            base + "/api/generate/kling-avatar/submit",
            args=args,
            headers=[token],
            body=inline,
        )
        webhook = made["sign"]()
        signed = [f"{name}: {value}" for name, value in webhook["signed"].items()]
        run(
            "POST fal webhook (signed, replayed)",
            "POST",
            f"{base}/webhooks/fal/{made['job']}/",
            args=args,
            headers=signed,
            body=webhook["delivery"].encode(),
        )
    with harness.production_server(database, FAL_ENGINE_URL=f"http://127.0.0.1:{closed_port()}/_fal") as (base, made):
        token = f"Authorization: Token {made['tokens'][0]}"
        run(
            "POST /api/v1/jobs, data: URIs, fal unreachable",
            "POST",
            base + "/api/v1/jobs",
            args=args,
            headers=[token],
            body=inline,
        )
    print(f"\nsubmit (uploaded files) / GET /api/v1/me: {submit['rate'] / me['rate']:.2f}x")


if __name__ == "__main__":
    main()
