"""Idempotency-Key: a retried POST replays the first answer and creates nothing new."""

import importlib
import json
import threading
from datetime import timedelta

import httpx
import pytest
from django.apps import apps
from rest_framework.test import APIClient

from api import idempotency
from api.models import ApiToken, IdempotencyKey
from credits import services as credits
from jobs.models import Job
from outbox.models import WebhookEndpoint
from tests.conftest import wait_for
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
        with httpx.Client(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "same"},
            timeout=30,
        ) as client:
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


def kept_answers():
    return json.dumps(list(IdempotencyKey.objects.values_list("body", flat=True)))


def test_a_replayed_token_creation_answers_without_its_secret_and_none_is_kept(api_client):
    first = api_client.post("/api/v1/tokens", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="token-1")
    again = api_client.post("/api/v1/tokens", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="token-1")

    secret = first.json()["secret"]
    assert first.status_code == again.status_code == 201 and secret.startswith("avs_")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == {name: value for name, value in first.json().items() if name != "secret"}
    assert ApiToken.objects.count() == 1
    assert secret not in kept_answers() and secret[len("avs_") :] not in kept_answers()


def test_a_replayed_webhook_endpoint_creation_answers_without_its_secret_and_none_is_kept(api_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    body = {"url": "https://hooks.example.com/avatar"}

    first = api_client.post("/api/v1/webhook-endpoints", body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = api_client.post("/api/v1/webhook-endpoints", body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")

    secret = first.json()["secret"]
    assert first.status_code == again.status_code == 201 and secret == WebhookEndpoint.objects.get().secret
    assert again["Idempotent-Replayed"] == "true" and "secret" not in again.json()
    assert again.json()["id"] == first.json()["id"]
    assert secret not in kept_answers()


def test_secrets_kept_before_the_fix_are_taken_out_by_a_migration(user):
    migration = importlib.import_module("api.migrations.0002_forget_kept_secrets")
    token = IdempotencyKey.objects.create(
        user=user, key="t", fingerprint="f" * 64, status_code=201, body={"id": 1, "secret": "avs_x"}
    )
    job = IdempotencyKey.objects.create(user=user, key="j", fingerprint="f" * 64, status_code=201, body={"id": "a"})

    migration.forget_kept_secrets(apps, None)

    token.refresh_from_db(), job.refresh_from_db()
    assert (token.body, job.body) == ({"id": 1}, {"id": "a"})


def aged_key(user, key, *, hours):
    record = IdempotencyKey.objects.create(user=user, key=key, fingerprint="f" * 64, status_code=201, body={})
    IdempotencyKey.objects.filter(pk=record.pk).update(created_at=record.created_at - timedelta(hours=hours))
    return record


def test_expired_keys_of_every_user_are_pruned_in_batches(user, settings, monkeypatch):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    monkeypatch.setattr(idempotency, "PRUNE_BATCH", 2)
    bob = make_user("bob")
    for n in range(3):
        aged_key(user if n % 2 else bob, f"old-{n}", hours=25)
    kept = aged_key(user, "recent", hours=23)

    assert [idempotency.prune_expired_keys() for _ in range(3)] == [2, 1, 0]

    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_prunes_expired_keys(user, task_worker):
    aged_key(user, "old", hours=25)
    kept = aged_key(user, "recent", hours=1)

    wait_for(
        lambda: list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept.pk], message="the worker's pruning"
    )
