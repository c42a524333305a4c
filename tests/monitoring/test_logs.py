"""Structured logs: one JSON object per line, naming the HTTP request, the job and its fal
request; and no secret in any line, whoever logged it."""

import copy
import io
import json
import logging
import logging.config

import pytest

from api.models import ApiToken
from jobs.models import JobState
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job

FAL_KEY = "3f2a4c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b:8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PASSWORD = "hunter2-correct-horse"
SIGNATURE = "5f0c7e3d9a1b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d"
SIGNED_URL = (
    "https://e.com/portrait.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261125"
    f"&X-Amz-Expires=600&X-Amz-Signature={SIGNATURE}"
)


@pytest.fixture
def json_log(settings):
    """The app's own logging configuration as production runs it (LOG_FORMAT=json), every
    logger at DEBUG and SQL logged, written into a buffer instead of stderr."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=stream)
    config["root"]["level"] = "DEBUG"
    config["loggers"] = {
        name: {"level": "DEBUG"}
        for name in ("django.db.backends", "httpx", "httpcore", "django.request", "fal_client")
    }
    settings.DEBUG = True  # Django logs every query (with its parameters) only then
    settings.LOG_REQUESTS = True
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def lines_of(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_a_log_line_over_the_pipeline_and_the_api(
    api_client, fal_engine, task_worker, json_log, settings, user
):
    settings.FAL_KEY = FAL_KEY  # configured (local mode still talks to the engine)
    drf_token = api_client._credentials["HTTP_AUTHORIZATION"].split()[1]
    _, api_token = ApiToken.issue(user, "ci")
    # People paste anything into a prompt, and SQL logging repeats it.
    prompt = f"Say hi. key {FAL_KEY} hook {WEBHOOK_SECRET} password={PASSWORD} db postgres://avatar:{PASSWORD}@db/x"
    body = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(2.0), "audio/wav"),
        "prompt": prompt,
    }

    submitted = api_client.post("/api/generate/kling-avatar/submit", body, format="json")
    assert submitted.status_code == 201, submitted.content
    signed = api_client.post("/api/generate/kling-avatar/submit", {**body, "image_url": SIGNED_URL}, format="json")
    assert signed.status_code == 201, signed.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert api_client.get(f"/api/v1/me?token={api_token}").status_code == 200
    api_client.credentials()
    api_client.login(username=user.username, password=PASSWORD)  # a wrong password, logged by nobody
    job = finished_job(submitted.json()["job_id"])
    assert job.state == JobState.COMPLETED, job.error
    finished_job(signed.json()["job_id"])

    captured = json_log.getvalue()
    lines = lines_of(json_log)  # every line is one JSON object
    engine_key = settings.LOCAL_ENGINE_KEY
    for secret in (
        FAL_KEY,
        FAL_KEY.split(":")[1],
        engine_key,
        engine_key.split(":")[1],
        drf_token,
        api_token,
        WEBHOOK_SECRET,
        PASSWORD,
        SIGNATURE,
    ):
        assert secret not in captured, secret
    # ... although they went by: the lines that carried them are there, redacted.
    sql = [line["message"] for line in lines if line["logger"] == "django.db.backends"]
    assert any("whsec_[redacted]" in message and "password=[redacted]" in message for message in sql)
    assert any("authtoken_token" in message and "[redacted]" in message for message in sql)
    assert any("portrait.png?[redacted]" in message for message in sql)
    assert any(line.get("path") == "/api/v1/me?token=[redacted]" for line in lines)


@pytest.mark.django_db(transaction=True)
def test_lines_name_the_http_request_the_job_and_its_fal_request(api_client, fal_engine, task_worker, json_log):
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")}

    response = api_client.post("/api/generate/kling-avatar/submit", body, format="json")
    job = finished_job(response.json()["job_id"])
    wait_for(
        lambda: '"event": "transition"' in json_log.getvalue() and "completed" in json_log.getvalue(),
        message="the last event line",
    )

    lines = lines_of(json_log)
    access = [
        line
        for line in lines
        if line["logger"] == "monitoring.requests" and line["path"] == "/api/generate/kling-avatar/submit"
    ]
    assert access and access[0]["request_id"] == response["X-Request-ID"] and access[0]["status"] == 201
    events = [line for line in lines if line["logger"] == "jobs.events"]
    assert events and all(line["job_id"] == str(job.pk) for line in events)
    created = [line for line in events if line["event"] == "created"]
    assert (
        created[0]["request_id"] == response["X-Request-ID"] and "fal_request_id" not in created[0]
    )  # not submitted yet
    completed = [line for line in events if line["event"] == "transition" and "-> completed" in line["message"]]
    assert completed and completed[0]["fal_request_id"] == job.request_id
    # Lines from inside a task about the job (the worker's own, a library's) name it too.
    in_task = [line for line in lines if line.get("job_id") == str(job.pk) and line["logger"] == "django.db.backends"]
    assert in_task
    assert all(set(line) >= {"time", "level", "logger", "message", "process"} for line in lines)


def test_plain_lines_for_people_keep_their_format_and_lose_their_secrets(settings):
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter="plain", stream=stream)
    logging.config.dictConfig(config)
    try:
        logging.getLogger("jobs.test").warning(
            "Calling fal with Authorization: Key %s for %s", FAL_KEY, "https://a.example/x?sig=abc123def"
        )
    finally:
        logging.config.dictConfig(settings.LOGGING)

    line = stream.getvalue().strip()
    assert line.endswith(
        " WARNING jobs.test [-] Calling fal with Authorization: Key [redacted] for https://a.example/x?[redacted]"
    )
