"""Audio given by URL is downloaded and measured before a job exists, at every door that takes
one: refused over the limit with the field named and nothing charged, priced on what it
really holds, and sent to fal as the very bytes that were measured."""

import functools
import json
import time

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from credits import services as credits
from credits.models import LedgerEntry
from jobs import fal
from jobs.models import Job
from jobs.registry import find_model
from tests.engine.media_factories import m4a_claiming, voice_in
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

OVER_THE_LIMIT = "The audio lasts more than 60 seconds; the limit is 60 seconds."
PRO = find_model("pro")


@pytest.fixture(autouse=True)
def no_long_videos(settings):
    # What is refused here is audio past the longest any door takes; with long videos off
    # (their limit the model's own), that is the model's 60 s.
    settings.MAX_LONG_AUDIO_SECONDS = settings.MAX_AUDIO_SECONDS


@functools.cache
def five_minute_m4a() -> bytes:
    return voice_in("m4a", seconds=300)


@functools.cache
def m4a_holding_3_claiming_300() -> bytes:
    return m4a_claiming(voice_in("m4a", seconds=3), 300)


@functools.cache
def m4a_holding_90_claiming_2() -> bytes:
    return m4a_claiming(voice_in("m4a", seconds=90), 2)


def portrait():
    return data_uri(portrait_png(), "image/png")


def nothing_charged_and_no_job(user, balance_before):
    assert credits.account_for(user).balance == balance_before
    assert not LedgerEntry.objects.filter(user=user).exclude(kind=LedgerEntry.Kind.GRANT).exists()
    assert not Job.objects.exists()


@pytest.mark.parametrize("audio", [five_minute_m4a, m4a_holding_90_claiming_2], ids=["300 s", "90 s claiming 2 s"])
def test_v1_api_refuses_long_hosted_audio_naming_audio_url_and_charging_nothing(api_client, user, hosted_files, audio):
    balance_before = credits.account_for(user).balance
    url = hosted_files.serve("speech.m4a", audio())

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == {"audio_url": [OVER_THE_LIMIT]}
    nothing_charged_and_no_job(user, balance_before)


def test_seed_api_refuses_a_300_second_hosted_m4a(api_client, user, hosted_files):
    balance_before = credits.account_for(user).balance
    url = hosted_files.serve("speech.m4a", five_minute_m4a())

    response = api_client.post(
        "/api/generate/kling-avatar/submit", {"image_url": portrait(), "audio_url": url}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["audio_url"] == [OVER_THE_LIMIT]
    nothing_charged_and_no_job(user, balance_before)


def test_hosted_audio_is_priced_on_what_it_holds_and_fal_gets_the_measured_bytes(api_client, user, hosted_files):
    audio = m4a_holding_3_claiming_300()
    url = hosted_files.serve("greeting.m4a", audio)

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 201, response.json()
    job = Job.objects.get()
    assert job.audio_duration == pytest.approx(3.0, abs=0.05)
    held = LedgerEntry.objects.get(job=job, kind=LedgerEntry.Kind.RESERVE).amount
    assert held == PRO.estimate_credits(job.audio_duration) < PRO.estimate_credits(60)
    # Our copy is what the submit uploads to fal: the host can't serve fal something else.
    assert not job.audio_url and job.audio_file.read() == audio
    assert job.title == "greeting.m4a"
    assert hosted_files.routes["/greeting.m4a"].requests == 1


def test_a_batch_with_one_long_hosted_clip_is_refused_whole_naming_the_clip(api_client, user, hosted_files):
    balance_before = credits.account_for(user).balance
    clips = [hosted_files.serve("one.wav", speech_wav(seconds=2.0)), hosted_files.serve("two.m4a", five_minute_m4a())]

    response = api_client.post("/api/v1/batches", {"image_url": portrait(), "audio_urls": clips}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"audio_urls.1": [OVER_THE_LIMIT]}
    nothing_charged_and_no_job(user, balance_before)


def test_the_fal_proxy_refuses_long_hosted_audio_in_fals_422_shape(user, hosted_files):
    balance_before = credits.account_for(user).balance
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    body = {"image_url": portrait(), "audio_url": hosted_files.serve("speech.m4a", five_minute_m4a())}

    response = client.post(
        "/api/fal/proxy",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_FAL_TARGET_URL="https://queue.fal.run/fal-ai/kling-video/v1/pro/ai-avatar",
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["body", "audio_url"], "msg": OVER_THE_LIMIT, "type": "value_error"}]
    nothing_charged_and_no_job(user, balance_before)


def test_hosted_audio_over_the_size_cap_is_refused(api_client, user, hosted_files, settings):
    settings.MAX_AUDIO_BYTES = 100_000
    url = hosted_files.serve("long.wav", speech_wav(seconds=10))  # 320 KB

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"audio_url": ["The audio file is larger than 98 KB."]}
    assert not Job.objects.exists()


def test_hosted_audio_that_downloads_too_slowly_is_refused_in_bounded_time(api_client, user, hosted_files, settings):
    settings.AUDIO_URL_FETCH_SECONDS = 0.5
    # 64 KB in 1 KB pieces, 0.1 s apart: six seconds to send in full.
    url = hosted_files.serve("slow.wav", speech_wav(seconds=2.0), seconds_per_chunk=0.1, chunk=1024)
    started = time.monotonic()

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "audio_url": ["The audio took longer than 0.5 seconds to download from this URL."]
    }
    assert time.monotonic() - started < 5  # the deadline, plus at most one piece's wait
    assert not Job.objects.exists()


def test_hosted_audio_redirecting_to_a_private_address_is_refused(api_client, user, hosted_files):
    url = hosted_files.redirect("voice.wav", "http://169.254.169.254/latest/meta-data/")

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "audio_url": ["The URL points at a private or reserved network address, which can't be fetched."]
    }
    assert not Job.objects.exists()


def test_hosted_audio_that_is_not_there_is_refused(api_client, user, hosted_files):
    response = api_client.post(
        "/api/v1/jobs", {"image_url": portrait(), "audio_url": hosted_files.serve("x", b"") + "-gone"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"audio_url": ["The audio could not be downloaded from this URL (HTTP 404)."]}


@pytest.mark.django_db(transaction=True)
def test_audio_in_engine_storage_is_measured_too(api_client, user, fal_engine, settings):
    # Put there by anyone with the engine's URL (fal_client does this), not through our upload
    # endpoint: nothing of ours measured it.
    url = fal.upload(five_minute_m4a(), "audio/mp4", "speech.m4a")
    assert url.startswith(f"{settings.FAL_ENGINE_URL}/cdn/files/")
    balance_before = credits.account_for(user).balance

    response = api_client.post("/api/v1/jobs", {"image_url": portrait(), "audio_url": url}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == {"audio_url": [OVER_THE_LIMIT]}
    nothing_charged_and_no_job(user, balance_before)
