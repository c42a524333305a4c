"""A 100-item batch end to end against the local engine: one portrait and 100 distinct
speech clips uploaded through /api/v1/files, one POST /api/v1/batches, a task worker in its
own process, until the batch ends; then its zip is downloaded.

Prints the wall time (upload, creation, until the last item ended, zip download), the
worker's peak resident memory, fal calls per item by kind (counted by the engine) and the
zip's size.

Run: .venv/bin/python bench/batch_end_to_end.py [--items 100] [--engine-seconds 1]
     (BENCH_DATABASE_URL: default a throw-away SQLite file)
"""

import argparse
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import harness


def peak_rss_mb(pid):
    return int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--engine-seconds", type=float, default=1.0)
    args = parser.parse_args()

    settings_for_run = {
        "ENGINE_PROCESSING_SECONDS": args.engine_seconds,
        "ENGINE_CONCURRENCY": 4,
        "JOB_BUDGET_SECONDS": 3600,
        "MAX_BATCH_SIZE": max(args.items, 100),
        "STARTING_CREDITS": 10**12,
        "THROTTLE_UPLOAD": "1000000/minute",
        "THROTTLE_READ": "1000000/minute",
        "THROTTLE_SUBMIT": "1000000/minute",
    }
    workdir = harness.setup_django(**settings_for_run)
    import httpx

    from api.models import ApiToken
    from engine.state import ENGINE
    from tests.factories import portrait_png, speech_wav

    _, base_url = harness.start_app_server()
    environment = {
        **os.environ,
        "FAL_ENGINE_URL": f"{base_url}/_fal",
        "PUBLIC_BASE_URL": base_url,
        "LOG_LEVEL": "WARNING",
        **{name: str(value) for name, value in settings_for_run.items()},
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-resume", "--interval", "0.05", "--worker-id", "batch-bench"],
        cwd=harness.PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _, secret = ApiToken.issue(harness.bench_user(), "bench")
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=120) as client:
            began = time.monotonic()
            portrait = upload(client, "face.png", portrait_png(), "image/png")
            clips = [
                upload(client, f"clip-{index}.wav", speech_wav(seconds=1.0, frequency=150.0 + index), "audio/wav")
                for index in range(args.items)
            ]
            uploaded = time.monotonic()
            response = client.post("/api/v1/batches", json={"image_url": portrait, "audio_urls": clips})
            response.raise_for_status()
            batch_url = response.json()["url"]
            created = time.monotonic()
            while (batch := client.get(batch_url).json())["finished_at"] is None:
                time.sleep(0.25)
            ended = time.monotonic()
            size = 0
            with client.stream("GET", batch["archive_url"]) as archive:
                archive.raise_for_status()
                for chunk in archive.iter_bytes():
                    size += len(chunk)
            downloaded = time.monotonic()
        worker_peak = peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    calls = Counter(ENGINE.stats()["calls"])
    print(
        f"{args.items} items, engine {args.engine_seconds:g} s per "
        f"video and 4 at a time, worker in its own process, {workdir}"
    )
    print(f"  totals: {batch['totals']}")
    print(
        f"  upload 1 portrait + {args.items} clips: {uploaded - began:.1f} "
        f"s; create the batch: {(created - uploaded) * 1000:.0f} ms"
    )
    print(
        f"  created -> every item ended: {ended - created:.1f} s "
        f"({(ended - created) / args.items * 1000:.0f} ms per item)"
    )
    print(
        f"  zip of {batch['totals']['completed']} videos: {size / 1e6:.1f} MB streamed in {downloaded - ended:.2f} s"
    )
    print(f"  worker peak RSS: {worker_peak:.0f} MB")
    per_item = ", ".join(f"{kind} {count / args.items:.2f}" for kind, count in sorted(calls.items()))
    print(f"  fal calls per item: {sum(calls.values()) / args.items:.2f} ({per_item})")


def upload(client, name, data, content_type):
    response = client.post("/api/v1/files", files={"file": (name, data, content_type)})
    response.raise_for_status()
    return response.json()["file_url"]


if __name__ == "__main__":
    main()
