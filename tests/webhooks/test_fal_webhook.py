"""fal's completion callback: only genuinely signed, fresh deliveries move a job."""

import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from credits import services as credits
from credits.models import LedgerEntry
from engine.webhooks import LOCAL_USER_ID, signed_headers, user_id_for_key
from jobs import fal
from jobs.models import Job, JobEvent, JobState
from tests.engine.conftest import webhook_receiver  # noqa: F401  (a fixture: the attacker's own sink)
from tests.factories import portrait_png, speech_wav
from webhooks.models import FalDelivery
from webhooks.verification import signed_message

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST_ID = "019e1951-c778-7120-9c82-16efcf40ec82"
ENDPOINT = "fal-ai/kling-video/v1/pro/ai-avatar"


@pytest.fixture
def queued_job(user):
    return Job.objects.create(
        user=user,
        endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar",
        image_url="https://example.com/face.png",
        audio_url="https://example.com/voice.wav",
        request_id=REQUEST_ID,
        state=JobState.IN_QUEUE,
    )


def delivery_body(status="OK"):
    payload = {"video": {"url": "https://example.com/x.mp4", "content_type": "video/mp4"}, "duration": 1.0}
    return json.dumps(
        {
            "error": None,
            "gateway_request_id": REQUEST_ID,
            "payload": payload,
            "request_id": REQUEST_ID,
            "status": status,
        },
        sort_keys=True,
    ).encode()


def as_meta(headers):
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def post(client, job, body, headers):
    return client.post(f"/webhooks/fal/{job.id}/", data=body, content_type="application/json", **as_meta(headers))


def test_signed_callback_is_accepted_and_wakes_the_ingest(client, fal_engine, queued_job):
    body = delivery_body()

    response = post(client, queued_job, body, signed_headers(REQUEST_ID, body))

    assert response.status_code == 200
    queued_job.refresh_from_db()
    assert queued_job.fal_finished_at is not None
    assert queued_job.events.filter(kind=JobEvent.Kind.WEBHOOK).count() == 1


def test_tampered_body_is_rejected(client, fal_engine, queued_job):
    headers = signed_headers(REQUEST_ID, delivery_body())

    response = post(client, queued_job, delivery_body(status="ERROR"), headers)

    assert response.status_code == 401
    queued_job.refresh_from_db()
    assert queued_job.fal_finished_at is None
    assert not queued_job.events.filter(kind=JobEvent.Kind.WEBHOOK).exists()


def test_signature_from_another_key_is_rejected(client, fal_engine, queued_job):
    body = delivery_body()
    timestamp = str(int(time.time()))
    forged = Ed25519PrivateKey.generate().sign(signed_message(REQUEST_ID, LOCAL_USER_ID, timestamp, body)).hex()
    headers = {
        "X-Fal-Webhook-Request-Id": REQUEST_ID,
        "X-Fal-Webhook-User-Id": LOCAL_USER_ID,
        "X-Fal-Webhook-Timestamp": timestamp,
        "X-Fal-Webhook-Signature": forged,
    }

    assert post(client, queued_job, body, headers).status_code == 401


def test_stale_timestamp_is_rejected(client, fal_engine, queued_job):
    body = delivery_body()
    headers = signed_headers(REQUEST_ID, body, timestamp=int(time.time()) - 301)

    assert post(client, queued_job, body, headers).status_code == 401


@pytest.mark.parametrize(
    "missing",
    ["X-Fal-Webhook-Request-Id", "X-Fal-Webhook-User-Id", "X-Fal-Webhook-Timestamp", "X-Fal-Webhook-Signature"],
)
def test_missing_signature_header_is_rejected(client, fal_engine, queued_job, missing):
    body = delivery_body()
    headers = signed_headers(REQUEST_ID, body)
    del headers[missing]

    response = post(client, queued_job, body, headers)

    assert response.status_code == 401
    assert missing in response.json()["detail"]


def test_unsigned_callback_is_rejected(client, fal_engine, queued_job):
    assert post(client, queued_job, delivery_body(), {}).status_code == 401


def test_duplicate_callbacks_wake_the_ingest_once(client, fal_engine, queued_job):
    body = delivery_body()
    now = int(time.time())
    for attempt in range(3):  # fal's retries are signed anew, each at its own time
        assert (
            post(client, queued_job, body, signed_headers(REQUEST_ID, body, timestamp=now - attempt)).status_code
            == 200
        )

    assert queued_job.events.filter(kind=JobEvent.Kind.WEBHOOK).count() == 3
    assert queued_job.events.filter(message__startswith="fal reported the request finished").count() == 1


def test_callback_for_a_finished_job_changes_nothing(client, fal_engine, queued_job):
    Job.objects.filter(pk=queued_job.pk).update(state=JobState.CANCELLED)
    body = delivery_body()

    assert post(client, queued_job, body, signed_headers(REQUEST_ID, body)).status_code == 200

    queued_job.refresh_from_db()
    assert queued_job.state == JobState.CANCELLED
    assert queued_job.fal_finished_at is None


