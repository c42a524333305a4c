"""What the API says about a job agrees with itself and with the request: errors under the
field the client sent, `request_id` null until fal has answered, and one queue position."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job, JobState
from tests.factories import data_uri, portrait_jpeg, speech_wav

pytestmark = pytest.mark.django_db

SEED_SUBMIT = "/api/generate/kling-avatar/submit"
V1_JOBS = "/api/v1/jobs"
PRO = "fal-ai/kling-video/v1/pro/ai-avatar"


@pytest.mark.parametrize("url", [SEED_SUBMIT, V1_JOBS])
def test_a_bad_multipart_file_is_reported_under_the_field_it_was_sent_as(api_client, url):
    inputs = {
        "image": SimpleUploadedFile("face.jpg", portrait_jpeg()),
        "audio": SimpleUploadedFile("speech.wav", b"not audio at all"),
    }

    response = api_client.post(url, inputs, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["audio"]
    assert response.json()["detail"].startswith("audio: ")
    assert Job.objects.count() == 0


@pytest.mark.parametrize("url", [SEED_SUBMIT, V1_JOBS])
def test_a_bad_url_input_is_reported_under_its_url_field(api_client, url):
    inputs = {
        "image_url": data_uri(portrait_jpeg(), "image/jpeg"),
        "audio_url": data_uri(b"not audio at all", "audio/wav"),
    }

    response = api_client.post(url, inputs, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["audio_url"]


def test_a_missing_input_is_reported_under_its_url_field(api_client):
    response = api_client.post(
        SEED_SUBMIT, {"image": SimpleUploadedFile("face.jpg", portrait_jpeg())}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["audio_url"]


def valid_inputs():
    return {"image_url": data_uri(portrait_jpeg(), "image/jpeg"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")}


def test_request_id_is_null_until_fal_answers_in_every_answer(api_client):
    seed = api_client.post(SEED_SUBMIT, valid_inputs(), format="json").json()
    v1 = api_client.post(V1_JOBS, valid_inputs(), format="json").json()

    seed_status = api_client.post(
        "/api/generate/kling-avatar/status", {"job_id": seed["job_id"]}, format="json"
    ).json()
    listed = api_client.get(V1_JOBS).json()["results"]
    assert seed["request_id"] is None and seed_status["request_id"] is None
    assert v1["request_id"] is None and api_client.get(v1["url"]).json()["request_id"] is None
    assert [job["request_id"] for job in listed] == [None, None]
    assert [job["request_id"] for job in api_client.get("/api/jobs").json()["results"]] == [None, None]

    Job.objects.filter(pk=v1["id"]).update(request_id="764cabcf-b745", state=JobState.IN_QUEUE, queue_position=0)
    assert api_client.get(v1["url"]).json()["request_id"] == "764cabcf-b745"


def test_the_openapi_document_marks_request_id_nullable(api_client):
    schemas = api_client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    assert schemas["Job"]["properties"]["request_id"]["nullable"] is True
    assert schemas["V1Job"]["properties"]["request_id"]["nullable"] is True
    assert schemas["Result"]["properties"]["request_id"]["nullable"] is True


def queued_job(user, position):
    return Job.objects.create(
        user=user,
        endpoint_id=PRO,
        state=JobState.IN_QUEUE,
        request_id="fal-request",
        queue_position=position,
        submit_started_at="2026-11-25T10:00:00Z",
    )


@pytest.mark.parametrize(
    "position, sentence",
    [(0, "in fal's queue (position 0: next to start)"), (2, "in fal's queue (position 2: 2 ahead)")],
)
def test_queue_position_and_status_detail_give_the_same_number(api_client, user, position, sentence):
    job = queued_job(user, position)

    seed = api_client.post("/api/generate/kling-avatar/status", {"job_id": str(job.pk)}, format="json").json()
    v1 = api_client.get(f"{V1_JOBS}/{job.pk}").json()

    assert (seed["queue_position"], seed["status_detail"]) == (position, sentence)
    assert (v1["queue_position"], v1["status_detail"]) == (position, sentence)
