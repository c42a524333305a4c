"""Every API error is `{"detail": str, "code": str, ...}` with a stable code, whatever raised it."""

import pytest
from django.test import Client
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.errors import exception_handler
from jobs.models import JobState
from tests.avatars.builders import make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db

STATUS = "/api/generate/kling-avatar/status"


def assert_error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"], body
    return body


def test_no_credentials_is_not_authenticated():
    assert_error(APIClient().get("/api/me"), 401, "not_authenticated")


def test_unknown_token_is_authentication_failed():
    assert_error(APIClient().get("/api/me", HTTP_AUTHORIZATION="Token 0123456789abcdef"), 401, "authentication_failed")


def test_token_with_a_nul_byte_is_refused_not_a_server_error():
    # PostgreSQL can't compare text holding NUL: the lookup itself used to be a 500 there.
    response = Client(raise_request_exception=False).get("/api/me", HTTP_AUTHORIZATION="Token abc\x00def")

    assert_error(response, 401, "authentication_failed")


def test_invalid_input_is_invalid_with_errors_per_field(api_client):
    body = assert_error(api_client.post("/api/generate/kling-avatar/submit", {}, format="json"), 400, "invalid")

    assert set(body["errors"]) == {"image_url", "audio_url"}
    assert all(isinstance(message, str) for messages in body["errors"].values() for message in messages)


def test_unreadable_json_is_a_parse_error(api_client):
    body = assert_error(api_client.post(STATUS, "{not json", content_type="application/json"), 400, "parse_error")

    assert "errors" not in body


def test_other_users_job_is_not_found(api_client):
    job = make_job(make_user("mallory"))

    assert_error(api_client.post(STATUS, {"job_id": str(job.id)}, format="json"), 404, "not_found")


def test_page_past_the_end_is_not_found(api_client):
    assert_error(api_client.get("/api/jobs?page=9"), 404, "not_found")


def test_wrong_method_is_method_not_allowed(api_client):
    assert_error(api_client.get(STATUS), 405, "method_not_allowed")


def test_unreadable_content_type_is_unsupported_media_type(api_client):
    assert_error(api_client.post(STATUS, "job_id", content_type="text/plain"), 415, "unsupported_media_type")


def test_unanswerable_accept_is_not_acceptable(api_client):
    assert_error(api_client.get("/api/me", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_session_request_without_csrf_token_is_permission_denied(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    assert_error(client.post(STATUS, {"job_id": "x"}, format="json"), 403, "permission_denied")


def test_result_of_an_unfinished_job_is_job_not_completed(api_client, user):
    job = make_job(user, JobState.IN_PROGRESS)

    body = assert_error(
        api_client.post("/api/generate/kling-avatar/result", {"job_id": str(job.id)}, format="json"),
        409,
        "job_not_completed",
    )
    assert body["status"] == "in_progress"


def test_cancelling_a_finished_job_is_job_finished(api_client, user):
    job = make_job(user, JobState.FAILED)

    body = assert_error(
        api_client.post("/api/generate/kling-avatar/cancel", {"job_id": str(job.id)}, format="json"),
        409,
        "job_finished",
    )
    assert body["status"] == "failed"


def test_status_filter_that_is_no_state_matches_no_job(api_client, user):
    make_job(user, JobState.PENDING)
    # A NUL byte used to reach the database: a 500 on PostgreSQL.
    for value in ("pending", "AAA", "pend\x00ing"):
        response = api_client.get("/api/jobs", {"status": value})
        assert response.status_code == 200
        assert response.json()["count"] == (1 if value == "pending" else 0)


def test_nested_validation_errors_are_named_by_their_path():
    error = exceptions.ValidationError(
        {"items": [{}, {"audio_url": ["Not audio."]}], "model": ["Unknown."], "tags": {0: ["Too long."]}}
    )

    body = exception_handler(error, {}).data

    assert body == {
        "detail": "items.1.audio_url: Not audio.",
        "code": "invalid",
        "errors": {"items.1.audio_url": ["Not audio."], "model": ["Unknown."], "tags.0": ["Too long."]},
    }


def test_a_token_answers_me_with_its_owner(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    assert client.get("/api/me").json()["username"] == user.username
