"""/api/v1/: named tokens, jobs, files and me; every object has an id and a detail URL, and
every resource is its owner's alone."""

import base64
import io
import logging
import zipfile
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from batches.models import Batch
from core.request_ids import RequestIdFilter
from jobs.models import Asset, Job, JobState
from tests.api.builders import finished_batch
from tests.factories import data_uri, make_user, portrait_png, speech_wav

pytestmark = pytest.mark.django_db


def inputs(**extra):
    return {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(), "audio/wav"),
        **extra,
    }


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def create_job(client, **extra):
    response = client.post("/api/v1/jobs", inputs(**extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_new_token_shows_its_secret_once_and_is_stored_hashed(api_client, user):
    response = api_client.post("/api/v1/tokens", {"name": "laptop"}, format="json")

    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("avs_") and body["prefix"] == secret[:10]
    assert body["url"].endswith(f"/api/v1/tokens/{body['id']}")
    stored = ApiToken.objects.get(pk=body["id"])
    assert secret not in (stored.secret_hash, stored.prefix)
    assert "secret" not in api_client.get(f"/api/v1/tokens/{body['id']}").json()
    assert "secret" not in api_client.get("/api/v1/tokens").json()["results"][0]


def test_a_token_works_as_bearer_records_its_last_use_and_stops_when_revoked(user):
    token, secret = ApiToken.issue(user, "ci")
    client = bearer(secret)

    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == user.username
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 204
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid or revoked token."


def test_a_made_up_token_is_refused_in_json():
    response = bearer("avs_" + "x" * 43).get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_names_are_unique_among_active_tokens(api_client):
    api_client.post("/api/v1/tokens", {"name": "laptop"}, format="json")

    response = api_client.post("/api/v1/tokens", {"name": "laptop"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_job_is_created_with_its_id_location_and_cost_held(api_client):
    response = api_client.post("/api/v1/jobs", inputs(), format="json")

    assert response.status_code == 201
    job = response.json()
    assert response["Location"] == job["url"] and job["url"].endswith(f"/api/v1/jobs/{job['id']}")
    assert job["status"] == "pending"
    assert job["cost"]["credits_held"] > 0 and job["cost"]["credits_charged"] == 0
    assert job["model"]["key"] == "kling-avatar-pro"
    assert api_client.get(job["url"]).json()["id"] == job["id"]


def test_a_job_can_be_titled_when_created_and_shows_its_title(api_client):
    job = create_job(api_client, title="  Welcome speech ")

    assert job["title"] == "Welcome speech"
    assert api_client.get(job["url"]).json()["title"] == "Welcome speech" == Job.objects.get().title


def test_a_job_created_without_a_title_takes_its_audio_files_name(api_client):
    response = api_client.post(
        "/api/v1/jobs",
        {
            "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
            "audio": SimpleUploadedFile("hello.wav", speech_wav(), "audio/wav"),
        },
    )

    assert response.status_code == 201 and response.json()["title"] == "hello.wav"


def test_a_title_over_200_characters_is_refused(api_client):
    response = api_client.post("/api/v1/jobs", inputs(title="x" * 201), format="json")

    assert response.status_code == 400 and "title" in response.json()["errors"]
    assert not Job.objects.exists()


def test_bad_input_creates_no_job_and_names_the_field(api_client):
    response = api_client.post("/api/v1/jobs", inputs(image_url="ftp://example.com/a.png"), format="json")

    assert response.status_code == 400
    assert "image_url" in response.json()["errors"]
    assert Job.objects.count() == 0


def test_jobs_list_filters_by_status_model_and_creation_time(api_client, user):
    first, second = create_job(api_client), create_job(api_client, model="standard")
    Job.objects.filter(pk=first["id"]).update(state=JobState.FAILED, created_at=timezone.now() - timedelta(days=2))

    def ids(query):
        response = api_client.get(f"/api/v1/jobs?{query}")
        assert response.status_code == 200, response.json()
        return {job["id"] for job in response.json()["results"]}

    assert ids("status=failed") == {first["id"]}
    assert ids("status=failed,pending") == {first["id"], second["id"]}
    assert ids("model=standard") == {second["id"]}
    assert ids(f"created_after={(timezone.now() - timedelta(days=1)).isoformat().replace('+', '%2B')}") == {
        second["id"]
    }
    assert ids(f"created_before={(timezone.now() - timedelta(days=1)).isoformat().replace('+', '%2B')}") == {
        first["id"]
    }


@pytest.mark.parametrize(
    "query, field",
    [("status=exploded", "status"), ("model=gpt", "model"), ("created_after=yesterday", "created_after")],
)
def test_bad_list_filters_are_named(api_client, query, field):
    response = api_client.get(f"/api/v1/jobs?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_job_list_pages_with_cursors_that_skip_nothing(api_client, user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 100
    made = [create_job(api_client)["id"] for _ in range(7)]

    seen, url = [], "/api/v1/jobs?page_size=3"
    while url:
        page = api_client.get(url).json()
        seen += [job["id"] for job in page["results"]]
        url = page["next"]

    assert seen == list(reversed(made))


def test_cancelling_a_pending_job_releases_its_credits(api_client):
    job = create_job(api_client)

    response = api_client.post(f"/api/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cost"]["settled"] is True
    assert api_client.post(f"/api/v1/jobs/{job['id']}/cancel").json()["code"] == "not_cancellable"


def test_deleting_a_job_removes_it(api_client):
    job = create_job(api_client)

    assert api_client.delete(job["url"]).status_code == 204
    assert not Job.objects.filter(pk=job["id"]).exists()
    assert api_client.get(job["url"]).status_code == 404


def test_files_upload_list_and_delete(api_client, fal_engine):
    upload = SimpleUploadedFile("face.png", portrait_png(), content_type="image/png")

    response = api_client.post("/api/v1/files", {"file": upload}, format="multipart")

    assert response.status_code == 201, response.json()
    file = response.json()
    assert file["kind"] == "image" and file["file_url"].startswith("http")
    assert [item["id"] for item in api_client.get("/api/v1/files").json()["results"]] == [file["id"]]
    assert api_client.delete(file["url"]).status_code == 204
    assert not Asset.objects.exists()


def test_another_users_objects_answer_404_to_every_action(api_client, user):
    mallory = make_user("mallory")
    job = create_job(api_client)
    asset = Asset.objects.create(
        user=user, kind="image", sha256="0" * 64, content_type="image/png", size=1, fal_url="http://x/y"
    )
    token, _ = ApiToken.issue(user, "mine")
    _, mallory_secret = ApiToken.issue(mallory, "hers")
    other = bearer(mallory_secret)

    attempts = [
        ("get", f"/api/v1/jobs/{job['id']}"),
        ("post", f"/api/v1/jobs/{job['id']}/cancel"),
        ("delete", f"/api/v1/jobs/{job['id']}"),
        ("get", f"/api/v1/files/{asset.pk}"),
        ("delete", f"/api/v1/files/{asset.pk}"),
        ("get", f"/api/v1/tokens/{token.pk}"),
        ("delete", f"/api/v1/tokens/{token.pk}"),
    ]
    for method, path in attempts:
        response = getattr(other, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)
    assert other.get("/api/v1/jobs").json()["results"] == []
    assert Job.objects.get(pk=job["id"]).state == JobState.PENDING
    assert Asset.objects.filter(pk=asset.pk).exists() and ApiToken.objects.active().filter(pk=token.pk).exists()


def test_every_response_carries_a_request_id_which_its_log_lines_name(api_client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = api_client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")

    request_id = response["X-Request-ID"]
    assert response.status_code == 404 and len(request_id) == 32
    assert [record.request_id for record in caplog.records if record.name == "django.request"] == [request_id]


def test_a_well_formed_request_id_is_kept_and_anything_else_replaced(api_client):
    assert api_client.get("/api/v1/me", HTTP_X_REQUEST_ID="trace-1234abcd")["X-Request-ID"] == "trace-1234abcd"
    replaced = api_client.get("/api/v1/me", HTTP_X_REQUEST_ID="<script>\r\nSet-Cookie: x")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32
    assert APIClient().get("/")["X-Request-ID"]


def test_tokens_page_shows_a_new_secret_once_and_revokes(client, user):
    client.force_login(user)

    created = client.post("/settings/tokens/", {"name": "laptop"})

    secret = created.context["new_secret"]
    assert secret.startswith("avs_") and secret in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    page = client.get("/settings/tokens/").content.decode()
    assert "laptop" in page and secret not in page
    assert bearer(secret).get("/api/v1/me").status_code == 200

    token = ApiToken.objects.get()
    client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_tokens_page_names_a_duplicate_and_cannot_revoke_anothers(client, user):
    client.force_login(user)
    client.post("/settings/tokens/", {"name": "laptop"})

    again = client.post("/settings/tokens/", {"name": "laptop"})
    assert "You already have a token with this name." in again.content.decode()

    theirs, _ = ApiToken.issue(make_user("mallory"), "hers")
    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.active().filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("collection", ["jobs", "files", "batches", "tokens", "webhook-endpoints"])
def test_an_id_that_is_no_id_answers_a_json_404(api_client, collection):
    for path in (f"/api/v1/{collection}/0.5", f"/api/v1/{collection}/..x"):
        response = api_client.get(path)

        assert response.status_code == 404 and response.json()["code"] == "not_found", path


@pytest.mark.parametrize(
    "position", ["yesterday", "2026-13-45T00:00:00+00:00", "2026-11-25T10:00:00", "9999-12-31T23:59:59-05:00", "\x00"]
)
def test_a_made_up_cursor_is_a_404(api_client, user, position):
    create_job(api_client)
    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()

    response = api_client.get("/api/v1/jobs", {"cursor": cursor})

    assert response.status_code == 404 and response.json()["detail"] == "Invalid cursor"


def test_status_filter_may_be_repeated(api_client, user):
    failed, pending = create_job(api_client), create_job(api_client)
    Job.objects.filter(pk=failed["id"]).update(state=JobState.FAILED)

    response = api_client.get("/api/v1/jobs?status=failed&status=pending")

    assert {job["id"] for job in response.json()["results"]} == {failed["id"], pending["id"]}


@pytest.mark.parametrize("accept", ["application/zip", "application/json", "text/html", "*/*"])
def test_the_archive_is_a_zip_whatever_accept_asks_for_and_its_errors_json(
    api_client, user, settings, tmp_path, accept
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    finished = finished_batch(user)
    running = finished_batch(user)
    Batch.objects.filter(pk=running.pk).update(finished_at=None)

    response = api_client.get(f"/api/v1/batches/{finished.pk}/archive", HTTP_ACCEPT=accept)
    refused = api_client.get(f"/api/v1/batches/{running.pk}/archive", HTTP_ACCEPT=accept)

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()) == 2
    assert refused.status_code == 409 and refused["Content-Type"] == "application/json"
    assert refused.json()["code"] == "archive_not_ready"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=pending",
        "status=completed,failed",
        "status=failed",  # a rare status: read from the (user, state, newest) index
        "status=failed,cancelled",
        "model=kling-avatar-pro",
        "created_after=2000-01-01T00:00:00Z",
    ],
)
def test_the_job_list_costs_the_same_queries_at_any_page_size_with_fal_full(
    api_client, user, other_user, settings, django_assert_num_queries, query
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobs.registry import MODELS

    settings.MAX_JOBS_AT_FAL = 2
    model = MODELS["kling-avatar-pro"]
    for _ in range(2):
        Job.objects.create(
            user=other_user,
            endpoint_id=model.endpoint_id,
            state=JobState.IN_PROGRESS,
            request_id="r",
            submit_started_at=timezone.now(),
        )
    for n in range(30):  # waiting for a slot, or ended
        state = JobState.PENDING if n % 3 else (JobState.COMPLETED, JobState.FAILED)[n % 2]
        Job.objects.create(user=user, endpoint_id=model.endpoint_id, state=state, audio_duration=2.0)

    api_client.get("/api/v1/me")  # the rate limit's counter made: both lists below only count
    with CaptureQueriesContext(connection) as small:
        assert len(api_client.get(f"/api/v1/jobs?page_size=2&{query}").json()["results"]) == 2
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(api_client.get(f"/api/v1/jobs?page_size=100&{query}").json()["results"]) >= 5
