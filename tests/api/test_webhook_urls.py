"""A job or batch created with a `webhook_url` sends its events there too: the URL is checked
like a registered endpoint's, before anything is made."""

import pytest
from standardwebhooks.webhooks import Webhook

from batches.models import Batch
from jobs.models import Job
from outbox import services as outbox
from outbox.models import Delivery, WebhookSubscription
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

INPUTS = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/jobs", INPUTS),
        ("/api/v1/batches", {"image_url": INPUTS["image_url"], "audio_urls": [INPUTS["audio_url"]]}),
    ],
)
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "ftp://example.com/hook"]
)
def test_a_private_or_odd_webhook_url_is_refused_and_nothing_is_made(api_client, settings, path, body, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []

    response = api_client.post(path, {**body, "webhook_url": url}, format="json")

    assert response.status_code == 400
    assert "webhook_url" in response.json()["errors"]
    assert not Job.objects.exists() and not Batch.objects.exists() and not WebhookSubscription.objects.exists()


def test_a_jobs_webhook_url_gets_its_events_signed_with_the_accounts_secret(api_client, user, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]

    job = api_client.post(
        "/api/v1/jobs", {**INPUTS, "webhook_url": "https://hooks.example.com/avatar"}, format="json"
    ).json()
    api_client.post(f"/api/v1/jobs/{job['id']}/cancel")

    delivery = Delivery.objects.get(url="https://hooks.example.com/avatar")
    assert delivery.message.type == "job.cancelled" and delivery.message.payload["data"]["id"] == job["id"]
    secret = api_client.get("/api/v1/webhook-endpoints/signing-secret").json()["secret"]
    assert secret == outbox.signing_secret_for(user)
    Webhook(secret)  # a valid Standard Webhooks secret


def test_a_batches_webhook_url_gets_batch_completed(api_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    body = {
        "image_url": INPUTS["image_url"],
        "audio_urls": [INPUTS["audio_url"]] * 2,
        "webhook_url": "https://hooks.example.com/b",
    }

    batch = api_client.post("/api/v1/batches", body, format="json").json()
    api_client.post(f"/api/v1/batches/{batch['id']}/cancel")

    [delivery] = Delivery.objects.filter(url="https://hooks.example.com/b")
    assert delivery.message.type == "batch.completed"
    assert delivery.message.payload["data"]["id"] == batch["id"]
