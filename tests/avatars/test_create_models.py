"""The create and batch forms and the estimate follow the registry: each model's own inputs
(OmniHuman's resolution and turbo mode) are offered, checked beside their field, kept with the
job, and the audio limit they imply is applied before anything is held."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits.models import LedgerEntry
from jobs.models import Job
from tests.avatars.test_create import URL, errors_of, upload
from tests.factories import portrait_png, speech_wav

pytestmark = pytest.mark.django_db


def long_speech(seconds):
    return speech_wav(seconds=seconds, rate=8000)


def test_the_form_makes_a_kling_v2_job_with_no_parameters(owner_client):
    response = owner_client.post(URL, upload(model="kling-avatar-v2-pro", resolution="1080p", turbo_mode="on"))

    job = Job.objects.get()
    assert response.status_code == 302
    # OmniHuman's fields are posted too (the page hides them); Kling v2 takes none of them.
    assert job.endpoint_id == "fal-ai/kling-video/ai-avatar/v2/pro" and job.model_params == {}


def test_the_form_keeps_omnihumans_resolution_and_turbo_mode_with_the_job(owner_client):
    response = owner_client.post(URL, upload(model="omnihuman-v1.5", resolution="720p", turbo_mode="on"))

    assert response.status_code == 302
    assert Job.objects.get().model_params == {"resolution": "720p", "turbo_mode": True}


def test_the_job_page_names_the_models_settings(owner_client):
    owner_client.post(URL, upload(model="omnihuman-v1.5", resolution="720p"))

    response = owner_client.get(reverse("avatars:job", kwargs={"job_id": Job.objects.get().id}))

    assert "ByteDance OmniHuman v1.5 (resolution 720p, turbo mode off)" in response.content.decode()


def test_a_resolution_out_of_range_is_refused_beside_its_field(owner_client):
    response = owner_client.post(URL, upload(model="omnihuman-v1.5", resolution="4k"))

    assert response.status_code == 200
    assert "4k is not one of the available choices" in errors_of(response, "resolution")
    assert not Job.objects.exists()


def test_45_seconds_are_split_at_1080p_and_taken_whole_at_720p(owner_client, user):
    split = owner_client.post(URL, upload(model="omnihuman-v1.5", resolution="1080p", audio=long_speech(45)))

    assert split.status_code == 302
    parent = Job.objects.get(parent=None)
    assert parent.segment_count == 2  # OmniHuman at 1080p takes at most 30 s a request
    assert all(segment.audio_duration <= 30 for segment in parent.segments.all())
    assert {segment.model_params["resolution"] for segment in parent.segments.all()} == {"1080p"}
    Job.objects.all().delete()

    whole = owner_client.post(URL, upload(model="omnihuman-v1.5", resolution="720p", audio=long_speech(45)))

    assert whole.status_code == 302
    job = Job.objects.get()
    assert job.segment_count == 0
    assert LedgerEntry.objects.get(job=job, kind="reserve").amount == 45 * 160


def test_the_batch_form_applies_the_limit_to_each_clip(owner_client):
    clips = [
        SimpleUploadedFile("short.wav", long_speech(2), "audio/wav"),
        SimpleUploadedFile("long.wav", long_speech(31), "audio/wav"),
    ]
    data = {"image": SimpleUploadedFile("face.png", portrait_png(), "image/png"), "audio": clips}

    response = owner_client.post(reverse("avatars:batch-create"), {**data, "model": "omnihuman-v1.5"})

    assert response.status_code == 200
    assert "long.wav: The audio lasts 31.0 seconds" in response.content.decode()
    assert not Job.objects.exists()


def test_the_estimate_prices_each_model_and_says_where_a_clip_is_too_long(owner_client):
    at_1080p = owner_client.get(reverse("avatars:estimate"), {"seconds": "45"}).json()["models"]
    at_720p = owner_client.get(reverse("avatars:estimate"), {"seconds": "45", "resolution": "720p"}).json()["models"]

    assert at_1080p["omnihuman-v1.5"]["problem"].endswith("at 1080p takes at most 30 seconds.")
    assert at_1080p["omnihuman-v1.5"]["max_seconds"] == 30.0
    assert at_720p["omnihuman-v1.5"] == {
        "credits": 45 * 160,
        "dollars": "7.20",
        "params": {"resolution": "720p", "turbo_mode": False},
        "min_seconds": 2.0,
        "max_seconds": 60.0,
        "problem": "",
    }
    # Kling reads no resolution: its figures are the same either way.
    assert at_720p["kling-avatar-v2-pro"] == at_1080p["kling-avatar-v2-pro"]
    assert at_720p["kling-avatar-v2-pro"]["credits"] == 45 * 115
    assert at_720p["kling-avatar-v2-standard"]["dollars"] == "2.53"  # 45 s × $0.0562, half up


def test_the_estimate_refuses_a_resolution_no_model_offers(owner_client):
    response = owner_client.get(reverse("avatars:estimate"), {"seconds": "4", "resolution": "4k"})

    assert response.status_code == 400 and "resolution" in response.json()["errors"]
