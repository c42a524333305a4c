"""When things happen to a job: its budget and deadline, how often we ask fal about it,
and how long we wait before trying a failed call again.

A webhook is the normal way a job ends. Status calls serve two needs only: noticing a lost
webhook, and live progress (queue position, log lines) for someone who is watching. So each
check is planned by one of three plans (`poll_plan`):

- **sparse** — nobody watches and the fleet's webhooks are healthy
  (jobs.services.webhook_health): one check 1/60 of the expected run time after the submit
  (8 s for an 8-minute job: the queue position, and whether the run started), every 1/8 of
  it while fal still queues the job, one at the expected end of the run, then every 1/8 of
  it (60 s) until the deadline. A job whose webhook arrives costs at most two checks,
  three with the status read that fetches its result, even when it runs up to 1/8 over
  its expected time (the webhook's chance to come before a third); a lost webhook is
  noticed within 60 s of fal finishing for a job that finishes from its expected end on (one
  that finishes earlier, at the end check). The run is planned from the earliest moment it
  can have started: the check before the one that saw it running, at most 1/8 earlier.
- **live** — someone watches (`watched_until`, set by jobs.services.watching: the job page's
  stream, the proxy's stream, status calls to our API in the last minute): a check every
  1/120 of the expected run time, at most every LIVE_MAX_SECONDS (4 s), so the queue
  position and the log lines show live and a lost webhook is noticed within 10 s. A job that
  becomes watched has its next check brought forward to now.
- **dense** — webhooks unhealthy, unproven or off: the schedule every job had before,
  noticing completion within ~10 s for ~40 status calls on an 8-minute job: until 40 % of the
  expected run time a check every ~45 s, from there every 1/60 of it (8 s),
  and once a job is well overdue (125 %) intervals growing back to the sparse ~45 s.

Besides its plan, a job is checked when it is *overtaken*: fal starts a queue's requests in
the order they were sent, so when a job sent at least overtaken_check_delay later to the same
fal queue, with a clip no longer, finishes (its webhook, or a check, says so) while this one
has not, this one's webhook may be the lost one. Its check is brought forward to
overtaken_check_delay after that news (8 s for an 8-minute job, never under 2 s: time for its
own webhook, if merely slower, to land first and count as noticed by webhook). Once per job
(`Job.overtaken_at`): a run merely slower than the one that overtook it costs one extra
check, no more. This is how an unwatched job that ends well before its expected end, its
webhook lost, is noticed soon after the next completion behind it rather than at its end
check (docs/pipeline.md argues the bound).

POLL_DENSELY puts every job, watched or not, back on the dense schedule (as before).

All intervals are fractions of the expected run time, so the local engine's short runs (and
the benchmark's scaled-down 8-minute job) get the same shape in seconds. The budget runs
from the job's creation, whatever happens to its submission.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .registry import model_for_endpoint
from .services.webhook_health import webhook_health

# The dense plan (every job's schedule before webhooks were trusted).
SPARSE_FRACTION = 1 / 10.7  # ~45 s for an 8-minute job
DENSE_FRACTION = 1 / 60  # 8 s for an 8-minute job
DENSE_FROM = 0.4
OVERDUE_FROM = 1.25
# The sparse plan: the first check after the submit, the check at the expected end, and the
# interval while fal queues the job or after its expected end (60 s for an 8-minute job).
FIRST_CHECK_FRACTION = 1 / 60
END_CHECK_AT = 1.0
LATE_CHECK_FRACTION = 1 / 8
# The live plan: 4 s for an 8-minute job, never longer (a lost webhook noticed within 10 s).
LIVE_FRACTION = 1 / 120
LIVE_MAX_SECONDS = 4.0
# A job overtaken by a later one (see the docstring) is checked this long after the news:
# a fraction of the run, but never less than a webhook's own delivery time needs.
OVERTAKEN_GRACE_FRACTION = 1 / 60
OVERTAKEN_GRACE_MIN_SECONDS = 2.0
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


def poll_plan(job, now=None) -> str:
    """ "live", "dense" or "sparse" (see the module docstring)."""
    if settings.POLL_DENSELY:
        return "dense"  # the one schedule of before, for every job
    if is_watched(job, now):
        return "live"
    if not webhook_health().healthy:
        return "dense"
    return "sparse"


def is_watched(job, now=None) -> bool:
    return bool(job.watched_until and job.watched_until > (now or timezone.now()))


def next_poll_delay(job) -> float:
    """Seconds until the job's next status check, by its plan."""
    now = timezone.now()
    delay = {"live": live_poll_delay, "dense": dense_poll_delay, "sparse": sparse_poll_delay}[poll_plan(job, now)](
        job, now
    )
    return max(delay, MIN_INTERVAL)


def _expected(job) -> float:
    return max(expected_run_seconds(job), MIN_EXPECTED_SECONDS)


def live_poll_delay(job, now=None) -> float:
    return max(min(_expected(job) * LIVE_FRACTION, LIVE_MAX_SECONDS), MIN_INTERVAL)


def dense_poll_delay(job, now=None) -> float:
    expected = _expected(job)
    elapsed = ((now or timezone.now()) - run_started_at(job)).total_seconds()
    sparse, dense = expected * SPARSE_FRACTION, expected * DENSE_FRACTION
    if elapsed < expected * DENSE_FROM:
        # Never sleep past the start of the dense phase.
        interval = min(sparse, expected * DENSE_FROM - elapsed)
    elif elapsed < expected * OVERDUE_FROM:
        interval = dense
    else:
        interval = min(sparse, dense * (elapsed / (expected * OVERDUE_FROM)) ** 4)
    return max(interval, MIN_INTERVAL)


def sparse_poll_delay(job, now=None) -> float:
    now = now or timezone.now()
    expected = _expected(job)
    late = expected * LATE_CHECK_FRACTION
    if not job.started_at:
        queued_for = (now - (job.queued_at or submitted_at(job))).total_seconds()
        first = expected * FIRST_CHECK_FRACTION
        return first - queued_for if queued_for < first else late
    # We saw the run started at a check; it may have started as early as the check before.
    earliest_start = max(submitted_at(job), job.started_at - timedelta(seconds=late))
    running_for = (now - earliest_start).total_seconds()
    end = expected * END_CHECK_AT
    return end - running_for if running_for < end else late


def overtaken_check_delay(job) -> float:
    """Seconds after a later-sent job finished before the jobs it overtook are checked; also
    how much earlier a job must have been sent to count as overtaken."""
    return max(_expected(job) * OVERTAKEN_GRACE_FRACTION, OVERTAKEN_GRACE_MIN_SECONDS)


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
