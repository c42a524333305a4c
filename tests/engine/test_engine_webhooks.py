"""Webhook deliveries are signed like fal's, verify against the engine's JWKS, and obey faults."""

import json
import time

import httpx
from django.test import override_settings

from engine import webhooks
from tests.conftest import wait_for
from tests.engine.fal_checks import KLING_PRO, verify_with_jwks


def test_success_webhook_is_signed_and_verifies_with_the_jwks_key(
    fal, engine, engine_url, webhook_receiver, avatar_inputs
):
    handle = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)

    [delivery] = webhook_receiver.wait_for(1)

    document = json.loads(delivery.body)
    assert verify_with_jwks(f"{engine_url}/rest/.well-known/jwks.json", delivery)
    assert delivery.body == json.dumps(document, sort_keys=True).encode()
    assert document["status"] == "OK" and document["error"] is None
    assert document["request_id"] == document["gateway_request_id"] == handle.request_id
    assert document["payload"] == handle.get()
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.headers["X-Fal-Webhook-Request-Id"] == handle.request_id
    assert abs(int(delivery.headers["X-Fal-Webhook-Timestamp"]) - time.time()) < 60


def test_tampered_body_does_not_verify(engine_url, fal, webhook_receiver, avatar_inputs):
    fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)
    [delivery] = webhook_receiver.wait_for(1)

    delivery.body = delivery.body.replace(b'"OK"', b'"ok"')

    assert not verify_with_jwks(f"{engine_url}/rest/.well-known/jwks.json", delivery)


def test_failed_request_webhook_carries_the_error_body(fal, engine, webhook_receiver, avatar_inputs):
    engine.faults.fail_next_requests(1)
    fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)

    [delivery] = webhook_receiver.wait_for(1)

    document = json.loads(delivery.body)
    assert document["status"] == "ERROR"
    assert document["error"] == "Invalid status code: 422"
    assert document["payload"]["detail"][0]["type"] == "face_detection_error"


def test_webhook_is_retried_after_a_non_2xx_answer(fal, engine, webhook_receiver, avatar_inputs):
    webhook_receiver.scripted_statuses.extend([500, 302])
    handle = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)

    deliveries = webhook_receiver.wait_for(3)

    assert len({delivery.body for delivery in deliveries}) == 1
    stats = wait_for(lambda: (s := engine.stats()["requests"][handle.request_id])["webhook_successes"] and s)
    assert stats["webhook_attempts"] == 3


def test_duplicated_webhook_arrives_the_asked_number_of_times(fal, engine, webhook_receiver, avatar_inputs):
    engine.faults.duplicate_next_webhooks(1, times=3)
    fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)

    deliveries = webhook_receiver.wait_for(3)

    assert len(deliveries) == 3
    assert len({json.loads(delivery.body)["request_id"] for delivery in deliveries}) == 1


def test_dropped_webhook_never_arrives_but_the_next_one_does(fal, engine, webhook_receiver, avatar_inputs):
    engine.faults.drop_next_webhooks(1)
    dropped = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)
    dropped.get()
    delivered = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)

    [delivery] = webhook_receiver.wait_for(1)
    time.sleep(0.2)

    assert json.loads(delivery.body)["request_id"] == delivered.request_id
    assert len(webhook_receiver.deliveries) == 1
    assert engine.stats()["requests"][dropped.request_id]["webhook_attempts"] == 0


def test_delayed_webhook_arrives_after_the_delay(fal, engine, webhook_receiver, avatar_inputs):
    engine.faults.delay_webhooks(0.8)
    handle = fal.submit(KLING_PRO, avatar_inputs, webhook_url=webhook_receiver.url)
    handle.get()
    completed_at = engine.stats()["requests"][handle.request_id]["completed_at"]

    webhook_receiver.wait_for(1)

    assert time.time() - completed_at >= 0.8


def test_jwks_key_is_derived_from_the_secret_key(engine_url):
    served = httpx.get(f"{engine_url}/rest/.well-known/jwks.json").json()

    with override_settings(SECRET_KEY="another-secret"):
        other = webhooks.jwks()

    assert served == webhooks.jwks()
    assert served["keys"][0] | {"x": "?"} == {"kty": "OKP", "crv": "Ed25519", "x": "?", "kid": "local-1"}
    assert "=" not in served["keys"][0]["x"]
    assert other["keys"][0]["x"] != served["keys"][0]["x"]
