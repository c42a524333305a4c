"""Requests per second (and latency) of the submit endpoint and the webhook endpoint, next to
a trivial DRF view (GET /api/me) on the same server, over real HTTP from concurrent clients
in a separate process.

Submit does real work per request: validates the inputs, holds the credits, creates the job,
its event and its submit task; the worker (not running here) talks to fal. A second submit
run uses small data: URIs, which are decoded, checked (Pillow / PyAV) and stored on every
request. A third points fal at a closed port: the answer must not wait for fal. The webhook
run replays one genuinely signed delivery: after the first, each costs the ED25519
verification and the replay check (one insert that the unique signature refuses), and is
answered 200 without touching the job.

Run: .venv/bin/python bench/submit_throughput.py [--seconds 5] [--clients 4]
"""

import argparse
import json
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import harness


def hammer(method, url, *, seconds, clients, headers=(), body=None):
    """Run bench/load.py in its own process against url; returns its JSON figures."""
    with tempfile.NamedTemporaryFile("wb", suffix=".body") as body_file:
        command = [sys.executable, str(Path(__file__).with_name("load.py")), method, url, "--seconds", str(seconds), "--clients", str(clients)]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    # Long engine runs: the engine's runners sleep instead of competing for the CPU. The
    # per-user limits would refuse a benchmark's burst, which is the point of them.
    harness.setup_django(ENGINE_PROCESSING_SECONDS=3600, ENGINE_CONCURRENCY=1, **harness.NO_USER_LIMITS)
    _, base_url = harness.start_app_server()

    from django.conf import settings
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from engine.webhooks import signed_headers
    from jobs import media
    from jobs.services import submission
    from jobs.models import Job
    from jobs.registry import MODELS
    from tests.factories import data_uri, portrait_png, speech_wav

    user = harness.bench_user()
    token = f"Authorization: Token {Token.objects.get_or_create(user=user)[0].key}"
    hosted = {"image_url": "https://example.com/face.png", "audio_url": "https://example.com/speech.wav"}
    inline = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(seconds=2), "audio/wav")}

    job = submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=media.check_image(portrait_png()),
        audio=media.check_audio(speech_wav()),
    )
    Job.objects.filter(pk=job.pk).update(request_id="bench-request")
    delivery = json.dumps({"error": None, "payload": {}, "request_id": "bench-request", "status": "OK"}, sort_keys=True).encode()
    signed = [f"{name}: {value}" for name, value in signed_headers("bench-request", delivery).items()]

    runs = [
        ("GET /api/me (trivial DRF view)", "GET", "/api/me", [token], None),
        ("POST submit, hosted URLs", "POST", "/api/generate/kling-avatar/submit", [token], json.dumps(hosted).encode()),
        ("POST submit, data: URIs (~70 KB)", "POST", "/api/generate/kling-avatar/submit", [token], json.dumps(inline).encode()),
        ("POST fal webhook (signed, replayed)", "POST", f"/webhooks/fal/{job.id}/", signed, delivery),
        ("POST submit, fal unreachable", "POST", "/api/generate/kling-avatar/submit", [token], json.dumps(hosted).encode()),
    ]
    print(f"{args.clients} concurrent clients, {args.seconds:g} s per run, database: {connection.vendor}\n")
    print(f"{'request':<36} {'req/s':>8} {'p50':>9} {'p95':>9} {'p99':>9}")
    for label, method, path, headers, body in runs:
        if "unreachable" in label:
            settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"
        figures = hammer(method, base_url + path, seconds=args.seconds, clients=args.clients, headers=headers, body=body)
        print(
            f"{label:<36} {figures['rate']:8.1f} {figures['p50_ms']:7.1f}ms {figures['p95_ms']:7.1f}ms {figures['p99_ms']:7.1f}ms"
            + (f"   ({figures['failed']} failed)" if figures["failed"] else "")
        )


if __name__ == "__main__":
    main()
