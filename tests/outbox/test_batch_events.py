"""batch.completed, from the batches app's signal (a stand-in batch here: the app is built
elsewhere): to the owner's endpoints that take it, the URLs subscribed to the batch and the
batch's own webhook_url, once each, in the transaction that finishes the batch."""

import pytest
from django.db import transaction

from batches.signals import batch_completed
from outbox import services
from outbox.models import Delivery, Message, WebhookSubscription
from tests.outbox.builders import StandInBatch, register_endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outbox.urls")]


def finish(batch):
    with transaction.atomic():
        batch_completed.send(sender=StandInBatch, batch=batch)


def test_batch_completed_reaches_endpoints_subscribed_urls_and_the_batch_url(api_client, user, task_worker, receivers):
    endpoint, jobs_only, subscribed, own = receivers(), receivers(), receivers(), receivers()
    register_endpoint(api_client, endpoint)
    register_endpoint(api_client, jobs_only, events=["job.completed"])
    batch = StandInBatch(user=user, webhook_url=own.url)
    services.subscribe_batch(user, batch.id, subscribed.url)
    services.subscribe_batch(user, batch.id, own.url)  # the same URL twice: one delivery
    subscribed.secret = own.secret = services.signing_secret_for(user)

    finish(batch)

    for receiver in (endpoint, subscribed, own):
        [received] = receiver.wait_for_deliveries(1)
        assert received.verified
        assert received.event["type"] == "batch.completed"
        assert received.event["data"] == batch.summary()
    assert jobs_only.received == []
    message = Message.objects.get()
    assert message.type == "batch.completed" and Delivery.objects.filter(message=message).count() == 3
    assert WebhookSubscription.objects.get(url=subscribed.url).batch_id == batch.id


def test_a_batch_that_does_not_finish_sends_nothing(api_client, user, receivers):
    register_endpoint(api_client, receivers())
    batch = StandInBatch(user=user)

    with pytest.raises(RuntimeError), transaction.atomic():
        batch_completed.send(sender=StandInBatch, batch=batch)
        raise RuntimeError("the batch's transaction rolls back")

    assert not Message.objects.exists()


def test_a_batch_nobody_listens_to_records_nothing(user):
    finish(StandInBatch(user=user))
    assert not Message.objects.exists()
