"""An endpoint that answers 410 Gone is disabled at once, one failing for
WEBHOOK_DISABLE_AFTER_DAYS is disabled then; either way its owner gets an e-mail saying
which endpoint and why. Its owner can enable it again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outbox.models import Delivery, WebhookEndpoint
from tests.conftest import wait_for
from tests.outbox.builders import ENDPOINTS, queued_job, register_endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outbox.urls")]


def failing_since_set(endpoint_id):
    return wait_for(
        lambda: WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).first(),
        message="a first failure",
    )


def test_an_endpoint_answering_410_is_disabled_and_its_owner_told(
    api_client, user, task_worker, receivers, mailoutbox
):
    receiver = receivers(answers=[410])
    endpoint = register_endpoint(api_client, receiver, description="Order system")

    queued_job(user)

    disabled = wait_for(
        lambda: WebhookEndpoint.objects.filter(pk=endpoint["id"], is_active=False).first(),
        message="the endpoint disabled",
    )
    assert "410" in disabled.disabled_reason and disabled.disabled_at
    wait_for(lambda: len(mailoutbox) == 1, message="the e-mail")
    [mail] = mailoutbox
    assert mail.to == [user.email]
    assert receiver.url in mail.body and "Order system" in mail.body and "410 Gone" in mail.body
    assert f"/settings/webhooks/{endpoint['id']}/" in mail.body
    assert len(receiver.received) == 1  # not retried
    assert Delivery.objects.get().state == Delivery.State.FAILED
    # New events no longer go to it, and the API shows why.
    queued_job(user)
    assert Delivery.objects.count() == 1
    shown = api_client.get(f"{ENDPOINTS}{endpoint['id']}/").json()
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_owner_told(
    api_client, user, task_worker, receivers, settings, mailoutbox
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 3600]
    receiver = receivers(answers=[500])
    endpoint = register_endpoint(api_client, receiver)
    queued_job(user)
    failing_since_set(endpoint["id"])
    # Two days on, still failing: kept.
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(failing_since=timezone.now() - timedelta(days=2))
    queued_job(user)
    receiver.wait_for_deliveries(2)
    wait_for(
        lambda: (
            Delivery.objects.filter(
                attempt_count=1, next_attempt_at__gt=timezone.now() + timedelta(minutes=30)
            ).count()
            == 2
        ),
        message="both attempts settled",
    )
    assert WebhookEndpoint.objects.get(pk=endpoint["id"]).is_active
    assert mailoutbox == []

    # Three days (and a minute) on, still failing: disabled.
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(
        failing_since=timezone.now() - timedelta(days=3, minutes=1)
    )
    queued_job(user)

    disabled = wait_for(
        lambda: WebhookEndpoint.objects.filter(pk=endpoint["id"], is_active=False).first(),
        message="the endpoint disabled",
    )
    assert "failed for 3 days" in disabled.disabled_reason
    wait_for(lambda: len(mailoutbox) == 1, message="the e-mail")
    assert (
        mailoutbox[0].to == [user.email]
        and receiver.url in mailoutbox[0].body
        and "failed for 3 days" in mailoutbox[0].body
    )
    # Its pending retries end with it.
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.FAILED}


def test_a_success_starts_the_count_of_failing_days_again(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.2]
    receiver = receivers(answers=[500, 200])
    endpoint = register_endpoint(api_client, receiver)

    queued_job(user)

    failing_since_set(endpoint["id"])
    wait_for(
        lambda: WebhookEndpoint.objects.filter(pk=endpoint["id"], failing_since__isnull=True).exists(),
        message="the count reset",
    )
    assert Delivery.objects.get().state == Delivery.State.SUCCEEDED


def test_the_owner_enables_a_disabled_endpoint_again(api_client, user, task_worker, receivers):
    receiver = receivers(answers=[410, 200])
    endpoint = register_endpoint(api_client, receiver)
    queued_job(user)
    wait_for(
        lambda: WebhookEndpoint.objects.filter(pk=endpoint["id"], is_active=False).exists(),
        message="the endpoint disabled",
    )
    message_id = receiver.received[0].headers["webhook-id"]

    refused = api_client.post(f"{ENDPOINTS}{endpoint['id']}/redeliver/", {"message_id": message_id}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "endpoint_disabled"

    response = api_client.patch(f"{ENDPOINTS}{endpoint['id']}/", {"enabled": True}, format="json")

    assert response.status_code == 200
    assert response.json()["enabled"] is True and response.json()["disabled_reason"] == ""
    assert (
        api_client.post(
            f"{ENDPOINTS}{endpoint['id']}/redeliver/", {"message_id": message_id}, format="json"
        ).status_code
        == 202
    )
    assert receiver.wait_for_deliveries(2)[1].headers["webhook-id"] == message_id


def test_disabling_by_hand_tells_nobody_and_stops_deliveries(api_client, user, receivers, mailoutbox):
    endpoint = register_endpoint(api_client, receivers())

    response = api_client.patch(f"{ENDPOINTS}{endpoint['id']}/", {"enabled": False}, format="json")

    assert response.json()["enabled"] is False and response.json()["disabled_reason"] == "Disabled by its owner."
    queued_job(user)
    assert not Delivery.objects.exists()
    assert mailoutbox == []
