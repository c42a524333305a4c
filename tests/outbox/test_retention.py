"""The webhook log is kept for WEBHOOK_LOG_RETENTION_DAYS, then deleted by the workers, never
while a delivery of a message is still being tried."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outbox import services
from outbox.models import Delivery, DeliveryAttempt, EventType, Message
from tests.conftest import wait_for

HOOK = "http://127.0.0.1:9/hook"
State = Delivery.State


def logged_message(user, *, days_ago, states):
    """A message of `days_ago` with one delivery per state, each with an attempt logged."""
    message = Message.objects.create(user=user, type=EventType.JOB_COMPLETED, payload={"type": "job.completed"})
    for state in states:
        delivery = Delivery.objects.create(message=message, url=HOOK, state=state)
        DeliveryAttempt.objects.create(delivery=delivery, attempted_at=timezone.now(), status_code=500, latency_ms=12)
    # Aged last: a running worker may prune it the moment it is old, so it must be whole by then.
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return message


@pytest.mark.django_db
def test_messages_past_retention_go_with_their_deliveries_and_attempts_unless_one_is_still_tried(user, settings):
    settings.WEBHOOK_LOG_RETENTION_DAYS = 30
    expired = logged_message(user, days_ago=31, states=[State.SUCCEEDED, State.FAILED])
    still_tried = logged_message(user, days_ago=31, states=[State.FAILED, State.PENDING])  # a redelivery
    kept = logged_message(user, days_ago=29, states=[State.SUCCEEDED])

    assert services.prune_webhook_log() == 1

    assert set(Message.objects.values_list("pk", flat=True)) == {still_tried.pk, kept.pk}
    assert not Delivery.objects.filter(message_id=expired.pk).exists()
    assert DeliveryAttempt.objects.count() == 3


@pytest.mark.django_db
def test_a_large_backlog_is_deleted_in_batches(user, settings, monkeypatch):
    monkeypatch.setattr(services, "PRUNE_BATCH", 2)
    for _ in range(5):
        logged_message(user, days_ago=40, states=[State.SUCCEEDED])

    assert [services.prune_webhook_log() for _ in range(4)] == [2, 2, 1, 0]
    assert not Message.objects.exists()


def test_a_running_worker_prunes_the_log(user, task_worker):
    logged_message(user, days_ago=31, states=[State.SUCCEEDED])
    kept = logged_message(user, days_ago=1, states=[State.SUCCEEDED])

    wait_for(lambda: list(Message.objects.values_list("pk", flat=True)) == [kept.pk], message="the worker's pruning")
