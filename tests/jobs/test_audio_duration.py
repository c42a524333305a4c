"""The audio limit and the price rest on the audio's decoded length, never on what its header claims."""

import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.media import MediaError, check_audio
from jobs.models import Job
from tests.engine.media_factories import (
    AUDIO_FORMATS,
    header_seconds,
    m4a_claiming,
    mp3_claiming,
    voice_in,
    wav_claiming,
)
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

SUBMIT = "/api/generate/kling-avatar/submit"
OVER_THE_LIMIT = "The audio lasts more than 60 seconds; the limit is 60 seconds."
NOT_READABLE = "The audio file is not readable MP3, WAV, M4A, OGG or AAC audio."
LIARS = {"m4a": m4a_claiming, "mp3": mp3_claiming}


@pytest.fixture(autouse=True)
def sixty_second_limit(settings, tmp_path):
    settings.MAX_AUDIO_SECONDS = 60.0
    settings.MAX_LONG_AUDIO_SECONDS = 60.0
    settings.MIN_AUDIO_SECONDS = 0.5
    settings.MEDIA_ROOT = str(tmp_path / "media")


def lying(audio_format, holds, claims):
    """The voice in audio_format, `holds` seconds long, its header claiming `claims` seconds."""
    audio = LIARS[audio_format](voice_in(audio_format, seconds=holds), claims)
    assert header_seconds(audio) == pytest.approx(claims, abs=0.1), "the header must really lie"
    return audio


@pytest.mark.parametrize("audio_format", AUDIO_FORMATS)
def test_every_format_is_measured_by_its_decoded_length(audio_format):
    assert check_audio(voice_in(audio_format, seconds=3.1)).duration == pytest.approx(3.1, abs=0.05)


@pytest.mark.parametrize("audio_format", LIARS)
def test_header_claiming_2_seconds_over_90_seconds_of_sound_is_refused(audio_format):
    with pytest.raises(MediaError) as refused:
        check_audio(lying(audio_format, holds=90, claims=2))

    assert refused.value.message == OVER_THE_LIMIT


@pytest.mark.parametrize("audio_format", LIARS)
def test_header_claiming_300_seconds_over_3_seconds_of_sound_is_accepted_at_3_seconds(audio_format):
    assert check_audio(lying(audio_format, holds=3, claims=300)).duration == pytest.approx(3.0, abs=0.05)


def test_wav_plays_only_what_its_data_size_claims():
    # FFmpeg stops at the end the data chunk claims and clamps a claim past the end of the
    # file, so a lying WAV is measured (and rendered, see the engine's tests) at what it plays.
    shortened = wav_claiming(speech_wav(seconds=90, rate=8000), 2)
    lengthened = wav_claiming(speech_wav(seconds=3, rate=8000), 300)

    assert check_audio(shortened).duration == pytest.approx(2.0, abs=0.01)
    assert check_audio(lengthened).duration == pytest.approx(3.0, abs=0.01)


def test_audio_of_exactly_the_limit_is_accepted():
    assert check_audio(speech_wav(seconds=60, rate=8000)).duration == 60.0


def test_decoding_stops_once_the_limit_is_passed(settings):
    settings.MAX_AUDIO_SECONDS = 5.0
    # 10 s of sound whose last fifth is garbage: refused for its length, not for the garbage,
    settings.MAX_LONG_AUDIO_SECONDS = 5.0
    # because decoding never reaches it.
    audio = bytearray(voice_in("mp3", seconds=10))
    tail = len(audio) * 4 // 5
    audio[tail:] = random.Random(1).randbytes(len(audio) - tail)

    with pytest.raises(MediaError) as refused:
        check_audio(bytes(audio))

    assert refused.value.message == "The audio lasts more than 5 seconds; the limit is 5 seconds."


def test_audio_whose_tail_does_not_decode_is_refused_as_unreadable():
    # The engine fails a run on a decode error, so a file it cannot play to the end is refused.
    audio = bytearray(voice_in("mp3", seconds=4))
    audio[len(audio) // 2 :] = random.Random(1).randbytes(len(audio) - len(audio) // 2)

    with pytest.raises(MediaError) as refused:
        check_audio(bytes(audio))

    assert refused.value.message == NOT_READABLE


def test_api_refuses_an_uploaded_m4a_whose_header_hides_its_length(api_client):
    inputs = {
        "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
        "audio": SimpleUploadedFile("hello.m4a", lying("m4a", holds=90, claims=2), "audio/mp4"),
    }

    response = api_client.post(SUBMIT, inputs, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["audio"] == [OVER_THE_LIMIT]
    assert Job.objects.count() == 0


def test_api_refuses_an_m4a_data_uri_whose_header_hides_its_length(api_client):
    inputs = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(lying("m4a", holds=90, claims=2), "audio/mp4"),
    }

    response = api_client.post(SUBMIT, inputs, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["audio_url"] == [OVER_THE_LIMIT]
    assert Job.objects.count() == 0


def test_upload_endpoint_refuses_an_m4a_whose_header_hides_its_length(api_client):
    upload = SimpleUploadedFile("hello.m4a", lying("m4a", holds=90, claims=2), "audio/mp4")

    response = api_client.post("/api/generate/upload-file", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [OVER_THE_LIMIT]


def form_upload(audio: bytes, name="hello.m4a"):
    return {
        "prompt": "Smiles and nods",
        "model": "kling-avatar-pro",
        "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
        "audio": SimpleUploadedFile(name, audio, "audio/mp4"),
    }


def test_create_form_refuses_an_m4a_whose_header_hides_its_length(client, user):
    client.force_login(user)

    response = client.post(reverse("avatars:create"), form_upload(lying("m4a", holds=90, claims=2)))

    assert response.status_code == 200
    assert OVER_THE_LIMIT in response.content.decode()
    assert Job.objects.count() == 0


def test_create_form_prices_an_m4a_by_what_it_holds_not_what_it_claims(client, user, settings):
    settings.KLING_PRO_PRICE_PER_SECOND = 0.115
    client.force_login(user)

    response = client.post(reverse("avatars:create"), form_upload(lying("m4a", holds=3, claims=300)))

    job = Job.objects.get()
    assert response.status_code == 302
    assert job.audio_duration == pytest.approx(3.0, abs=0.05)
    assert job.estimated_cost == Decimal("0.35")  # 3 s at $0.115, not 300 s
