import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job, JobEvent, JobState
from tests.factories import portrait_jpeg, portrait_png, speech_wav

pytestmark = pytest.mark.django_db
URL = reverse("avatars:create")


def upload(image=None, audio=None, **fields):
    data = {"prompt": "Smiles and nods", "model": "kling-avatar-pro", **fields}
    data["image"] = SimpleUploadedFile("face.png", portrait_png() if image is None else image, "image/png")
    data["audio"] = SimpleUploadedFile("hello.wav", speech_wav() if audio is None else audio, "audio/wav")
    return data


def errors_of(response, field):
    match = re.search(rf'<ul class="errors" id="id_{field}_errors">(.*?)</ul>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def test_create_page_offers_both_models_with_their_prices(owner_client, settings):
    settings.KLING_PRO_PRICE_PER_SECOND = 0.115
    settings.KLING_STANDARD_PRICE_PER_SECOND = 0.056

    response = owner_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="kling-avatar-pro"' in html and "checked" in html
    assert "Kling AI Avatar Standard ($0.056 per second of video)" in html
    prices = json.loads(re.search(r'<script id="model-prices" type="application/json">(.*?)</script>', html).group(1))
    assert prices == {"kling-avatar-pro": "0.115", "kling-avatar-standard": "0.056"}
    assert 'accept="image/jpeg,image/png,image/webp' in html
    assert "/static/js/create.js" in html


def test_valid_upload_creates_a_pending_job_and_opens_its_page(owner_client, user):
    response = owner_client.post(URL, upload(prompt="Waves hello", model="kling-avatar-standard", audio=speech_wav(seconds=2.0)))

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("avatars:job", kwargs={"job_id": job.id})
    assert job.user == user and job.state == JobState.PENDING
    assert job.endpoint_id == "fal-ai/kling-video/v1/standard/ai-avatar"
    assert job.prompt == "Waves hello" and job.audio_duration == pytest.approx(2.0, abs=0.01)
    assert job.image_file.read() == portrait_png() and job.audio_file.name.endswith(".wav")
    assert JobEvent.objects.filter(job=job, kind=JobEvent.Kind.CREATED).exists()


def test_jpeg_portrait_is_accepted(owner_client):
    owner_client.post(URL, upload(image=portrait_jpeg()))

    assert Job.objects.get().image_file.name.endswith(".jpg")


def test_text_named_png_is_refused_next_to_the_image_field_and_keeps_the_typed_values(owner_client):
    response = owner_client.post(URL, upload(image=b"this is not a picture", prompt="Keep me", model="kling-avatar-standard"))

    assert response.status_code == 200
    assert errors_of(response, "image") == "The image is not a readable JPEG, PNG or WebP picture."
    assert errors_of(response, "audio") == ""
    html = response.content.decode()
    assert re.search(r">\s*Keep me</textarea>", html)
    assert re.search(r'value="kling-avatar-standard"[^>]*checked', html)
    assert "browsers cannot refill file fields" in html
    assert not Job.objects.exists()


def test_audio_longer_than_the_limit_is_refused(owner_client, settings):
    settings.MAX_AUDIO_SECONDS = 1.0

    response = owner_client.post(URL, upload(audio=speech_wav(seconds=1.5)))

    assert errors_of(response, "audio") == "The audio lasts more than 1 seconds; the limit is 1 seconds."
    assert not Job.objects.exists()


def test_audio_shorter_than_the_minimum_is_refused(owner_client, settings):
    settings.MIN_AUDIO_SECONDS = 1.0

    response = owner_client.post(URL, upload(audio=speech_wav(seconds=0.3)))

    assert "too short" in errors_of(response, "audio")
    assert not Job.objects.exists()


def test_an_image_uploaded_as_audio_is_refused(owner_client):
    response = owner_client.post(URL, upload(audio=portrait_png()))

    assert errors_of(response, "audio") == "The audio file must contain speech audio and no video."
    assert not Job.objects.exists()


def test_oversized_image_is_refused_by_size(owner_client, settings):
    settings.MAX_IMAGE_BYTES = 1024

    response = owner_client.post(URL, upload())

    assert errors_of(response, "image") == "The image is larger than 1 KB."
    assert not Job.objects.exists()


def test_too_small_image_is_refused_by_its_dimensions(owner_client):
    response = owner_client.post(URL, upload(image=portrait_png(width=40, height=40)))

    assert errors_of(response, "image") == "The image is 40x40 pixels; each side must be between 64 and 4096."
    assert not Job.objects.exists()


def test_missing_files_and_unknown_model_are_reported_per_field(owner_client):
    response = owner_client.post(URL, {"prompt": "", "model": "kling-avatar-ultra"})

    assert errors_of(response, "image") == "This field is required."
    assert errors_of(response, "audio") == "This field is required."
    assert "Select a valid choice" in response.content.decode()
    assert not Job.objects.exists()


def test_text_named_mp3_is_refused_next_to_the_audio_field(owner_client):
    data = upload()
    data["audio"] = SimpleUploadedFile("speech.mp3", b"hello, I am plain text", "audio/mpeg")

    response = owner_client.post(URL, data)

    assert errors_of(response, "audio") == "The audio file is not readable MP3, WAV, M4A, OGG or AAC audio."
    assert not Job.objects.exists()
