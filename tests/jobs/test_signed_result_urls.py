"""A result's `video.url` in API answers is a signed, expiring URL any HTTP client can
download without credentials, as fal's outputs are; the page's player keeps the session."""

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from django.test import Client

from jobs.models import Job, JobState
from tests.jobs.test_media_access import CONTENT, stored_video
from tests.jobs.test_pipeline import finished_job, submit

PRO = "fal-ai/kling-video/v1/pro/ai-avatar"


@pytest.fixture
def completed_job(user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    name = stored_video(user, tmp_path)
    return Job.objects.get(video=name)


def video_url(api_client, job):
    return api_client.get(f"/api/v1/jobs/{job.pk}").json()["output"]["video"]["url"]


def anonymous_get(url, **headers):
    parts = urlsplit(url)
    return Client().get(parts.path, parse_qs(parts.query), **headers)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_a_signed_video_url_downloads_without_credentials_with_ranges_and_safety_headers(api_client, completed_job):
    url = video_url(api_client, completed_job)

    whole = anonymous_get(url)
    part = anonymous_get(url, HTTP_RANGE="bytes=0-99")

    assert url.startswith(f"http://testserver/media/{completed_job.video.name}?expires=")
    assert whole.status_code == 200 and body(whole) == CONTENT
    assert whole["Content-Type"] == "video/mp4" and whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Content-Security-Policy"].startswith("sandbox")
    assert part.status_code == 206 and body(part) == CONTENT[:100]


@pytest.mark.django_db
def test_the_seed_result_and_the_v1_poster_are_signed_too(api_client, completed_job, tmp_path):
    (tmp_path / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    Job.objects.filter(pk=completed_job.pk).update(poster="poster.jpg")

    result = api_client.post(
        "/api/generate/kling-avatar/result", {"job_id": str(completed_job.pk)}, format="json"
    ).json()
    poster_url = api_client.get(f"/api/v1/jobs/{completed_job.pk}").json()["output"]["poster_url"]

    assert anonymous_get(result["video"]["url"]).status_code == 200
    assert "signature=" in poster_url and anonymous_get(poster_url).status_code == 200


@pytest.mark.django_db
def test_an_expired_signed_url_is_refused(api_client, completed_job, settings):
    settings.MEDIA_URL_EXPIRY_SECONDS = -1  # handed out already expired: no waiting for a clock
    url = video_url(api_client, completed_job)

    response = anonymous_get(url)

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def with_query(url, **changes):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


@pytest.mark.django_db
def test_a_tampered_signed_url_is_refused(api_client, user, completed_job, settings, tmp_path):
    url = video_url(api_client, completed_job)
    query = parse_qs(urlsplit(url).query)
    expires, signature = query["expires"][0], query["signature"][0]
    other = stored_video(user, tmp_path)

    later = anonymous_get(with_query(url, expires=str(int(expires) + 3600)))
    forged = anonymous_get(with_query(url, signature=signature[:-1] + ("A" if signature[-1] != "A" else "B")))
    elsewhere = Client().get(f"/media/{other}", {"expires": expires, "signature": signature})
    no_expiry = Client().get(urlsplit(url).path, {"signature": signature})
    unsigned = Client().get(urlsplit(url).path)

    assert [later.status_code, forged.status_code, elsewhere.status_code, no_expiry.status_code] == [
        403,
        403,
        403,
        403,
    ]
    assert unsigned.status_code == 404  # without a signature: the owner's session or token, as before


@pytest.mark.django_db
def test_the_job_page_player_keeps_the_plain_url_and_the_session(client, user, completed_job):
    client.force_login(user)

    page = client.get(f"/videos/{completed_job.pk}/").content.decode()

    assert f'src="/media/{completed_job.video.name}"' in page
    assert "signature=" not in page


@pytest.mark.django_db(transaction=True)
def test_a_finished_jobs_video_downloads_over_real_http_with_no_credentials(
    api_client, fal_engine, task_worker, live_server
):
    job = finished_job(submit(api_client)["job_id"])
    assert job.state == JobState.COMPLETED, job.error
    url = video_url(api_client, job)

    downloaded = httpx.get(live_server.url + url.removeprefix("http://testserver"))

    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "video/mp4"
    assert downloaded.content[4:8] == b"ftyp" and len(downloaded.content) == job.video_size