def outcome_unknown_job(user):
    """A job whose submit reached fal but whose answer (and request id) was lost."""
    from django.utils import timezone

    return Job.objects.create(
        user=user,
        endpoint_id=ENDPOINT,
        image_url="https://e.com/a.png",
        audio_url="https://e.com/a.wav",
        submit_attempts=1,
        submit_started_at=timezone.now(),
    )


def engine_request(fal_engine, key=None, *, inputs=None, webhook_url=None):
    """A real request at the local engine, submitted with `key` (our own by default); returns
    its request id."""
    answer = httpx.post(
        f"{settings.FAL_ENGINE_URL}/queue/{ENDPOINT}",
        params={"fal_webhook": webhook_url} if webhook_url else None,
        json=inputs or {"image_url": "https://e.com/a.png", "audio_url": "https://e.com/a.wav"},
        headers={"Authorization": f"Key {key or settings.LOCAL_ENGINE_KEY}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["request_id"]


def test_callback_finds_a_job_whose_submit_response_was_lost(client, fal_engine, user):
    job = outcome_unknown_job(user)
    request_id = engine_request(fal_engine)
    body = delivery_body()

    assert post(client, job, body, signed_headers(request_id, body)).status_code == 200

    job.refresh_from_db()
    assert job.request_id == request_id
    assert job.fal_finished_at is not None


def test_genuine_callback_of_another_fal_account_is_not_adopted(client, fal_engine, user):
    job = outcome_unknown_job(user)
    foreign_request = engine_request(fal_engine, key="attacker-key:0123456789abcdef")
    body = delivery_body()
    headers = signed_headers(foreign_request, body, user_id=user_id_for_key("attacker-key:0123456789abcdef"))

    assert post(client, job, body, headers).status_code == 200

    job.refresh_from_db()
    assert job.request_id == ""
    assert job.fal_finished_at is None
    assert job.events.filter(message__contains="our fal key can't see").count() == 1


def test_a_delivery_to_an_account_with_our_key_id_and_another_secret_is_not_adopted(
    client, fal_engine, user, webhook_receiver
):
    """The attack: submit with our key's id and a secret of one's own, to one's own sink,
    then replay the genuinely signed delivery at a job of ours whose submit went unanswered."""
    job = outcome_unknown_job(user)
    credits.reserve_for_job(job, 500)
    balance = credits.account_for(user).balance
    our_key_id = settings.LOCAL_ENGINE_KEY.partition(":")[0]
    inputs = {
        "image_url": fal.upload(portrait_png(), "image/png", "face.png"),
        "audio_url": fal.upload(speech_wav(), "audio/wav", "v.wav"),
    }
    attackers_request = engine_request(
        fal_engine, f"{our_key_id}:{'f' * 32}", inputs=inputs, webhook_url=webhook_receiver.url
    )
    delivery = webhook_receiver.wait_for(1, timeout=60)[0]
    assert json.loads(delivery.body)["status"] == "OK"  # a video the attacker's account made

    replayed = {name: value for name, value in delivery.headers.items() if name.lower().startswith("x-fal-webhook-")}
    assert post(client, job, delivery.body, replayed).status_code == 200

    job.refresh_from_db()
    assert job.request_id == "" and job.fal_finished_at is None and job.state == JobState.PENDING
    assert (
        job.events.filter(message__contains="our fal key can't see", data__request_id=attackers_request).count() == 1
    )
    assert not LedgerEntry.objects.filter(job=job, kind=LedgerEntry.Kind.CAPTURE).exists()
    assert credits.account_for(user).balance == balance


def test_callback_naming_another_jobs_request_is_not_adopted(client, fal_engine, user, queued_job):
    job = outcome_unknown_job(user)
    body = delivery_body()

    assert post(client, job, body, signed_headers(REQUEST_ID, body)).status_code == 200

    job.refresh_from_db()
    assert job.request_id == ""
    assert job.fal_finished_at is None


def test_replayed_delivery_is_answered_but_recorded_once(client, fal_engine, queued_job):
    body = delivery_body()
    headers = signed_headers(REQUEST_ID, body)

    answers = [post(client, queued_job, body, headers).status_code for _ in range(20)]

    assert answers == [200] * 20
    assert queued_job.events.filter(kind=JobEvent.Kind.WEBHOOK).count() == 1
    assert FalDelivery.objects.count() == 1


def test_callback_signed_for_another_fal_account_is_rejected(client, fal_engine, queued_job, settings):
    settings.FAL_WEBHOOK_USER_ID = "our-fal-user"
    body = delivery_body()

    response = post(client, queued_job, body, signed_headers(REQUEST_ID, body))

    assert response.status_code == 401
    assert "another fal account" in response.json()["detail"]
