"""How often we ask fal about a job, and how long a job may take.

Without a webhook we must notice completion by polling, within ~10 s of fal finishing,
while spending about 40 status calls on an 8-minute job. Early in a run completion is
unlikely, so polls are sparse; from 40 % of the expected run time they come every
1/60 of it (8 s for an 8-minute job). With a webhook, polls only refresh the queue
position and logs, every 1/16 of the expected time, until the job is overdue.
All intervals are fractions of the expected run time, so a short local engine run (or
a benchmark's scaled-down job) gets the same shape in seconds.
"""

from django.conf import settings
from django.utils import timezone

from .registry import model_for_endpoint

SPARSE_FRACTION = 1 / 10.7  # ~45 s for an 8-minute job
DENSE_FRACTION = 1 / 60  # 8 s for an 8-minute job
DENSE_FROM = 0.4  # switch to dense polling at 40 % of the expected run time
WEBHOOK_FRACTION = 1 / 16  # 30 s for an 8-minute job
OVERDUE_AFTER = 1.1  # with a webhook, start dense polling at 110 % of the expected run time
MIN_INTERVAL = 0.05


def expected_run_seconds(job) -> float:
    """How long a run of this job's model usually takes, on the engine we talk to."""
    if settings.JOB_EXPECTED_SECONDS:
        return settings.JOB_EXPECTED_SECONDS
    if settings.FAL_MODE == "local":
        return settings.ENGINE_PROCESSING_SECONDS
    return model_for_endpoint(job.endpoint_id).expected_seconds


def budget_seconds() -> float:
    return settings.JOB_BUDGET_SECONDS


def next_poll_delay(job, *, webhook_expected: bool) -> float:
    expected = expected_run_seconds(job)
    started = job.submit_started_at or job.created_at
    elapsed = (timezone.now() - started).total_seconds()
    if webhook_expected and elapsed < expected * OVERDUE_AFTER:
        interval = expected * WEBHOOK_FRACTION
    elif not webhook_expected and elapsed < expected * DENSE_FROM:
        interval = min(expected * SPARSE_FRACTION, expected * DENSE_FROM - elapsed)
    else:
        interval = expected * DENSE_FRACTION
    return max(interval, MIN_INTERVAL)


def error_retry_delay() -> float:
    """After a failed fal call: soon, but not in a tight loop."""
    return max(min(5.0, settings.JOB_BUDGET_SECONDS / 100), MIN_INTERVAL)


def submit_retry_delay(attempts: int) -> float:
    return max(min(2.0 ** attempts, 60.0) * min(1.0, settings.JOB_BUDGET_SECONDS / 720), MIN_INTERVAL)
