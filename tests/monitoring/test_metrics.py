"""/metrics: who may read it, and that its numbers move with the pipeline, by webhook and by
poll, against the local engine over real HTTP."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from credits.models import LedgerEntry
from jobs.models import Job, JobEvent, JobState
from jobs.tasks import admit_waiting_jobs_task
from monitoring import catalog
from tests.conftest import wait_for
from tests.factories import make_user
from tests.jobs.test_pipeline import finished_job, submit
from tests.monitoring.scraping import METRICS_TOKEN, scrape
from workers import services as heartbeats

pytestmark = pytest.mark.django_db(transaction=True)


def scrape_until(client, settings, condition, message):
    """Scrape until `condition(scrape)` holds (a count made on commit in the worker thread
    lands a moment after the row it counts)."""
    return wait_for(
        lambda: (lambda s: s if condition(s) else None)(scrape(client, settings)), timeout=15, message=message
    )


def test_metrics_answer_staff_or_the_bearer_token_only(client, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN

    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200

    client.force_login(make_user("bob"))
    assert client.get("/metrics").status_code == 403
    client.force_login(make_user("root", is_staff=True))
    assert client.get("/metrics").status_code == 200


def test_without_a_configured_token_no_bearer_token_is_accepted(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 403


def test_every_metric_is_described_from_the_first_scrape(client, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).content.decode()

    for metric in (
        *catalog.COUNTED,
        catalog.JOBS,
        catalog.CREDITS,
        catalog.READY_TASKS,
        catalog.OLDEST_READY_TASK,
        catalog.WORKERS_ALIVE,
        catalog.NEWEST_HEARTBEAT_AGE,
        catalog.OUTGOING_DELIVERIES,
    ):
        assert f"# TYPE {metric.name.removesuffix('_total')}" in text, metric.name
    # The outbox app isn't installed here: its deliveries have a family and no samples.
    assert not [line for line in text.splitlines() if line.startswith("avatar_outgoing_webhook_deliveries")]


def test_worker_lag_is_the_age_of_the_oldest_ready_task(client, settings):
    fresh = admit_waiting_jobs_task.enqueue()
    waiting = admit_waiting_jobs_task.enqueue()
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=timezone.now() - timedelta(seconds=90))
    later = admit_waiting_jobs_task.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()  # not ready yet
    heartbeats.beat("lag-test-worker")

    metrics = scrape(client, settings)

    assert metrics.value("avatar_tasks_ready") == 2
    assert 90 <= metrics.value("avatar_task_oldest_ready_age_seconds") < 120
    assert metrics.value("avatar_workers_alive") == 1
    assert 0 <= metrics.value("avatar_worker_heartbeat_age_seconds") < 30
    assert {fresh.id, later.id} < {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}


def test_refused_callbacks_are_counted_by_reason(client, settings):
    before = scrape(client, settings)
    url = f"/webhooks/fal/{uuid.uuid4()}/"
    stale = {
        "X-Fal-Webhook-Request-Id": "req-1",
        "X-Fal-Webhook-User-Id": "someone",
        "X-Fal-Webhook-Timestamp": str(int(time.time()) - 3600),
        "X-Fal-Webhook-Signature": "ab" * 64,
    }

    assert client.post(url, b"{}", content_type="application/json").status_code == 401
    assert client.post(url, b"{}", content_type="application/json", headers=stale).status_code == 401
    assert client.post(url, b"{}", content_type="application/json", headers=stale).status_code == 401

    after = scrape(client, settings)
    for reason, refused in (("missing_header", 1), ("stale_timestamp", 2), ("bad_signature", 0)):
        name = "avatar_webhook_rejections_total"
        assert after.value(name, reason=reason) - before.value(name, reason=reason) == refused, reason


def test_metrics_follow_a_job_completed_by_webhook(api_client, fal_engine, task_worker, client, settings):
    settings.JOB_EXPECTED_SECONDS = 600  # the first status check would come in a minute: the webhook tells
    before = scrape(client, settings)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    model = job.model.key
    after = scrape_until(
        client,
        settings,
        lambda s: (
            s.value("avatar_jobs_finished_total", state="completed", model=model)
            > before.value("avatar_jobs_finished_total", state="completed", model=model)
        ),
        "the completion to be counted",
    )

    def moved(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("avatar_jobs", state="completed", model=model) == 1
    assert moved("avatar_jobs_finished_total", state="completed", model=model) == 1
    assert job.events.get(kind=JobEvent.Kind.NOTE, data__source__isnull=False).data["source"] == "webhook"
    assert moved("avatar_fal_finishes_noticed_total", source="webhook") == 1
    assert moved("avatar_fal_finishes_noticed_total", source="poll") == 0
    assert moved("avatar_fal_calls_total", operation="status", outcome="ok") == 1  # the result's own check
    for operation in ("submit", "result", "download"):
        assert moved("avatar_fal_calls_total", operation=operation, outcome="ok") == 1, operation
        assert moved("avatar_fal_call_duration_seconds_count", operation=operation) == 1, operation
    assert moved("avatar_ingested_bytes_total", model=model) == job.video_size > 0
    assert moved("avatar_job_ingest_seconds_count", model=model) == 1
    buckets = [
        after.value("avatar_job_ingest_seconds_bucket", model=model, le=bound)
        for bound in [*map(catalog.format_bound, catalog.JOB_STEP_BUCKETS), "+Inf"]
    ]
    assert buckets == sorted(buckets) and buckets[-1] == after.value("avatar_job_ingest_seconds_count", model=model)
    assert 0 < moved("avatar_job_ingest_seconds_sum", model=model) < 30
    entries = dict(LedgerEntry.objects.filter(job=job).values_list("kind", "amount"))
    for kind in ("reserve", "capture", "release"):
        assert moved("avatar_credits_total", kind=kind) == entries.get(kind, 0), kind
    assert moved("avatar_http_requests_total", view="api:submit", method="POST", status="201") == 1


def test_metrics_follow_a_job_through_queue_progress_and_ingest_by_poll(
    api_client, fal_engine, task_worker, client, settings
):
    fal_engine.faults.drop_next_webhooks(1)
    fal_engine.faults.set_timing(processing_seconds=1.5, queue_delay_seconds=1.0)
    settings.JOB_BUDGET_SECONDS = 60  # a failed status check is retried after 0.6 s
    before = scrape(client, settings)

    def moved(scraped, name, **labels):
        return scraped.value(name, **labels) - before.value(name, **labels)

    job_id = submit(api_client)["job_id"]
    model = Job.objects.get(pk=job_id).model.key
    for state in (JobState.IN_QUEUE, JobState.IN_PROGRESS):
        wait_for(lambda state=state: Job.objects.filter(pk=job_id, state=state).exists(), message=f"the job {state}")
        seen = scrape(client, settings)
        # A state can pass between the two reads; the gauge never shows the job twice.
        assert (
            sum(moved(seen, "avatar_jobs", state=s, model=model) for s in ("in_queue", "in_progress", "completed"))
            == 1
        )
        assert (
            moved(seen, "avatar_jobs", state=state, model=model) == 1
            or not Job.objects.filter(pk=job_id, state=state).exists()
        )
    fal_engine.faults.fail_next_calls("status", 500, count=1)

    job = finished_job(job_id)
    assert job.state == JobState.COMPLETED, job.error
    after = scrape_until(
        client,
        settings,
        lambda s: moved(s, "avatar_job_ingest_seconds_count", model=model) == 1,
        "the ingest to be counted",
    )

    assert moved(after, "avatar_jobs", state="in_progress", model=model) == 0
    assert moved(after, "avatar_jobs", state="completed", model=model) == 1
    assert moved(after, "avatar_fal_finishes_noticed_total", source="poll") == 1
    assert moved(after, "avatar_fal_finishes_noticed_total", source="webhook") == 0
    assert moved(after, "avatar_fal_calls_total", operation="status", outcome="http_500") == 1
    assert moved(after, "avatar_fal_calls_total", operation="status", outcome="ok") >= 2
    # Each step of the job, timed from its own row's timestamps.
    for histogram, began, ended in (
        ("avatar_job_queue_seconds", job.queued_at, job.started_at),
        ("avatar_job_progress_seconds", job.started_at, job.fal_finished_at),
        ("avatar_job_ingest_seconds", job.fal_finished_at, job.finished_at),
    ):
        assert moved(after, f"{histogram}_count", model=model) == 1, histogram
        assert moved(after, f"{histogram}_sum", model=model) == pytest.approx(
            (ended - began).total_seconds(), abs=0.01
        ), histogram
    assert 1.0 <= (job.fal_finished_at - job.started_at).total_seconds()
    assert moved(after, "avatar_ingested_bytes_total", model=model) == job.video_size
