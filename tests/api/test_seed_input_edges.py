"""The API's answers to malformed or hostile input: JSON errors that say what was wrong,
and nothing created."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

SUBMIT = "/api/generate/kling-avatar/submit"


def test_inputs_must_be_strings_not_numbers(api_client):
    response = api_client.post(SUBMIT, {"image_url": 123, "audio_url": "https://example.com/a.wav"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["image_url"] == [
        "Must be a string: an http(s) URL, a data: URI, or the URL returned by the upload endpoint."
    ]
    assert not Job.objects.exists()


def test_a_body_over_the_size_limit_gets_a_json_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"image_url": data_uri(b"A" * 20_000, "image/png"), "audio_url": "https://example.com/a.wav"})

    response = api_client.post(SUBMIT, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large" and "larger than" in response.json()["detail"]
    assert not Job.objects.exists()


def test_truncated_json_gets_a_json_400(api_client):
    response = api_client.post(SUBMIT, '{"image_url": ', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_messages_use_the_right_article(api_client, kind):
    response = api_client.post(SUBMIT, {}, format="json")

    assert f"or an {kind} file" in response.json()["errors"][f"{kind}_url"][0]


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_audio_url_counts_its_measured_length(api_client, fal_engine, settings):
    uploaded = api_client.post(
        "/api/generate/upload-file",
        {"file": SimpleUploadedFile("voice.wav", speech_wav(seconds=3), "audio/wav")},
        format="multipart",
    ).json()
    settings.MAX_AUDIO_SECONDS = 2  # lowered after the upload: the stored measure still counts
    settings.MAX_LONG_AUDIO_SECONDS = 2
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": uploaded["url"]}

    response = api_client.post(SUBMIT, body, format="json")

    assert response.status_code == 400
    assert "the limit is 2 seconds" in response.json()["errors"]["audio_url"][0]
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_audio_url_gives_the_job_its_length(api_client, fal_engine):
    uploaded = api_client.post(
        "/api/generate/upload-file",
        {"file": SimpleUploadedFile("voice.wav", speech_wav(seconds=3), "audio/wav")},
        format="multipart",
    ).json()
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": uploaded["url"]}

    response = api_client.post(SUBMIT, body, format="json")

    assert response.status_code == 201
    assert Job.objects.get().audio_duration == pytest.approx(3.0, abs=0.05)


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_image_is_not_accepted_as_audio(api_client, fal_engine):
    uploaded = api_client.post(
        "/api/generate/upload-file",
        {"file": SimpleUploadedFile("face.png", portrait_png(), "image/png")},
        format="multipart",
    ).json()
    body = {"image_url": uploaded["url"], "audio_url": uploaded["url"]}

    response = api_client.post(SUBMIT, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["audio_url"] == ["This upload is image, not audio."]
