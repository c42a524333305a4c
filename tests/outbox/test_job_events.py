"""End to end through the local engine: a real job's events reach a consumer, and a consumer
that hangs delays neither the job nor the other consumers."""

import time
from urllib.parse import urlsplit

import httpx
import pytest

from jobs.models import JobState
from outbox.models import Delivery, DeliveryAttempt, Message
from tests.conftest import wait_for
from tests.jobs.test_pipeline import finished_job, submit
from tests.outbox.builders import register_endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outbox.urls")]


def test_a_real_jobs_events_arrive_and_a_hanging_consumer_delays_nothing(
    api_client, user, fal_engine, task_worker, receivers, settings, live_server
):
    # Were deliveries made in the pipeline's way, each event to the hanging consumer would
    # hold the job up for the whole timeout.
    settings.WEBHOOK_TIMEOUT = 30
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    hanging, consumer = receivers(hang=True), receivers()
    register_endpoint(api_client, hanging)
    register_endpoint(api_client, consumer)

    started = time.monotonic()
    job = finished_job(submit(api_client)["job_id"])
    took = time.monotonic() - started

    assert job.state == JobState.COMPLETED, job.error
    assert took < 15, f"the job took {took:.1f} s"
    wait_for(lambda: consumer.events("job.completed"), timeout=10, message="job.completed at the consumer")
    wait_for(
        lambda: len(consumer.received) == Message.objects.count(), timeout=10, message="every event at the consumer"
    )
    assert consumer.received[-1].at - started < 20
    assert all(r.verified for r in consumer.received)
    types = [r.event["type"] for r in consumer.received]  # (in no promised order)
    assert {"job.queued", "job.completed"} <= set(types) <= {"job.queued", "job.started", "job.completed"}
    assert len({r.headers["webhook-id"] for r in consumer.received}) == len(types) == Message.objects.count()

    data = consumer.events("job.completed")[0]["data"]
    assert data["id"] == str(job.id) and data["status"] == "completed" and data["error"] is None
    assert data["model"] == job.endpoint_id and data["request_id"] == job.request_id
    assert data["created_at"] and data["finished_at"]
    video = data["video"]
    assert video["url"].startswith(f"{live_server.url}/media/videos/") and video["content_type"] == "video/mp4"
    assert video["file_size"] == job.video_size and video["duration"] == pytest.approx(job.video_duration)
    assert api_client.get(urlsplit(video["url"]).path).status_code == 200  # the owner's token fetches it
    downloaded = httpx.get(video["url"])  # and so does anyone with the signed URL, without credentials
    assert downloaded.status_code == 200 and len(downloaded.content) == job.video_size

    # The hanging consumer has had its events since the start, and still holds them.
    assert hanging.received and not DeliveryAttempt.objects.filter(delivery__url=hanging.url).exists()
    assert Delivery.objects.filter(url=hanging.url, state=Delivery.State.PENDING).count() == Message.objects.count()
