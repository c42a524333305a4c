"""When things happen to a job: its budget and deadline, how often we ask fal about it,
and how long we wait before trying a failed call again.

Polling is the fallback for a webhook that never comes, and we can't know in advance which
deliveries will be lost, so every job follows one schedule: a webhook, when it arrives,
simply ends the job's polling early. The schedule notices completion within ~10 s of fal
finishing while spending about 40 status calls on an 8-minute job:

- until 40 % of the expected run time, completion is unlikely: a poll every ~45 s (for an
  8-minute job), enough to show queue position and the first log lines;
- from there on, a poll every 1/60 of the expected run time (8 s for 8 minutes);
- once a job is well overdue (125 %), the interval grows again, back to the sparse one,
  so a stuck job costs little until its budget runs out.

All intervals are fractions of the expected run time, so the local engine's short runs (and
the benchmark's scaled-down 8-minute job) get the same shape in seconds. The budget runs
from the job's creation, whatever happens to its submission.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .registry import model_for_endpoint

SPARSE_FRACTION = 1 / 10.7  # ~45 s for an 8-minute job
DENSE_FRACTION = 1 / 60  # 8 s for an 8-minute job
DENSE_FROM = 0.4
OVERDUE_FROM = 1.25
MIN_INTERVAL = 0.05
# The shortest run time the schedule plans for: an engine set to answer at once (0 s) is
# still polled, on the shortest intervals, rather than divided by zero.
MIN_EXPECTED_SECONDS = 1.0
# fal has made (and billed) the video once it reports the request finished: storing it gets
# this much extra time, not the bin.
INGEST_GRACE_FRACTION = 0.25
# fal-client refuses start timeouts of 1 s or less.
MIN_START_TIMEOUT = 1.5


# --- Clocks ----------------------------------------------------------------------------------


def submitted_at(job):
    """When we first asked fal for this job (its creation, until then)."""
    return job.submit_started_at or job.created_at


def run_started_at(job):
    """When the run started: fal's start of processing, or before that our submission."""
    return job.started_at or submitted_at(job)


def expected_run_seconds(job) -> float:
    """How long a run of this job's model usually takes, on the engine we talk to."""
    if settings.JOB_EXPECTED_SECONDS:
        return settings.JOB_EXPECTED_SECONDS
    if settings.FAL_MODE == "local":
        return settings.ENGINE_PROCESSING_SECONDS
    return model_for_endpoint(job.endpoint_id).expected_seconds


# --- Budget and deadline -------------------------------------------------------------------------


def budget_seconds() -> float:
    return settings.JOB_BUDGET_SECONDS


def budget_with_ingest_grace() -> float:
    """The budget of a job whose video fal has made: the latest any job's deadline can be."""
    return budget_seconds() * (1 + INGEST_GRACE_FRACTION)


def deadline_for(job):
    budget = budget_with_ingest_grace() if job.fal_finished_at else budget_seconds()
    return job.created_at + timedelta(seconds=budget)


def seconds_to_deadline(job) -> float:
    return (deadline_for(job) - timezone.now()).total_seconds()


def deadline_passed(job) -> bool:
    return seconds_to_deadline(job) <= 0


def start_timeout(job) -> float:
    """How long fal may keep the request waiting to start: what is left of the budget."""
    return max(seconds_to_deadline(job), MIN_START_TIMEOUT)


# --- Polls and retries --------------------------------------------------------------------------


def next_poll_delay(job) -> float:
    expected = max(expected_run_seconds(job), MIN_EXPECTED_SECONDS)
    elapsed = (timezone.now() - run_started_at(job)).total_seconds()
    sparse, dense = expected * SPARSE_FRACTION, expected * DENSE_FRACTION
    if elapsed < expected * DENSE_FROM:
        # Never sleep past the start of the dense phase.
        interval = min(sparse, expected * DENSE_FROM - elapsed)
    elif elapsed < expected * OVERDUE_FROM:
        interval = dense
    else:
        interval = min(sparse, dense * (elapsed / (expected * OVERDUE_FROM)) ** 4)
    return max(interval, MIN_INTERVAL)


def ingest_stale_seconds() -> float:
    """An ingest (download, probe, store: seconds) that started this long ago without
    finishing is presumed dead, its worker killed: a quarter of the budget, at most 3 min."""
    return max(min(180.0, budget_seconds() / 4), MIN_INTERVAL)


def error_retry_delay() -> float:
    """After a failed fal call: soon, but not in a tight loop."""
    return max(min(5.0, budget_seconds() / 100), MIN_INTERVAL)


def submit_retry_delay(attempts: int) -> float:
    """Exponential backoff after a refused submit, scaled down with shorter budgets."""
    return max(min(2.0**attempts, 60.0) * min(1.0, budget_seconds() / 720), MIN_INTERVAL)
