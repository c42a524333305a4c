"""Idempotency-Key: a retried POST replays the first answer and creates nothing new."""

import threading
from datetime import timedelta

import httpx
import pytest
from rest_framework.test import APIClient

from api.models import ApiToken, IdempotencyKey
from credits import services as credits
from jobs.models import Job
from tests.factories import data_uri, make_user, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

INPUTS = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}


def post(client, body, key):
    return client.post("/api/v1/jobs", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(api_client):
    first = post(api_client, INPUTS, "order-1")
    again = post(api_client, INPUTS, "order-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert Job.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api_client):
    post(api_client, INPUTS, "order-1")

    response = post(api_client, {**INPUTS, "prompt": "something else"}, "order-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Job.objects.count() == 1


def test_keys_belong_to_one_user(api_client):
    post(api_client, INPUTS, "order-1")
    _, secret = ApiToken.issue(make_user("bob"), "bob")
    bob = APIClient()
    bob.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = post(bob, INPUTS, "order-1")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Job.objects.count() == 2


def test_a_key_expires_after_a_day(api_client):
    post(api_client, INPUTS, "order-1")
    IdempotencyKey.objects.update(created_at=IdempotencyKey.objects.get().created_at - timedelta(hours=25))

    response = post(api_client, INPUTS, "order-1")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Job.objects.count() == 2


def test_a_refused_request_leaves_its_key_free_for_the_corrected_retry(api_client, user):
    credits.adjust(user, -credits.account_for(user).balance, by=None, note="empty")
    refused = post(api_client, INPUTS, "order-1")
    assert refused.status_code == 402 and refused.json()["shortfall"] > 0

    credits.adjust(user, 1000, by=None, note="top-up")
    response = post(api_client, INPUTS, "order-1")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Job.objects.count() == 1


@pytest.mark.parametrize("key", ["", " ", "k" * 256, "order\x001", "order\n1"])
def test_a_malformed_key_is_refused(api_client, key):
    response = post(api_client, INPUTS, key)

    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_one_job(live_server, user):
    _, secret = ApiToken.issue(user, "racer")
    barrier = threading.Barrier(4)
    answers = []

    def send():
        with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "same"}, timeout=30) as client:
            barrier.wait()
            answers.append(client.post("/api/v1/jobs", json=INPUTS))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert Job.objects.count() == 1
