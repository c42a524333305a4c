"""fal status calls per job, and the delay between fal finishing and our noticing it, for a
job whose webhook arrives, one whose webhook is lost, and a watched job (webhook arriving,
or lost), under the polling plans of issue 22 and under the old schedule (every job dense,
POLL_DENSELY), in one run.

An 8-minute Kling job is replayed at 1/SCALE speed against the local engine: the engine
"processes" for 480/SCALE seconds, plus its real render time, which is not scaled; so the
expected run time the schedule plans for (JOB_EXPECTED_SECONDS) is set to the median run
the engine measured for the jobs that prove the webhooks, as a model's figure is its usual
run. The polling schedule, fractions of the expected run time, shrinks with it.
Status-call counts need no scaling; they include the status read that fetches a finished
job's result. How late a lost webhook is noticed is shown as on an 8-minute job (the real
delay x 480 / the expected run: the machine's own latency is multiplied too) and in real
time; a delivered webhook's latency is real time only. "by webhook" counts the jobs a
webhook noticed first (a live check can beat it).

"Watched" is what the job page's event stream (or a client polling our API) does: it calls
jobs.services.watching.note_watched from the moment the job is created.

Before the plans are measured, one job proves the webhooks (a new installation polls
densely until a verified webhook noticed a completion). The run itself loses a webhook on
half its jobs on purpose, which would turn a real fleet's webhooks unhealthy (every job
dense); WEBHOOK_HEALTH_MIN_SHARE is lowered for the run so each mode shows its own plan.

Run: .venv/bin/python bench/polling.py [--scale 20] [--jobs 4]
"""

import argparse
import statistics
import time

import harness

MODES = [  # (label, watched, webhook lost)
    ("webhook arrives", False, False),
    ("webhook lost", False, True),
    ("watched", True, False),
    ("watched, webhook lost", True, True),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    processing = 480 / args.scale
    # The smallest render keeps the engine's real (unscaled) render time, and its spread, small.
    harness.setup_django(
        ENGINE_PROCESSING_SECONDS=processing,
        ENGINE_CONCURRENCY=args.jobs,
        ENGINE_RENDER_LONG_SIDE=64,
        WEBHOOK_HEALTH_MIN_SHARE=0.2,
    )
    harness.start_app_server()
    harness.start_worker()

    from django.conf import settings

    from engine.state import ENGINE
    from jobs import media
    from jobs.registry import MODELS
    from jobs.services import submission
    from jobs.services.watching import note_watched
    from jobs.services.webhook_health import measure_webhook_health
    from tests.factories import portrait_png, speech_wav

    image, audio = media.check_image(portrait_png()), media.check_audio(speech_wav(seconds=3))
    user = harness.bench_user()

    def run(count, *, watched=False, lost=False):
        ENGINE.reset()
        if lost:
            ENGINE.faults.drop_next_webhooks(count)
        jobs = [
            submission.create_job(user=user, model=MODELS["kling-avatar-pro"], image=image, audio=audio)
            for _ in range(count)
        ]
        return finished(jobs, ENGINE, watched=watched, note_watched=note_watched, timeout=processing * 4 + 30)

    # Prove the webhooks (polled densely until then) and measure the engine's real run.
    settings.JOB_EXPECTED_SECONDS = processing * 3  # so no dense check beats the webhooks
    runs = []
    for _ in range(5):
        runs += run(args.jobs)["runs"]
        if measure_webhook_health().healthy:
            break
    else:
        raise SystemExit(f"webhooks never proved healthy: {measure_webhook_health().reason}")
    expected = settings.JOB_EXPECTED_SECONDS = statistics.median(runs)
    spread = f"{min(runs):.2f}-{max(runs):.2f} s"

    print(
        f"8-minute job replayed at 1/{args.scale:g} speed: engine "
        f"processing {processing:.2f} s, measured run {expected:.2f} s "
        f"(median, the expected run time planned for; {spread}), {args.jobs} jobs per mode\n"
    )
    print(
        f"{'schedule':<22} {'mode':<22} {'status calls/job':>17} "
        f"{'by webhook':>10} {'noticed after (as on 8 min)':>28} {'(real)':>17}"
    )
    for schedule, dense in (("plans (issue 22)", False), ("old (every job dense)", True)):
        settings.POLL_DENSELY = dense
        for label, watched, lost in MODES:
            result = run(args.jobs, watched=watched, lost=lost)
            calls, late = result["calls"], result["late"]
            scaled = (
                f"{statistics.mean(late) * 480 / expected:>10.1f} s (max {max(late) * 480 / expected:>5.1f})"
                if lost
                else f"{'-':>23}"
            )
            print(
                f"{schedule:<22} {label:<22} {statistics.mean(calls):>8.1f} (max "
                f"{max(calls):>3}) {result['by_webhook']:>6} of {len(calls)}"
                f" {scaled:>28} {statistics.mean(late) * 1000:>6.0f} ms (max {max(late) * 1000:>4.0f})"
            )
        if not dense:
            print(f"{'':<22} (webhook health after these: {measure_webhook_health().reason})")


def finished(jobs, engine, *, watched, note_watched, timeout):
    """Wait for `jobs` to complete (watching them meanwhile if asked); each one's status calls
    at the engine and seconds from fal finishing to our noticing."""
    from jobs.models import Job, JobState

    ids = [job.id for job in jobs]
    deadline = time.monotonic() + timeout
    while Job.objects.filter(pk__in=ids).exclude(state__in=[JobState.COMPLETED, JobState.FAILED]).exists():
        if time.monotonic() > deadline:
            raise SystemExit("jobs did not finish in time")
        if watched:
            for job in Job.objects.filter(pk__in=ids):
                note_watched(job)  # as the job page's stream does on each of its rounds
        time.sleep(0.05)
    stats = engine.stats()["requests"]
    calls, late, runs, by_webhook = [], [], [], 0
    for job in Job.objects.filter(pk__in=ids):
        assert job.state == JobState.COMPLETED, job.error
        request = stats[job.request_id]
        calls.append(request["status_calls"])
        late.append(job.fal_finished_at.timestamp() - request["completed_at"])
        runs.append(request["completed_at"] - request["started_at"])
        by_webhook += job.fal_finished_by == "webhook"
    return {"calls": calls, "late": late, "runs": runs, "by_webhook": by_webhook}


if __name__ == "__main__":
    main()
