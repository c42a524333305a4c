"""Cancel, timeout and submit racing each other: fal never runs (or bills) a job nobody
gets, and a video fal already made is never thrown away."""

import pytest

from jobs import fal
from jobs.services import deadlines, fal_requests, lifecycle, submission
from jobs.media import check_audio, check_image
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.worker import in_process_worker
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job, submit, submitted_without_worker

pytestmark = pytest.mark.django_db(transaction=True)


def new_job(user, **options):
    return submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait_png()), audio=check_audio(speech_wav()), **options
    )


def test_job_cancelled_while_its_submission_was_in_flight_is_cancelled_at_fal(user, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=30)
    job = new_job(user)  # no worker runs: the test submits it by hand
    submission.upload_local_inputs(job)
    assert Job.objects.claim_submission(job.id)
    job = Job.objects.get(pk=job.pk)
    # The user cancels while fal is still answering the submit.
    lifecycle.cancel_job(job.id)
    request_id = fal.submit(job.endpoint_id, MODELS["kling-avatar-pro"].build_input(image_url=job.image_url, audio_url=job.audio_url), webhook_url=None)

    fal_requests.adopt_request_id(job.id, request_id, source="submit")

    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED
    assert fal_engine.stats()["requests"][request_id]["cancelled"]


def test_job_whose_inputs_never_upload_still_ends_at_its_deadline(user, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 2
    fal_engine.faults.fail_next_calls("upload", 500, count=1000)

    job = new_job(user)

    finished = wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.TIMED_OUT).first(), timeout=20, message="the timeout")
    assert fal_engine.stats()["requests"] == {}
    assert "budget" in finished.error


def test_cancelling_a_job_fal_already_finished_keeps_the_video(api_client, fal_engine):
    fal_engine.faults.drop_next_webhooks(1)
    fal_engine.faults.set_timing(processing_seconds=0.2)
    answer = submitted_without_worker(api_client)
    fal_engine.wait_until_completed(fal_engine.get(answer["request_id"]), timeout=20)

    response = api_client.post("/api/generate/kling-avatar/cancel", {"job_id": answer["job_id"]}, format="json")

    assert response.status_code == 409
    assert "being stored" in response.json()["detail"]
    job = Job.objects.get(pk=answer["job_id"])
    assert job.state != JobState.CANCELLED
    assert job.fal_finished_at is not None


def test_timing_out_a_job_fal_already_finished_stores_the_video_instead(api_client, fal_engine):
    fal_engine.faults.drop_next_webhooks(1)
    fal_engine.faults.set_timing(processing_seconds=0.2)
    answer = submitted_without_worker(api_client)  # nothing notices fal finishing
    fal_engine.wait_until_completed(fal_engine.get(answer["request_id"]), timeout=20)

    job = deadlines.time_out_job(answer["job_id"])
    assert job.state != JobState.TIMED_OUT and job.fal_finished_at is not None
    in_process_worker(worker_id="test-batch", batch=True).run()

    assert finished_job(answer["job_id"]).state == JobState.COMPLETED
