"""Requests per second of the submit endpoint, next to a trivial DRF view (GET /api/me) on
the same server, both with token auth, over real HTTP from concurrent clients.

Submit does real work per request: validates the inputs, creates the job and its event,
and submits it to the (local) fal queue through fal-client before answering. Inputs are
hosted URLs here, so no media is decoded; a second submit run uses small data: URIs,
which are decoded and checked (Pillow / PyAV) on every request.

Run: .venv/bin/python bench/submit_throughput.py [--seconds 10] [--clients 4]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import harness


def hammer(url, *, method, token, body, seconds, clients):
    """Run bench/load.py in its own process against url; returns (req/s, failures)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as body_file:
        json.dump(body, body_file)
        body_file.flush()
        command = [sys.executable, str(Path(__file__).with_name("load.py")), method, url, token, str(seconds), str(clients)]
        output = subprocess.run(command + ([body_file.name] if body else []), capture_output=True, text=True, check=True).stdout
    result = json.loads(output)
    return result["rate"], result["failed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    # Long engine runs: the engine's runners sleep instead of competing for the CPU.
    harness.setup_django(ENGINE_PROCESSING_SECONDS=3600, ENGINE_CONCURRENCY=1)
    _, base_url = harness.start_app_server()

    from rest_framework.authtoken.models import Token

    from tests.factories import data_uri, portrait_png, speech_wav

    token = Token.objects.get_or_create(user=harness.bench_user())[0].key
    hosted = {"image_url": "https://example.com/face.png", "audio_url": "https://example.com/speech.wav"}
    inline = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(seconds=2), "audio/wav")}
    runs = [
        ("GET /api/me (trivial DRF view)", "GET", "/api/me", None),
        ("POST submit, hosted URLs", "POST", "/api/generate/kling-avatar/submit", hosted),
        ("POST submit, data: URIs (~70 KB)", "POST", "/api/generate/kling-avatar/submit", inline),
    ]
    from django.db import connection

    print(f"{args.clients} concurrent clients, {args.seconds:g} s per run, database: {connection.vendor}\n")
    for label, method, path, body in runs:
        rate, failed = hammer(base_url + path, method=method, token=token, body=body, seconds=args.seconds, clients=args.clients)
        print(f"{label:<36} {rate:8.1f} req/s   ({failed} failed)")


if __name__ == "__main__":
    main()
