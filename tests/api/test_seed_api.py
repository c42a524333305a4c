"""The JSON API: every endpoint validates, answers in JSON, and shows users only their jobs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jobs.models import Asset, Job
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

SUBMIT = "/api/generate/kling-avatar/submit"


def valid_inputs():
    return {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}


@pytest.mark.parametrize(
    "path",
    [SUBMIT, "/api/generate/kling-avatar/status", "/api/generate/kling-avatar/result", "/api/generate/upload-file"],
)
def test_anonymous_requests_are_refused_in_json(path):
    response = APIClient().post(path, {}, format="json")

    assert response.status_code == 401
    assert "credentials" in response.json()["detail"].lower()


def test_missing_inputs_are_named_and_create_no_job(api_client):
    response = api_client.post(SUBMIT, {}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"image_url", "audio_url"}
    assert Job.objects.count() == 0


def test_text_disguised_as_an_image_is_refused(api_client):
    inputs = valid_inputs() | {"image_url": data_uri(b"not really a png", "image/png")}

    response = api_client.post(SUBMIT, inputs, format="json")

    assert response.status_code == 400
    assert "image_url" in response.json()["detail"]
    assert "JPEG, PNG or WebP" in response.json()["errors"]["image_url"][0]
    assert Job.objects.count() == 0


def test_audio_over_the_duration_limit_is_refused(api_client, settings):
    settings.MAX_AUDIO_SECONDS = 1.0
    settings.MAX_LONG_AUDIO_SECONDS = 1.0
    inputs = valid_inputs() | {"audio_url": data_uri(speech_wav(seconds=2.0), "audio/wav")}

    response = api_client.post(SUBMIT, inputs, format="json")

    assert response.status_code == 400
    assert "limit is 1 seconds" in response.json()["errors"]["audio_url"][0]
    assert Job.objects.count() == 0


def test_non_http_urls_are_refused(api_client):
    inputs = valid_inputs() | {"image_url": "file:///etc/passwd"}

    response = api_client.post(SUBMIT, inputs, format="json")

    assert response.status_code == 400
    assert "http(s) URL" in response.json()["errors"]["image_url"][0]


def test_unknown_model_is_refused(api_client):
    response = api_client.post(SUBMIT, valid_inputs() | {"model": "ultra"}, format="json")

    assert response.status_code == 400
    assert "model" in response.json()["errors"]


def test_status_needs_a_request_id(api_client):
    response = api_client.post("/api/generate/kling-avatar/status", {}, format="json")

    assert response.status_code == 400
    assert "request_id" in response.json()["errors"]


def test_other_users_job_is_404(api_client, other_user):
    Job.objects.create(user=other_user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar", request_id="req-1")

    for path in ("status", "result", "cancel"):
        response = api_client.post(f"/api/generate/kling-avatar/{path}", {"request_id": "req-1"}, format="json")
        assert response.status_code == 404
        assert response.json()["detail"]


def test_result_of_an_unfinished_job_is_a_conflict(api_client, user):
    Job.objects.create(
        user=user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar", request_id="req-2", state="in_queue"
    )

    response = api_client.post("/api/generate/kling-avatar/result", {"request_id": "req-2"}, format="json")

    assert response.status_code == 409
    assert response.json()["status"] == "in_queue"


def test_job_list_is_paginated_and_only_shows_own_jobs(api_client, user, other_user):
    for _ in range(3):
        Job.objects.create(user=user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar")
    Job.objects.create(user=other_user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar")

    body = api_client.get("/api/jobs").json()

    assert body["count"] == 3
    assert len(body["results"]) == 3


@pytest.mark.django_db(transaction=True)
def test_uploaded_file_becomes_a_reusable_input_url(api_client, fal_engine, settings):
    def upload():
        return api_client.post(
            "/api/generate/upload-file",
            {"file": SimpleUploadedFile("face.png", portrait_png(), "image/png")},
            format="multipart",
        )

    first, second = upload(), upload()

    assert first.status_code == 201
    assert first.json()["kind"] == "image"
    assert first.json()["url"].startswith(settings.FAL_ENGINE_URL)
    assert second.json()["url"] == first.json()["url"]
    assert Asset.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_cached_upload_is_never_handed_to_another_fal_storage(api_client, fal_engine, settings, live_server):
    def upload():
        return api_client.post(
            "/api/generate/upload-file",
            {"file": SimpleUploadedFile("face.png", portrait_png(), "image/png")},
            format="multipart",
        )

    first = upload().json()["url"]
    # The same engine under another address stands for another fal backend.
    first_engine = settings.FAL_ENGINE_URL
    port = live_server.url.rsplit(":", 1)[1]
    other_host = "localhost" if "127.0.0.1" in first_engine else "127.0.0.1"
    settings.FAL_ENGINE_URL = f"http://{other_host}:{port}/_fal"
    second = upload().json()["url"]

    assert first.startswith(first_engine)
    assert second.startswith(settings.FAL_ENGINE_URL)
    assert Asset.objects.count() == 2


def test_upload_of_something_else_is_refused(api_client):
    response = api_client.post(
        "/api/generate/upload-file",
        {"file": SimpleUploadedFile("notes.mp3", b"hello", "audio/mpeg")},
        format="multipart",
    )

    assert response.status_code == 400
    assert "neither" in response.json()["errors"]["file"][0]


def test_image_claiming_enormous_dimensions_is_refused_not_a_server_error(api_client):
    from tests.factories import png_claiming_size

    inputs = valid_inputs() | {"image_url": data_uri(png_claiming_size(20000, 20000), "image/png")}

    response = api_client.post(SUBMIT, inputs, format="json")

    assert response.status_code == 400
    assert "far too large" in response.json()["errors"]["image_url"][0]
    upload = api_client.post(
        "/api/generate/upload-file",
        {"file": SimpleUploadedFile("bomb.png", png_claiming_size(20000, 20000), "image/png")},
        format="multipart",
    )
    assert upload.status_code == 400
