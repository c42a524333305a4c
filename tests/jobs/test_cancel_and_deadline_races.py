"""Cancel, timeout and submit racing each other: fal never runs (or bills) a job nobody
gets, and a video fal already made is never thrown away."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jobs import fal
from jobs.media import check_audio, check_image
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.services import deadlines, fal_requests, lifecycle, submission
from jobs.worker import in_process_worker
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job, submitted_without_worker

pytestmark = pytest.mark.django_db(transaction=True)


def new_job(user, **options):
    return submission.create_job(
        user=user,
        model=MODELS["kling-avatar-pro"],
        image=check_image(portrait_png()),
        audio=check_audio(speech_wav()),
        **options,
    )


def test_job_cancelled_while_its_submission_was_in_flight_is_cancelled_at_fal(user, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=30)
    job = new_job(user)  # no worker runs: the test submits it by hand
    submission.upload_local_inputs(job)
    assert Job.objects.claim_submission(job.id)
    job = Job.objects.get(pk=job.pk)
    # The user cancels while fal is still answering the submit.
    lifecycle.cancel_job(job.id)
    request_id = fal.submit(
        job.endpoint_id,
        MODELS["kling-avatar-pro"].build_input(image_url=job.image_url, audio_url=job.audio_url),
        webhook_url=None,
    )

    fal_requests.adopt_request_id(job.id, request_id, source="submit")

    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED
    assert fal_engine.stats()["requests"][request_id]["cancelled"]


def test_job_whose_inputs_never_upload_still_ends_at_its_deadline(user, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 2
    fal_engine.faults.fail_next_calls("upload", 429, count=1000)  # retried until the deadline (a 500 only 5 times)

    job = new_job(user)

    finished = wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=JobState.TIMED_OUT).first(), timeout=20, message="the timeout"
    )
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


def held_fal_cancel(engine, monkeypatch):
    """Make the engine hold the first cancel it is asked for until the returned event is set;
    returns (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    cancel = engine.cancel

    def cancel_when_released(request):
        if not reached.is_set():
            reached.set()
            release.wait(timeout=60)
        return cancel(request)

    monkeypatch.setattr(engine, "cancel", cancel_when_released)
    return reached, release


def token_client(user):
    return APIClient(
        HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}", raise_request_exception=False
    )


def cancel_through(door, user, job_id):
    if door == "proxy":
        target = f"https://queue.fal.run/fal-ai/kling-video/requests/{job_id}/cancel"
        return lambda: token_client(user).put("/api/fal/proxy", HTTP_X_FAL_TARGET_URL=target)
    return lambda: token_client(user).post(f"/api/v1/jobs/{job_id}/cancel")


@pytest.mark.parametrize("deleting", ["api", "browser"])
@pytest.mark.parametrize("cancelling", ["api", "proxy"])
def test_cancel_racing_a_delete_answers_404_and_fails_no_task(
    user, api_client, fal_engine, monkeypatch, cancelling, deleting
):
    fal_engine.faults.set_timing(processing_seconds=30)
    job_id = submitted_without_worker(api_client)["job_id"]
    reached, release = held_fal_cancel(fal_engine, monkeypatch)
    browser = Client(raise_request_exception=False)
    browser.force_login(user)

    with ThreadPoolExecutor(1) as pool:
        # The cancel reaches fal; while fal answers, the owner deletes the job elsewhere.
        cancel = pool.submit(cancel_through(cancelling, user, job_id))
        assert reached.wait(timeout=30)
        if deleting == "browser":
            deleted = browser.post(f"/videos/{job_id}/delete/")
        else:
            deleted = token_client(user).delete(f"/api/v1/jobs/{job_id}")
        release.set()
        cancelled = cancel.result(timeout=60)

    assert deleted.status_code in (204, 302)
    assert cancelled.status_code == 404
    assert cancelled.json().get("code", cancelled.json().get("status")) in ("not_found", "NOT_FOUND")
    assert not Job.objects.filter(pk=job_id).exists()
    in_process_worker(worker_id="test-batch", batch=True).run()
    assert not DBTaskResult.objects.filter(status="FAILED").values_list("task_path", "exception_class_path")


def test_delete_racing_a_cancel_answers_404(user, api_client, fal_engine, monkeypatch):
    fal_engine.faults.set_timing(processing_seconds=30)
    job_id = submitted_without_worker(api_client)["job_id"]
    reached, release = held_fal_cancel(fal_engine, monkeypatch)

    with ThreadPoolExecutor(1) as pool:
        # The delete cancels the job at fal first; meanwhile a cancel ends it and a second
        # delete removes it.
        deleting = pool.submit(token_client(user).delete, f"/api/v1/jobs/{job_id}")
        assert reached.wait(timeout=30)
        second = token_client(user).delete(f"/api/v1/jobs/{job_id}")
        release.set()
        first = deleting.result(timeout=60)

    assert sorted([first.status_code, second.status_code]) == [204, 404]
    assert not Job.objects.filter(pk=job_id).exists()
    in_process_worker(worker_id="test-batch", batch=True).run()
    assert not DBTaskResult.objects.filter(status="FAILED").values_list("task_path", "exception_class_path")
