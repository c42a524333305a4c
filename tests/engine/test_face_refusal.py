"""A picture with no face is refused as Kling on fal refuses it, all the way to the user: the
engine answers fal's 422 face_detection_error, the job fails with that message on its page,
and the credits held for it come back."""

import pytest

from credits import services as credits
from jobs.models import Job, JobState
from tests.conftest import wait_for
from tests.factories import data_uri, faceless_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def test_picture_without_a_face_fails_the_job_on_its_page_and_charges_nothing(
    api_client, client, user, fal_engine, task_worker
):
    balance = credits.account_for(user).balance
    body = {"image_url": data_uri(faceless_png(), "image/png"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")}

    job_id = api_client.post("/api/generate/kling-avatar/submit", body, format="json").json()["job_id"]
    job = wait_for(
        lambda: Job.objects.filter(pk=job_id, state=JobState.FAILED).first(), timeout=30, message="the job to fail"
    )
    client.force_login(user)
    page = client.get(f"/videos/{job_id}/").content.decode()

    assert "Could not detect a face in the image" in job.error and job.error_type == "face_detection_error"
    assert "Could not detect a face in the image" in page
    assert credits.account_for(user).balance == balance
    assert not job.video
