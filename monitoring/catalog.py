"""Every metric /metrics exposes: its name, kind, help text, labels and (for histograms)
buckets. Counted series live in MetricTotal (see monitoring.recorder); read series are
computed from the pipeline's own tables at scrape time (see monitoring.exposition)."""

from dataclasses import dataclass

# Seconds a job spends in one step: a real Kling run takes minutes, the local engine's one.
JOB_STEP_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200)
FAL_CALL_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # "counter" | "gauge" | "histogram"
    help: str
    labels: tuple = ()
    buckets: tuple = ()


# --- Counted (MetricTotal rows, added by every process) -----------------------------------
FAL_CALLS = Metric(
    "avatar_fal_calls_total",
    "counter",
    "Calls to fal (or the local engine) by operation and outcome "
    "(ok, http_<status>, unreachable, transport_error, bad_answer).",
    ("operation", "outcome"),
)
FAL_CALL_SECONDS = Metric(
    "avatar_fal_call_duration_seconds",
    "histogram",
    "How long one call to fal took, by operation.",
    ("operation",),
    FAL_CALL_BUCKETS,
)
FINISHES_NOTICED = Metric(
    "avatar_fal_finishes_noticed_total",
    "counter",
    "Requests we learned fal had finished, by how we learned it (webhook, poll, cancel).",
    ("source",),
)
WEBHOOK_REJECTIONS = Metric(
    "avatar_webhook_rejections_total",
    "counter",
    "fal callbacks refused before they touched a job, by reason.",
    ("reason",),
)
JOBS_FINISHED = Metric(
    "avatar_jobs_finished_total", "counter", "Jobs that reached an end state, by state and model.", ("state", "model")
)
SLOT_WAIT_SECONDS = Metric(
    "avatar_job_slot_wait_seconds",
    "histogram",
    "Completed jobs: creation until queued at fal (our own queue and the submit).",
    ("model",),
    JOB_STEP_BUCKETS,
)
QUEUE_SECONDS = Metric(
    "avatar_job_queue_seconds",
    "histogram",
    "Completed jobs: time in fal's queue (queued until processing started).",
    ("model",),
    JOB_STEP_BUCKETS,
)
PROGRESS_SECONDS = Metric(
    "avatar_job_progress_seconds",
    "histogram",
    "Completed jobs: time in progress at fal (processing started until fal finished).",
    ("model",),
    JOB_STEP_BUCKETS,
)
INGEST_SECONDS = Metric(
    "avatar_job_ingest_seconds",
    "histogram",
    "Completed jobs: time storing the video (fal finished until completed).",
    ("model",),
    JOB_STEP_BUCKETS,
)
DELIVERED_LONGER_THAN_PRICED = Metric(
    "avatar_jobs_delivered_longer_than_priced_total",
    "counter",
    "Completed jobs whose stored video plays longer than the "
    "audio they were priced on (fal charged more than was held).",
    ("model",),
)
INGESTED_BYTES = Metric(
    "avatar_ingested_bytes_total", "counter", "Bytes of video stored from fal into our storage.", ("model",)
)
HTTP_REQUESTS = Metric(
    "avatar_http_requests_total",
    "counter",
    "HTTP requests answered, by view, method and status.",
    ("view", "method", "status"),
)
HTTP_SECONDS = Metric(
    "avatar_http_request_duration_seconds",
    "histogram",
    "Time to answer an HTTP request (the whole middleware stack).",
    (),
    HTTP_BUCKETS,
)

COUNTED = (
    FAL_CALLS,
    FAL_CALL_SECONDS,
    FINISHES_NOTICED,
    WEBHOOK_REJECTIONS,
    JOBS_FINISHED,
    SLOT_WAIT_SECONDS,
    QUEUE_SECONDS,
    PROGRESS_SECONDS,
    INGEST_SECONDS,
    INGESTED_BYTES,
    DELIVERED_LONGER_THAN_PRICED,
    HTTP_REQUESTS,
    HTTP_SECONDS,
)

# --- Read from the database at scrape time ------------------------------------------------
JOBS = Metric("avatar_jobs", "gauge", "Jobs in the database, by state and model.", ("state", "model"))
CREDITS = Metric(
    "avatar_credits_total",
    "counter",
    "Credits moved by jobs, from the ledger: reserve (held), capture (charged), release (given back).",
    ("kind",),
)
READY_TASKS = Metric("avatar_tasks_ready", "gauge", "Background tasks ready to run and not yet claimed by a worker.")
OLDEST_READY_TASK = Metric(
    "avatar_task_oldest_ready_age_seconds",
    "gauge",
    "How long the oldest ready task has waited for a worker (worker lag); 0 when none waits.",
)
WORKERS_ALIVE = Metric(
    "avatar_workers_alive", "gauge", "Task workers whose last heartbeat is younger than WORKER_DEAD_AFTER_SECONDS."
)
NEWEST_HEARTBEAT_AGE = Metric(
    "avatar_worker_heartbeat_age_seconds",
    "gauge",
    "Seconds since the most recent worker heartbeat (absent when no worker ever reported).",
)
OUTGOING_DELIVERIES = Metric(
    "avatar_outgoing_webhook_deliveries",
    "gauge",
    "Outgoing webhook deliveries by outcome (pending, succeeded, "
    "failed); no samples while the outbox app is not installed.",
    ("outcome",),
)


def bucket_bound(metric: Metric, value: float) -> str:
    """The `le` label of the bucket an observation falls in (Prometheus' upper bounds)."""
    for bound in metric.buckets:
        if value <= bound:
            return format_bound(bound)
    return "+Inf"


def format_bound(bound) -> str:
    return repr(float(bound))
