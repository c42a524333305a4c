"""Accepted uploads reach fal storage whole, hashed and sent from the file in chunks."""

import hashlib

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from jobs import fal
from jobs.models import Asset
from tests.factories import speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def long_voice():
    """Over Django's 2.5 MB in-memory limit, so it arrives as a temporary file."""
    return speech_wav(seconds=30, rate=48000)


def test_an_accepted_upload_is_stored_in_fal_whole_under_its_sha256(fal_engine, api_client, user, long_voice):
    upload = SimpleUploadedFile("voice.wav", long_voice, "audio/wav")

    response = api_client.post("/api/generate/upload-file", {"file": upload}, format="multipart")

    assert response.status_code == 201, response.json()
    asset = Asset.objects.get(user=user)
    assert asset.sha256 == hashlib.sha256(long_voice).hexdigest()
    assert asset.size == response.json()["file_size"] == len(long_voice)
    assert httpx.get(response.json()["url"]).content == long_voice


def test_an_upload_refused_by_fal_cdn_sends_the_whole_file_again_to_the_fallback_storage(fal_engine, long_voice):
    fal.upload(b"warm-up", "text/plain", "warm-up.txt")  # fetch the CDN token before the fault
    fal_engine.faults.fail_next_calls("upload", 429)  # the CDN upload; fal-client falls back to "fal" storage
    with TemporaryUploadedFile("voice.wav", "audio/wav", len(long_voice), None) as upload:
        upload.write(long_voice)

        url = fal.upload(upload, "audio/wav", "voice.wav")

    assert fal_engine.faults.describe()["failing_calls"] == []  # the first attempt was refused
    assert httpx.get(url).content == long_voice
