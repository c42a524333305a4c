import json
import re
import uuid
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from credits import services as credits
from credits.models import LedgerEntry
from jobs import media
from jobs.models import Job, JobEvent, JobState
from jobs.registry import MODELS
from jobs.services import lifecycle
from tests.avatars.builders import make_job
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


def test_create_page_offers_every_model_with_its_price_and_defaults_to_the_newest_pro(owner_client, settings):
    settings.FAL_MODE = "remote"  # dollars are shown only when fal.ai makes the videos
    settings.KLING_PRO_PRICE_PER_SECOND = 0.115
    settings.KLING_STANDARD_PRICE_PER_SECOND = 0.056

    response = owner_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="radio" name="model" value="kling-avatar-v2-pro"[^>]*checked', html)
    assert "Kling AI Avatar Standard (56 credits, $0.056, per second of video)" in html
    assert "ByteDance OmniHuman v1.5 (160 credits, $0.16, per second of video)" in html
    prices = json.loads(re.search(r'<script id="model-prices" type="application/json">(.*?)</script>', html).group(1))
    assert prices == {
        "kling-avatar-v2-pro": "0.115",
        "kling-avatar-v2-standard": "0.0562",
        "omnihuman-v1.5": "0.16",
        "kling-avatar-pro": "0.115",
        "kling-avatar-standard": "0.056",
    }
    # OmniHuman's own inputs, marked for the script to show only while it is chosen.
    assert re.search(r'data-models="omnihuman-v1.5">\s*<div class="field">\s*<label for="id_resolution"', html)
    assert 'accept="image/jpeg,image/png,image/webp' in html
    assert "/static/js/create.js" in html


def test_valid_upload_creates_a_pending_job_and_opens_its_page(owner_client, user):
    response = owner_client.post(
        URL, upload(prompt="Waves hello", model="kling-avatar-standard", audio=speech_wav(seconds=2.0))
    )

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
    response = owner_client.post(
        URL, upload(image=b"this is not a picture", prompt="Keep me", model="kling-avatar-standard")
    )

    assert response.status_code == 200
    assert errors_of(response, "image") == "The image is not a readable JPEG, PNG or WebP picture."
    assert errors_of(response, "audio") == ""
    html = response.content.decode()
    assert re.search(r">\s*Keep me</textarea>", html)
    assert re.search(r'value="kling-avatar-standard"[^>]*checked', html)
    # The audio passed its checks: it is kept, shown as chosen, and sent back with the next post.
    assert "The files that passed their checks are kept" in html
    assert re.search(r'<input type="hidden" name="kept_audio" value="[^"]+">', html)
    assert not Job.objects.exists()


def test_audio_longer_than_the_limit_is_refused(owner_client, settings):
    settings.MAX_AUDIO_SECONDS = 1.0
    settings.MAX_LONG_AUDIO_SECONDS = 1.0

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
    assert errors_of(response, "audio") == "Choose a speech recording, or write a script below."
    assert "Select a valid choice" in response.content.decode()
    assert not Job.objects.exists()


def test_text_named_mp3_is_refused_next_to_the_audio_field(owner_client):
    data = upload()
    data["audio"] = SimpleUploadedFile("speech.mp3", b"hello, I am plain text", "audio/mpeg")

    response = owner_client.post(URL, data)

    assert errors_of(response, "audio") == "The audio file is not readable MP3, WAV, M4A, OGG or AAC audio."
    assert not Job.objects.exists()


# --- One rule for the price: half a cent rounds up, on the server and on the page. ---


@pytest.mark.parametrize(
    ("model", "seconds", "dollars"),
    [
        ("kling-avatar-pro", 3.0, "0.35"),  # $0.345: the create form and the job page once disagreed here
        ("kling-avatar-standard", 1.875, "0.11"),  # $0.105
        ("kling-avatar-pro", 2.0, "0.23"),
        ("kling-avatar-standard", 0.1, "0.01"),  # $0.0056
    ],
)
def test_estimated_cost_rounds_half_a_cent_up(model, seconds, dollars):
    assert MODELS[model].estimate_cost(seconds) == Decimal(dollars)


def test_job_page_shows_the_cost_the_create_form_estimated_for_three_seconds(owner_client, user, settings):
    settings.FAL_MODE = "remote"  # the dollar figure is shown only when fal.ai makes the videos
    job = make_job(user)
    Job.objects.filter(pk=job.pk).update(audio_duration=3.0)

    html = owner_client.get(reverse("avatars:job", kwargs={"job_id": job.id})).content.decode()

    assert "$0.35" in html and "$0.34" not in html


def test_create_page_shows_the_balance_and_the_chosen_models_price_per_second(owner_client, user, settings):
    settings.FAL_MODE = "remote"  # the dollar figure is shown only when fal.ai makes the videos
    credits.adjust(user, -19_000, by=None, note="Spent elsewhere")

    response = owner_client.post(URL, {"model": "kling-avatar-standard"})

    html = response.content.decode()
    assert re.search(r"Your balance: <strong[^>]*>1000 credits</strong>", html)
    assert "Kling AI Avatar Standard: $0.056 (56 credits) per second of video." in html
    assert f'href="{reverse("credits:page")}"' in html
    assert (
        json.loads(re.search(r'<script id="credit-balance" type="application/json">(.*?)</script>', html).group(1))
        == 1000
    )


def test_the_job_holds_the_credits_the_page_estimates(owner_client, user):
    owner_client.post(URL, upload(audio=speech_wav(seconds=3.0)))

    job = Job.objects.get()
    held = LedgerEntry.objects.get(job=job, kind=LedgerEntry.Kind.RESERVE).amount
    assert held == 345 == MODELS["kling-avatar-pro"].estimate_credits(3.0)
    assert job.estimated_cost == Decimal("0.35")


