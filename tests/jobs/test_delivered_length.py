"""What the model delivers is checked against what was priced: a picture Kling would refuse fails
the job and gives the credits back, and a stored video longer than the audio the job was
priced on is flagged on the job, in the admin and in /metrics."""

import pytest
from django.urls import reverse

from credits.models import LedgerEntry
from jobs.media import ValidatedInput
from jobs.models import Job, JobEvent, JobState
from jobs.registry import find_model
from jobs.services import submission
from tests.factories import data_uri, faceless_png, make_user, portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job
from tests.monitoring.scraping import scrape

pytestmark = pytest.mark.django_db(transaction=True)

PRO = find_model("pro")
FLAGGED = "avatar_jobs_delivered_longer_than_priced_total"


def credits_moved(job):
    return {entry.kind: entry.amount for entry in LedgerEntry.objects.filter(job=job)}


def test_a_picture_without_a_face_fails_with_fals_error_and_releases_the_credits(api_client, fal_engine, task_worker):
    body = {
        "image_url": data_uri(faceless_png(), "image/png"),
        "audio_url": data_uri(speech_wav(seconds=2.0), "audio/wav"),
    }

    response = api_client.post("/api/v1/jobs", body, format="json")

    job = finished_job(response.json()["id"])
    assert job.state == JobState.FAILED
    assert job.error == "The model failed: image_url: Could not detect a face in the image"
    held = credits_moved(job)["reserve"]
    assert credits_moved(job) == {"reserve": held, "release": held}


def test_a_video_as_long_as_its_priced_audio_is_not_flagged(api_client, fal_engine, task_worker):
    body = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(seconds=2.0), "audio/wav"),
    }

    job = finished_job(api_client.post("/api/v1/jobs", body, format="json").json()["id"])

    assert job.state == JobState.COMPLETED and not job.delivered_longer_than_priced


def test_a_video_longer_than_priced_is_flagged_on_the_job_in_the_admin_and_in_metrics(
    user, fal_engine, task_worker, client, settings
):
    # Audio measured (wrongly) at 2 s that plays 4: what a job priced by its header, before
    # lengths were decoded, would have been.
    audio = ValidatedInput(data=speech_wav(seconds=4.0), content_type="audio/wav", file_name="audio.wav", duration=2.0)
    image = ValidatedInput(data=portrait_png(), content_type="image/png", file_name="image.png")
    job = submission.create_job(user=user, model=PRO, image=image, audio=audio)

    job = finished_job(job.id)

    assert job.state == JobState.COMPLETED and job.video_duration == pytest.approx(4.0, abs=0.1)
    assert job.delivered_longer_than_priced
    assert job.events.filter(kind=JobEvent.Kind.ERROR, message__contains="priced on 2.00 s").exists()
    assert credits_moved(job)["capture"] == PRO.estimate_credits(2.0)  # never more than was held
    assert scrape(client, settings).value(FLAGGED, model=PRO.key) == 1

    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    listing = client.get(
        reverse("admin:jobs_job_changelist"), {"delivered_longer_than_priced__exact": "1"}
    ).content.decode()
    assert str(job.pk)[:8] in listing and "(priced 2.0 s)" in listing
    assert not Job.objects.filter(delivered_longer_than_priced=True).exclude(pk=job.pk).exists()
