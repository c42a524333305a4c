"""fal status calls per job, and the delay between fal finishing and our job completing,
with webhooks delivered and with webhooks dropped.

An 8-minute Kling job is replayed at 1/SCALE speed against the local engine: the engine
"processes" for 480/SCALE seconds and our polling schedule, being fractions of the expected
run time, shrinks with it. Status-call counts need no scaling. Delays that come from the
polling schedule are multiplied back by SCALE ("as on an 8-minute job"); the webhook's own
latency and the ingest (download + probe + store) are real and shown unscaled.

Run: .venv/bin/python bench/polling.py [--scale 50] [--jobs 4]
"""

import argparse
import statistics
import time

import harness


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=50.0)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    processing = 480 / args.scale
    harness.setup_django(ENGINE_PROCESSING_SECONDS=processing, ENGINE_CONCURRENCY=args.jobs)
    harness.start_app_server()
    harness.start_worker()

    from engine.state import ENGINE
    from jobs import media
    from jobs.services import submission
    from jobs.models import Job, JobState
    from jobs.registry import MODELS
    from tests.factories import portrait_png, speech_wav

    image, audio = media.check_image(portrait_png()), media.check_audio(speech_wav(seconds=3))
    user = harness.bench_user()
    print(f"8-minute job replayed at 1/{args.scale:g} speed ({processing:.2f} s), {args.jobs} jobs per mode\n")
    print(f"{'mode':<20} {'status calls/job':>18} {'noticed after (8-min scale)':>29} {'noticed after (real)':>22} {'ingest':>9}")
    for mode in ("webhooks delivered", "webhooks dropped"):
        ENGINE.reset()
        if mode == "webhooks dropped":
            ENGINE.faults.drop_next_webhooks(args.jobs)
        ids = [
            submission.create_job(user=user, model=MODELS["kling-avatar-pro"], image=image, audio=audio).id
            for _ in range(args.jobs)
        ]
        deadline = time.monotonic() + processing * 4 + 30
        while Job.objects.filter(pk__in=ids).exclude(state__in=[JobState.COMPLETED, JobState.FAILED]).exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"{mode}: jobs did not finish in time")
            time.sleep(0.05)
        stats = ENGINE.stats()["requests"]
        calls, noticed, ingest = [], [], []
        for job in Job.objects.filter(pk__in=ids):
            assert job.state == JobState.COMPLETED, job.error
            request = stats[job.request_id]
            calls.append(request["status_calls"])
            noticed.append(job.fal_finished_at.timestamp() - request["completed_at"])
            ingest.append((job.finished_at - job.fal_finished_at).total_seconds())
        scaled = [delay * args.scale for delay in noticed]
        print(
            f"{mode:<20} {statistics.mean(calls):>9.1f} (max {max(calls):>3})"
            f" {statistics.mean(scaled):>13.1f} s (max {max(scaled):>5.1f} s)"
            f" {statistics.mean(noticed) * 1000:>10.0f} ms (max {max(noticed) * 1000:>4.0f})"
            f" {statistics.mean(ingest) * 1000:>6.0f} ms"
        )


if __name__ == "__main__":
    main()
