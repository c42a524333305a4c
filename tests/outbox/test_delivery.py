"""Deliveries over real HTTP to consumers' receivers: signed per Standard Webhooks, retried on
the schedule with one webhook-id, each attempt logged, never following a redirect."""

import time

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from jobs.models import JobState
from jobs.state import transition
from outbox import services
from outbox.delivery import claim_due_deliveries
from outbox.models import Delivery, DeliveryAttempt, Message
from outbox.worker import DeliveryChore
from tests.avatars.builders import make_job
from tests.conftest import wait_for
from tests.outbox.builders import queued_job, register_endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outbox.urls")]


def settled(delivery_id, timeout=20):
    def done():
        delivery = Delivery.objects.get(pk=delivery_id)
        return delivery if delivery.state != Delivery.State.PENDING else None

    return wait_for(done, timeout=timeout, message=f"delivery {delivery_id} to settle")


def test_consumer_verifies_our_webhook_with_the_standardwebhooks_library(api_client, user, task_worker, receivers):
    receiver = receivers()
    endpoint = register_endpoint(api_client, receiver)

    job = queued_job(user)

    [received] = receiver.wait_for_deliveries(1)
    assert received.verified is True
    event = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    assert event["type"] == "job.queued"
    assert event["data"]["id"] == str(job.id) and event["data"]["status"] == "in_queue"
    assert event["timestamp"].endswith("Z")
    message = Message.objects.get()
    assert received.headers["webhook-id"] == message.id and message.id.startswith("msg_")
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    delivery = settled(Delivery.objects.get().pk)
    assert delivery.state == Delivery.State.SUCCEEDED
    assert [a.status_code for a in delivery.attempts.all()] == [200]


def test_a_delivery_signed_with_another_secret_fails_verification(api_client, user, task_worker, receivers):
    receiver = receivers()
    register_endpoint(api_client, receiver)
    receiver.secret = services.signing_secret_for(user)  # the user's other secret: not this endpoint's

    queued_job(user)

    [received] = receiver.wait_for_deliveries(1)
    assert received.verified is False
    delivery = wait_for(
        lambda: Delivery.objects.filter(attempts__status_code=400).first(), message="the refused attempt"
    )
    assert delivery.state == Delivery.State.PENDING  # it will be tried again


def test_one_off_job_url_is_signed_with_the_users_signing_secret(user, task_worker, receivers):
    receiver = receivers(secret=None)
    job = make_job(user)
    services.subscribe_job(job, receiver.url)
    receiver.secret = services.signing_secret_for(user)

    transition(job.id, JobState.IN_QUEUE)
    transition(job.id, JobState.CANCELLED, error="Cancelled at your request.", error_type="cancelled")

    received = receiver.wait_for_deliveries(2)
    assert all(r.verified for r in received)
    assert sorted(r.event["type"] for r in received) == ["job.cancelled", "job.queued"]
    cancelled = receiver.events("job.cancelled")[0]["data"]
    assert cancelled["error_type"] == "cancelled" and cancelled["finished_at"]


def test_receiver_failing_twice_then_answering_gets_the_event_three_times_with_one_id(
    api_client, user, task_worker, receivers, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.3, 0.3, 0.3]
    receiver = receivers(answers=[500, 500, 200])
    register_endpoint(api_client, receiver)

    queued_job(user)

    received = receiver.wait_for_deliveries(3)
    delivery = settled(Delivery.objects.get().pk)
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert all(r.verified for r in received)
    assert received[1].at - received[0].at >= 0.3 and received[2].at - received[1].at >= 0.3
    assert delivery.state == Delivery.State.SUCCEEDED and delivery.attempt_count == 3
    attempts = list(delivery.attempts.all())
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert all(a.latency_ms >= 0 and a.response_snippet == "ok" for a in attempts)
    time.sleep(0.5)
    assert len(receiver.received) == 3  # nothing after the success


def test_delivery_is_given_up_after_the_last_attempt_of_the_schedule(
    api_client, user, task_worker, receivers, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.1, 0.1]
    receiver = receivers(answers=[503])
    register_endpoint(api_client, receiver)

    queued_job(user)

    delivery = settled(wait_for(lambda: Delivery.objects.first(), message="a delivery").pk)
    assert delivery.state == Delivery.State.FAILED and delivery.next_attempt_at is None
    assert delivery.note == "Gave up after 3 attempts."
    assert [a.status_code for a in delivery.attempts.all()] == [503, 503, 503]
    assert len(receiver.received) == 3


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    elsewhere = receivers()
    receiver = receivers(answers=[(307, b"", {"Location": elsewhere.url})])
    register_endpoint(api_client, receiver)

    queued_job(user)

    receiver.wait_for_deliveries(1)
    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the attempt")
    assert attempt.status_code == 307
    assert Delivery.objects.get().state == Delivery.State.PENDING
    assert elsewhere.received == []


