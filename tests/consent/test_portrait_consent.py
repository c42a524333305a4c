"""Portraits and the people in them: where consent is required every door refuses a portrait
without it (and keeps it when given), and a portrait staff blocked is refused by every door."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from consent import services as consent
from consent.models import CONSENT_TEXT, PortraitConsent
from jobs import media
from jobs.models import Job
from jobs.services import portraits
from tests.avatars.builders import make_job
from tests.factories import data_uri, portrait_png, speech_wav
from tests.falproxy.test_proxy import PRO, QUEUE, call, token_client

pytestmark = pytest.mark.django_db

PORTRAIT = portrait_png()
INPUTS = {"image_url": data_uri(PORTRAIT, "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}


@pytest.fixture
def required(settings):
    settings.PORTRAIT_CONSENT_REQUIRED = True


@pytest.fixture
def blocked():
    consent.block(media.content_sha256(PORTRAIT), reason="reported by the person shown")


def seed(api_client, **extra):
    return api_client.post("/api/generate/kling-avatar/submit", {**INPUTS, **extra}, format="json")


def v1_job(api_client, **extra):
    return api_client.post("/api/v1/jobs", {**INPUTS, **extra}, format="json")


def v1_batch(api_client, **extra):
    body = {"image_url": INPUTS["image_url"], "audio_urls": [INPUTS["audio_url"]] * 2, **extra}
    return api_client.post("/api/v1/batches", body, format="json")


def proxy(user, **extra):
    return call(token_client(user), "POST", f"{QUEUE}/{PRO}", {**INPUTS, **extra})


def create_form(client, **extra):
    files = {
        "image": SimpleUploadedFile("face.png", PORTRAIT, "image/png"),
        "audio": SimpleUploadedFile("hi.wav", speech_wav(), "audio/wav"),
    }
    return client.post(reverse("avatars:create"), {"model": "kling-avatar-pro", **files, **extra})


def batch_form(client, **extra):
    files = {
        "image": SimpleUploadedFile("face.png", PORTRAIT, "image/png"),
        "audio": [SimpleUploadedFile("hi.wav", speech_wav(), "audio/wav")],
    }
    return client.post(reverse("avatars:batch-create"), {"model": "kling-avatar-pro", **files, **extra})


API_DOORS = {"seed": seed, "v1 job": v1_job, "v1 batch": v1_batch}


@pytest.mark.parametrize("door", API_DOORS)
def test_an_api_submit_without_consent_is_refused_where_it_is_required_and_nothing_is_made(api_client, required, door):
    answer = API_DOORS[door](api_client)

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and "consent" in answer.json()["errors"]
    assert not Job.objects.exists() and not PortraitConsent.objects.exists()


def test_the_proxy_refuses_a_submit_without_consent_in_fals_shape(user, required):
    answer = proxy(user)

    assert answer.status_code == 422 and "consent" in str(answer.json()["detail"])
    assert not Job.objects.exists()


@pytest.mark.parametrize("door", API_DOORS)
def test_consent_given_through_the_api_is_kept_with_the_portrait(api_client, user, required, door):
    answer = API_DOORS[door](api_client, consent=True, HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert answer.status_code == 201, answer.content
    kept = PortraitConsent.objects.filter(user=user)
    assert kept.count() == Job.objects.count()
    agreed = kept.first()
    assert agreed.image_sha256 == media.content_sha256(PORTRAIT) and agreed.text == CONSENT_TEXT
    assert agreed.ip_address == "127.0.0.1"  # a header from a client that is no trusted proxy changes nothing
    assert str(agreed.job_id) in {str(pk) for pk in Job.objects.values_list("pk", flat=True)}


def test_the_proxy_keeps_consent_given_in_the_input(user, required):
    assert proxy(user, consent=True).status_code == 200

    assert PortraitConsent.objects.get().job_id == Job.objects.get().pk


def test_the_create_form_asks_for_consent_and_keeps_it(client, user, required):
    client.force_login(user)

    refused = create_form(client)
    assert refused.status_code == 200 and "Tick this box to confirm you may use this face." in refused.content.decode()
    assert not Job.objects.exists()

    made = create_form(client, consent="on")
    assert made.status_code == 302
    assert PortraitConsent.objects.get().job_id == Job.objects.get().pk


def test_the_batch_form_asks_for_consent(client, user, required):
    client.force_login(user)

    assert "Tick this box" in batch_form(client).content.decode() and not Job.objects.exists()
    assert batch_form(client, consent="on").status_code == 302
    assert PortraitConsent.objects.count() == Job.objects.count() == 1


def test_in_local_mode_consent_is_asked_but_not_required(api_client, settings):
    settings.PORTRAIT_CONSENT_REQUIRED = False

    assert seed(api_client).status_code == 201 and not PortraitConsent.objects.exists()


@pytest.mark.parametrize("door", API_DOORS)
def test_a_blocked_portrait_is_refused_by_every_api_door(api_client, blocked, door):
    answer = API_DOORS[door](api_client, consent=True)

    assert answer.status_code == 400 and consent.BLOCKED_MESSAGE in str(answer.json()["errors"])
    assert not Job.objects.exists()


def test_a_blocked_portrait_is_refused_by_the_proxy_and_the_forms(client, user, blocked):
    assert proxy(user, consent=True).status_code == 422
    client.force_login(user)
    assert escape(consent.BLOCKED_MESSAGE) in create_form(client, consent="on").content.decode()
    assert escape(consent.BLOCKED_MESSAGE) in batch_form(client, consent="on").content.decode()
    assert not Job.objects.exists()


def test_a_blocked_portrait_uploaded_before_the_block_is_refused_by_its_upload_url(api_client, user, fal_engine):
    upload = api_client.post("/api/v1/files", {"file": SimpleUploadedFile("face.png", PORTRAIT, "image/png")})
    assert upload.status_code == 201
    consent.block(media.content_sha256(PORTRAIT))

    answer = v1_job(api_client, image_url=upload.json()["file_url"])

    assert answer.status_code == 400 and consent.BLOCKED_MESSAGE in str(answer.json()["errors"])


def test_a_blocked_hosted_portrait_is_fetched_and_refused(api_client, hosted_files, blocked):
    url = hosted_files.serve("face.png", PORTRAIT)

    answer = v1_job(api_client, image_url=url)

    assert answer.status_code == 400 and consent.BLOCKED_MESSAGE in str(answer.json()["errors"])


def test_staff_block_a_jobs_portrait_from_its_review(admin_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    job = make_job(user)
    job.image_file.save("face.png", SimpleUploadedFile("face.png", PORTRAIT), save=True)

    admin_client.post(
        reverse("admin:jobs_job_changelist"), {"action": "block_portraits", "_selected_action": [job.pk]}
    )

    assert consent.is_blocked(portraits.portrait_sha256(job))
    page = admin_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "Portrait blocked" in page and "None recorded." in page
