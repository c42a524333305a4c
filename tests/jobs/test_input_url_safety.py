"""Hosted input URLs must point at public addresses: nobody gets fal (or our engine) to fetch
from loopback, the private network or a cloud metadata endpoint on their behalf."""

import pytest

from jobs.models import Job
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db

SUBMIT = "/api/generate/kling-avatar/submit"
FORBIDDEN = [
    "http://127.0.0.1:6379/",
    "http://localhost:8000/_fal/_control/stats",  # a name that resolves to loopback
    "http://[::1]/x.wav",
    "http://10.0.0.5/x.wav",
    "http://172.16.3.4/x.wav",
    "http://192.168.1.20/x.wav",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/x.wav",
    "http://0.0.0.0/x.wav",
    "http://224.0.0.1/x.wav",
    "http://[::ffff:127.0.0.1]/x.wav",
    "http://[fc00::1]/x.wav",
    "http://[fe80::1]/x.wav",
    "http://[64:ff9b::a9fe:a9fe]/x.wav",  # NAT64 for 169.254.169.254
    "http://2130706433/x.wav",  # 127.0.0.1 as one number
]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_private_and_reserved_addresses_are_refused_before_a_job_exists(api_client, url):
    response = api_client.post(
        SUBMIT, {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": url}, format="json"
    )

    assert response.status_code == 400
    assert "audio_url" in response.json()["errors"]
    assert not Job.objects.exists()


def test_a_host_that_cannot_be_resolved_is_refused(api_client):
    body = {"image_url": "https://no-such-host.invalid/face.png", "audio_url": "https://example.com/a.wav"}

    response = api_client.post(SUBMIT, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["image_url"] == ["The URL's host could not be found."]


def test_public_addresses_and_allowed_hosts_are_accepted(api_client, settings, hosted_files):
    settings.MAX_JOBS_AT_FAL = 0  # accepted and waiting: only the audio is fetched (to measure it)
    body = {"image_url": "http://93.184.215.14/face.png", "audio_url": hosted_files.serve("voice.wav", speech_wav())}

    response = api_client.post(SUBMIT, body, format="json")

    assert response.status_code == 201, response.json()
