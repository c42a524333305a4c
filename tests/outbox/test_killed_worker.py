"""A worker SIGKILLed in the middle of an attempt loses nothing: the delivery stays claimed
(nobody else attempts it meanwhile), then is made again, with the same webhook-id."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from outbox.delivery import claim_due_deliveries
from outbox.models import Delivery
from outbox.worker import DeliveryChore
from tests.conftest import wait_for
from tests.outbox.builders import queued_job, register_endpoint
from tests.servers import PROJECT_DIR, database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outbox.urls")]


def test_a_delivery_whose_worker_was_killed_mid_attempt_is_made_again(api_client, user, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    receiver = receivers(hang=True)
    register_endpoint(api_client, receiver)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_TIMEOUT": "30",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--processes", "1", "--no-resume", "--interval", "0.1"],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        queued_job(user)
        [first] = receiver.wait_for_deliveries(1, timeout=30)  # the worker waits for the receiver's answer...
        os.kill(worker.pid, signal.SIGKILL)  # ...and dies
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING and delivery.attempt_count == 1 and not delivery.attempts.exists()
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=30)  # still claimed
    assert claim_due_deliveries(10) == []

    # Time passes (moved, not slept) until the claim lapses; a living worker makes it again.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    receiver.hang = False
    chore = DeliveryChore(senders=1)

    def made_again():
        chore()
        return Delivery.objects.get().state == Delivery.State.SUCCEEDED

    try:
        wait_for(made_again, message="the delivery made again")
    finally:
        chore.close()

    delivery.refresh_from_db()
    assert delivery.attempt_count == 2 and [a.status_code for a in delivery.attempts.all()] == [200]
    second = receiver.received[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"] and second.verified