def test_response_snippet_is_at_most_a_kilobyte_of_safe_text(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    body = b"\x00NUL first, " + "é".encode() * 3000  # two bytes a character, and a NUL
    receiver = receivers(answers=[(500, body, {"Content-Type": "text/plain"})])
    register_endpoint(api_client, receiver)

    queued_job(user)

    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the attempt")
    assert attempt.status_code == 500
    assert len(attempt.response_snippet.encode()) <= 1024
    assert "\x00" not in attempt.response_snippet
    assert attempt.response_snippet.startswith("\ufffdNUL first, éé") and attempt.response_snippet.endswith("é")


def test_a_hanging_receiver_times_out_and_is_tried_again(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_TIMEOUT = 1
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    receiver = receivers(hang=True)
    register_endpoint(api_client, receiver)

    queued_job(user)

    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the timed-out attempt")
    assert attempt.status_code is None and attempt.error.startswith("Timed out")
    assert 900 <= attempt.latency_ms < 3000
    assert Delivery.objects.get().state == Delivery.State.PENDING


def test_a_dead_receiver_is_logged_as_a_network_error(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    receiver = receivers()
    register_endpoint(api_client, receiver)
    receiver.stop()  # nothing listens there any more

    queued_job(user)

    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the failed attempt")
    assert attempt.status_code is None and attempt.error.startswith("Network error")


def test_an_event_is_recorded_with_the_state_change_or_not_at_all(api_client, user, receivers):
    register_endpoint(api_client, receivers())
    job = make_job(user)

    with pytest.raises(RuntimeError), transaction.atomic():
        transition(job.id, JobState.IN_QUEUE)
        raise RuntimeError("the transition's transaction fails after the event was written")

    assert not Message.objects.exists() and not Delivery.objects.exists()
    transition(job.id, JobState.IN_QUEUE)
    assert Message.objects.get().type == "job.queued"
    assert Delivery.objects.get().state == Delivery.State.PENDING


def test_nothing_is_recorded_for_a_user_nobody_listens_to(user):
    job = make_job(user)
    transition(job.id, JobState.IN_QUEUE)
    assert not Message.objects.exists()


def test_endpoints_receive_only_the_events_they_chose(api_client, user, task_worker, receivers):
    everything, completions = receivers(), receivers()
    register_endpoint(api_client, everything)
    register_endpoint(api_client, completions, events=["job.completed", "job.failed"])
    job = make_job(user)

    transition(job.id, JobState.IN_QUEUE)
    transition(job.id, JobState.TIMED_OUT, error="Too slow.", error_type="timeout")

    everything.wait_for_deliveries(2)
    [failed] = completions.wait_for_deliveries(1)
    assert failed.event["type"] == "job.failed"  # timed out is a failure to consumers
    assert failed.event["data"]["error_type"] == "timeout"
    time.sleep(0.3)
    assert len(completions.received) == 1


def test_redelivery_sends_the_same_message_again_with_the_same_webhook_id(api_client, user, task_worker, receivers):
    receiver = receivers()
    endpoint = register_endpoint(api_client, receiver)
    queued_job(user)
    [first] = receiver.wait_for_deliveries(1)
    settled(Delivery.objects.get().pk)

    response = api_client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/redeliver/",
        {"message_id": first.headers["webhook-id"]},
        format="json",
    )

    assert response.status_code == 202, response.content
    assert response.json()["message_id"] == first.headers["webhook-id"]
    second = receiver.wait_for_deliveries(2)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"] and second.body == first.body
    assert second.verified
    assert Delivery.objects.count() == 2 and Message.objects.count() == 1


def test_a_delivery_is_claimed_by_one_worker_and_due_again_if_that_worker_dies(api_client, user, receivers, settings):
    receiver = receivers()
    register_endpoint(api_client, receiver)
    queued_job(user)

    [claimed] = claim_due_deliveries(10)  # a worker claims it, then is SIGKILLed
    assert claim_due_deliveries(10) == []  # nobody else may attempt it meanwhile
    Delivery.objects.filter(pk=claimed.pk).update(
        next_attempt_at=claimed.next_attempt_at.replace(year=2000)
    )  # the claim lapses

    chore = DeliveryChore(senders=2)

    def retried():
        chore()
        return Delivery.objects.get().state == Delivery.State.SUCCEEDED

    try:
        wait_for(retried, message="the retry")
    finally:
        chore.close()
    delivery = Delivery.objects.get()
    assert delivery.attempt_count == 2  # the lost attempt counts against the schedule
    assert len(receiver.received) == 1
