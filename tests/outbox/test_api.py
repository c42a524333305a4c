"""The webhook-endpoints resource: create shows the secret once, every object has an id,
validation errors name their field, and another user's endpoint is a 404."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from outbox.models import Delivery, Message, WebhookEndpoint
from tests.conftest import wait_for
from tests.outbox.builders import ENDPOINTS, queued_job, register_endpoint

pytestmark = pytest.mark.urls("tests.outbox.urls")

HOOK = "http://127.0.0.1:9/hook"


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
def test_create_answers_the_secret_once_and_never_again(api_client):
    response = api_client.post(
        ENDPOINTS, {"url": HOOK, "description": "CRM", "events": ["job.completed"]}, format="json"
    )

    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["url"] == HOOK and created["events"] == ["job.completed"] and created["enabled"] is True
    shown = api_client.get(f"{ENDPOINTS}{created['id']}/").json()
    assert "secret" not in shown and shown["id"] == created["id"]
    listed = api_client.get(ENDPOINTS).json()
    assert [e["id"] for e in listed["results"]] == [created["id"]] and "secret" not in listed["results"][0]


@pytest.mark.django_db
def test_update_changes_url_events_and_description_and_checks_the_new_url(api_client, settings):
    endpoint = api_client.post(ENDPOINTS, {"url": HOOK}, format="json").json()
    detail = f"{ENDPOINTS}{endpoint['id']}/"

    changed = api_client.patch(
        detail, {"url": "http://127.0.0.1:10/new", "events": ["job.failed"], "description": "x"}, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["url"] == "http://127.0.0.1:10/new" and changed.json()["events"] == ["job.failed"]
    settings.WEBHOOK_ALLOWED_HOSTS = []
    refused = api_client.patch(detail, {"url": "http://10.0.0.1/hook"}, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["url"]
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:10/new"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "url"),
        ({"url": HOOK, "events": ["job.exploded"]}, "events"),
        ({"url": HOOK, "events": "job.completed"}, "events"),
        ({"url": HOOK, "description": "x" * 201}, "description"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(api_client, body, field):
    response = api_client.post(ENDPOINTS, body, format="json")

    assert response.status_code == 400
    assert any(name == field or name.startswith(f"{field}.") for name in response.json()["errors"])  # e.g. events.0
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_delete_removes_the_endpoint(api_client):
    endpoint = api_client.post(ENDPOINTS, {"url": HOOK}, format="json").json()

    assert api_client.delete(f"{ENDPOINTS}{endpoint['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("get", "", None),
        ("patch", "", {"description": "mine now"}),
        ("put", "", {"url": HOOK}),
        ("delete", "", None),
        ("get", "deliveries/", None),
        ("post", "redeliver/", {"message_id": "msg_x"}),
    ],
)
def test_another_users_endpoint_is_404(api_client, other_user, method, suffix, body):
    theirs = client_for(other_user).post(ENDPOINTS, {"url": HOOK}, format="json").json()

    response = getattr(api_client, method)(f"{ENDPOINTS}{theirs['id']}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().description == ""
    assert api_client.get(ENDPOINTS).json()["results"] == []


@pytest.mark.django_db
def test_a_malformed_id_is_404(api_client):
    assert api_client.get(f"{ENDPOINTS}not-a-uuid/").status_code == 404


@pytest.mark.django_db
def test_redelivering_another_users_message_is_404(api_client, other_user):
    mine = api_client.post(ENDPOINTS, {"url": HOOK}, format="json").json()
    client_for(other_user).post(ENDPOINTS, {"url": HOOK}, format="json")
    theirs = queued_job(other_user)
    message = Message.objects.get(user=other_user)

    response = api_client.post(f"{ENDPOINTS}{mine['id']}/redeliver/", {"message_id": message.id}, format="json")

    assert response.status_code == 404
    assert Delivery.objects.filter(endpoint_id=mine["id"]).count() == 0
    assert theirs.user == other_user


@pytest.mark.django_db
def test_anonymous_requests_are_refused(client):
    assert client.get(ENDPOINTS).status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_deliveries_list_shows_each_attempt(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.2]
    receiver = receivers(answers=[(500, b"database down", {}), 204])
    endpoint = register_endpoint(api_client, receiver)
    queued_job(user)
    wait_for(lambda: Delivery.objects.filter(state=Delivery.State.SUCCEEDED).exists(), message="the delivery")

    page = api_client.get(f"{ENDPOINTS}{endpoint['id']}/deliveries/").json()

    [delivery] = page["results"]
    assert (
        delivery["event_type"] == "job.queued" and delivery["state"] == "succeeded" and delivery["attempt_count"] == 2
    )
    assert delivery["message_id"].startswith("msg_") and delivery["url"] == receiver.url
    assert delivery["payload"]["type"] == "job.queued"
    assert [(a["status_code"], a["response_snippet"]) for a in delivery["attempts"]] == [
        (500, "database down"),
        (204, ""),
    ]
    assert all(isinstance(a["latency_ms"], int) for a in delivery["attempts"])


@pytest.mark.django_db
def test_signing_secret_for_one_off_urls_is_made_once_per_user(api_client, other_user):
    first = api_client.get(f"{ENDPOINTS}signing-secret/").json()["secret"]

    assert first.startswith("whsec_")
    assert api_client.get(f"{ENDPOINTS}signing-secret/").json()["secret"] == first
    assert client_for(other_user).get(f"{ENDPOINTS}signing-secret/").json()["secret"] != first