# --- The samples. ---

SAMPLES = Path(settings.BASE_DIR) / "static" / "samples"


def test_samples_are_small_freely_licensed_and_pass_the_upload_checks():
    portrait, speech = (SAMPLES / "portrait.jpg").read_bytes(), (SAMPLES / "speech.ogg").read_bytes()

    assert len(portrait) < 60_000 and len(speech) < 60_000
    assert "CC0 1.0" in (SAMPLES / "LICENSE").read_text()
    assert media.check_image(portrait).content_type == "image/jpeg"
    assert settings.MIN_AUDIO_SECONDS <= media.check_audio(speech).duration <= settings.MAX_AUDIO_SECONDS


def test_samples_are_served_and_offered_on_the_create_page(owner_client):
    html = owner_client.get(URL).content.decode()

    assert re.search(r'<button type="button"[^>]*id="try-samples"', html)
    for url in re.findall(r'data-(?:portrait|speech)="([^"]+)"', html):
        response = owner_client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and body == (SAMPLES / Path(url).name).read_bytes()


def test_a_face_is_found_in_the_sample_portrait():
    from engine.face import find_face

    picture = np.asarray(Image.open(SAMPLES / "portrait.jpg").convert("RGB"))

    assert find_face(picture) is not None


# --- Reusing the portrait of an earlier job (?portrait=<job id>). ---


def job_with_portrait(user, image=None, **fields):
    job = make_job(user, **fields)
    job.image_file.save("face.png", ContentFile(portrait_png() if image is None else image), save=True)
    return job


def test_own_jobs_portrait_is_shown_as_the_chosen_portrait(owner_client, user):
    earlier = job_with_portrait(user, title="Monday greeting")

    html = owner_client.get(URL, {"portrait": earlier.id}).content.decode()

    assert f'<input type="hidden" name="portrait" value="{earlier.id}"' in html
    assert re.search(rf'<img src="{re.escape(earlier.image_file.url)}"\s+alt="The portrait of Monday greeting">', html)
    assert "Use another portrait" in html
    assert "not available" not in html


def test_posting_only_audio_with_an_earlier_portrait_makes_a_job_with_that_portrait(owner_client, user):
    earlier = job_with_portrait(user, image=portrait_jpeg())
    data = upload(portrait=str(earlier.id))
    del data["image"]

    response = owner_client.post(URL, data)

    job = Job.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("avatars:job", kwargs={"job_id": job.id})
    assert job.image_file.read() == portrait_jpeg() and job.image_file.name != earlier.image_file.name
    # Each job owns its copy: deleting the earlier video leaves the new one's portrait.
    lifecycle.delete_job(earlier.id)
    job.image_file.open("rb")
    assert job.image_file.read() == portrait_jpeg()


def test_an_uploaded_picture_wins_over_the_earlier_portrait(owner_client, user):
    earlier = job_with_portrait(user, image=portrait_jpeg())

    owner_client.post(URL, upload(portrait=str(earlier.id)))

    assert Job.objects.exclude(pk=earlier.pk).get().image_file.read() == portrait_png()


@pytest.mark.parametrize("whose", ["another user's", "deleted", "malformed"])
def test_a_portrait_that_is_not_the_users_is_reported_and_the_page_works_normally(owner_client, other_user, whose):
    asked = {
        "another user's": lambda: job_with_portrait(other_user).id,
        "deleted": uuid.uuid4,
        "malformed": lambda: "12",
    }[whose]()

    response = owner_client.get(URL, {"portrait": asked})

    html = response.content.decode()
    assert response.status_code == 200
    assert "That earlier portrait is not available (the video was deleted or is not yours)" in html
    assert 'name="portrait"' not in html and "Reusing the portrait" not in html
    assert 'name="image"' in html


def test_another_users_portrait_cannot_be_posted(owner_client, other_user):
    theirs = job_with_portrait(other_user)
    data = upload(portrait=str(theirs.id))
    del data["image"]

    response = owner_client.post(URL, data)

    assert errors_of(response, "image") == "This field is required."
    assert "That earlier portrait is not available" in response.content.decode()
    assert Job.objects.count() == 1


def test_the_estimate_endpoint_prices_by_the_server_rule_for_the_pages(owner_client, user):
    answer = owner_client.get(reverse("avatars:estimate"), {"seconds": ["4.04", "4.04", "2.5"]}).json()

    # 4.04 s at 115 credits a second rounds up to 465 credits and $0.4646 half up to $0.46;
    # 2.5 s is 288 credits (287.5 up) and $0.2875 → $0.29. Each clip is rounded on its own.
    pro = answer["models"]["kling-avatar-pro"]
    assert {key: pro[key] for key in ("credits", "dollars", "problem")} == {
        "credits": 2 * 465 + 288,
        "dollars": "1.21",
        "problem": "",
    }
    assert answer["models"]["kling-avatar-standard"]["credits"] == MODELS["kling-avatar-standard"].estimate_credits(
        4.04
    ) * 2 + MODELS["kling-avatar-standard"].estimate_credits(2.5)
    assert answer["balance"] == credits.account_for(user).balance


@pytest.mark.parametrize("query", [{}, {"seconds": "nan"}, {"seconds": "-1"}, {"seconds": "inf"}, {"seconds": "soon"}])
def test_the_estimate_endpoint_refuses_what_it_cannot_price(owner_client, query):
    response = owner_client.get(reverse("avatars:estimate"), query)

    assert response.status_code == 400 and response.json()["code"] == "invalid"
