"""The whole pipeline against the local engine over real HTTP, through fal-client:
API submit -> fal queue -> signed webhook or polling -> ingest into our storage."""

import av
import pytest
from django.utils import timezone

from jobs.models import Job, JobEvent, JobState
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def submit(api_client, seconds=2.0, **extra):
    body = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(seconds), "audio/wav"),
        **extra,
    }
    response = api_client.post("/api/generate/kling-avatar/submit", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def submitted_to_fal(api_client, job_id=None, **kwargs):
    """Submit through the API (or take `job_id`) and wait for the worker to hand the job to
    fal; returns the API's status answer, which then carries fal's request id."""
    job_id = job_id or submit(api_client, **kwargs)["job_id"]
    wait_for(lambda: Job.objects.filter(pk=job_id).exclude(request_id="").exists(), message="the submit to fal")
    return api_client.post("/api/generate/kling-avatar/status", {"job_id": job_id}, format="json").json()


def submitted_without_worker(api_client, **kwargs):
    """Submit through the API and hand the job to fal here, as the worker would: for tests
    that keep the worker away to control what happens next."""
    from jobs.services import submission

    answer = submit(api_client, **kwargs)
    return {**answer, "request_id": submission.submit_job(answer["job_id"]).request_id}


def finished_job(job_id, timeout=30):
    def finished():
        job = Job.objects.get(pk=job_id)
        return job if job.is_finished else None

    return wait_for(finished, timeout=timeout, message=f"job {job_id} to finish")


def transitions_to(job, state):
    return job.events.filter(kind=JobEvent.Kind.TRANSITION, to_state=state).count()


def test_submit_answers_pending_at_once_and_the_worker_hands_the_job_to_fal(api_client, fal_engine, task_worker):
    answer = submit(api_client, seconds=2.0, prompt="A friendly hello")

    assert answer["status"] == "pending" and not answer["request_id"]
    assert answer["job_id"]
    status = submitted_to_fal(api_client, answer["job_id"])
    assert status["request_id"] and status["status"] in ("in_queue", "in_progress", "completed")


def test_submitted_job_completes_by_webhook_with_playable_mp4(api_client, fal_engine, task_worker):
    answer = submit(api_client, seconds=2.0, prompt="A friendly hello")
    job = finished_job(answer["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    # On a busy machine a status check may notice the end first; fal's callback still comes.
    wait_for(lambda: job.events.filter(kind=JobEvent.Kind.WEBHOOK).exists(), message="fal's callback")
    with job.video.open("rb") as handle, av.open(handle) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert abs(container.duration / av.time_base - 2.0) <= 0.1
    assert abs(job.video_duration - 2.0) <= 0.1
    assert job.video_size == job.video.size
    assert job.poster
    assert [job.queued_at is not None, job.finished_at is not None] == [True, True]


def test_result_endpoint_returns_our_stored_video(api_client, fal_engine, task_worker):
    answer = submitted_to_fal(api_client)
    finished_job(answer["job_id"])

    result = api_client.post("/api/generate/kling-avatar/result", {"request_id": answer["request_id"]}, format="json")

    assert result.status_code == 200
    body = result.json()
    assert body["video"]["content_type"] == "video/mp4"
    assert "/media/videos/" in body["video"]["url"]
    assert body["duration"] == pytest.approx(2.0, abs=0.1)


def test_lost_webhook_is_recovered_by_polling(api_client, fal_engine, task_worker):
    fal_engine.faults.drop_next_webhooks(1)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    assert not job.events.filter(kind=JobEvent.Kind.WEBHOOK).exists()
    assert job.status_polls >= 1


def test_duplicate_webhooks_complete_the_job_once(api_client, fal_engine, task_worker, settings):
    fal_engine.faults.duplicate_next_webhooks(1, times=3)

    answer = submitted_to_fal(api_client)
    job = finished_job(answer["job_id"])
    # All three are answered 2xx; copies signed in the same second are one message to us.
    wait_for(
        lambda: fal_engine.stats()["requests"][answer["request_id"]]["webhook_successes"] == 3,
        message="three callbacks",
    )
    assert job.events.filter(kind=JobEvent.Kind.WEBHOOK).exists()

    assert job.state == JobState.COMPLETED
    assert transitions_to(job, JobState.COMPLETED) == 1
    assert job.events.filter(kind=JobEvent.Kind.INGEST).count() == 1


def test_model_error_fails_job_with_the_models_message(api_client, fal_engine, task_worker):
    fal_engine.faults.fail_next_requests(
        1,
        status=422,
        body={"detail": [{"loc": ["body", "audio_url"], "msg": "Audio has no speech", "type": "value_error"}]},
    )

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.FAILED
    assert "Audio has no speech" in job.error
    assert not job.video


def test_rate_limited_submit_is_retried_later_without_a_second_request(api_client, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 30  # retry delays scale with the budget
    fal_engine.faults.fail_next_calls("submit", 429, count=2)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    assert job.submit_attempts == 3
    assert len(fal_engine.stats()["requests"]) == 1


def test_server_error_on_submit_is_retried_later_without_a_second_request(api_client, fal_engine, task_worker):
    fal_engine.faults.fail_next_calls("submit", 500, count=1)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error
    assert job.submit_attempts == 2
    assert len(fal_engine.stats()["requests"]) == 1


def test_status_errors_while_polling_are_retried(api_client, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 120  # a failed check is retried after 1.2 s, not 5 s
    fal_engine.faults.drop_next_webhooks(1)
    fal_engine.faults.fail_next_calls("status", 500, count=2)
    fal_engine.faults.fail_next_calls("status", 429, count=2)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED, job.error


def test_job_over_budget_is_cancelled_at_the_engine_and_timed_out(api_client, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 1.5
    fal_engine.faults.set_timing(processing_seconds=30)

    answer = submitted_to_fal(api_client)
    job = finished_job(answer["job_id"], timeout=20)

    assert job.state == JobState.TIMED_OUT
    assert "budget" in job.error
    assert fal_engine.stats()["requests"][answer["request_id"]]["cancelled"]


def test_cancelled_job_is_cancelled_at_the_engine(api_client, fal_engine, task_worker):
    fal_engine.faults.set_timing(processing_seconds=30)
    answer = submitted_to_fal(api_client)

    response = api_client.post("/api/generate/kling-avatar/cancel", {"job_id": answer["job_id"]}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert fal_engine.stats()["requests"][answer["request_id"]]["cancelled"]
    again = api_client.post("/api/generate/kling-avatar/cancel", {"job_id": answer["job_id"]}, format="json")
    assert again.status_code == 409


def test_a_status_check_that_sees_the_cancelled_request_end_first_ends_the_job_cancelled(api_client, fal_engine):
    """The cancel view asks fal to cancel, then ends the job; a status check in between sees
    fal's end of the request and ingests it. The job ends cancelled, not failed."""
    from jobs import fal
    from jobs.services import fal_requests, ingest

    fal_engine.faults.set_timing(processing_seconds=30)
    answer = submitted_without_worker(api_client)
    job = Job.objects.get(pk=answer["job_id"])
    Job.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now())
    assert fal.cancel(job.endpoint_id, job.request_id)  # the view's cancel reached fal ...
    fal_requests.note_fal_finished(job.id, source="test")  # ... and a status check saw the end first

    job = ingest.finish_job(job.id)

    assert (job.state, job.error_type, job.error) == (JobState.CANCELLED, "cancelled", "Cancelled at your request.")


def test_ingest_woken_before_fal_finished_retries_instead_of_waiting(api_client, fal_engine):
    from jobs.services import fal_requests, ingest

    fal_engine.faults.set_timing(processing_seconds=30)
    job_id = submitted_without_worker(api_client)["job_id"]
    fal_requests.note_fal_finished(job_id, source="test")

    job = ingest.finish_job(job_id)

    assert not job.is_finished
    assert job.events.filter(message__contains="has not finished this request yet").exists()


def test_stored_video_is_served_to_its_owner_only(api_client, fal_engine, task_worker, other_user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    job = finished_job(submit(api_client)["job_id"])
    path = job.video.url
    stranger = Client()
    stranger.force_login(other_user)
    owner = Client()
    owner.force_login(job.user)

    assert owner.get(path).status_code == 200
    assert api_client.get(path).status_code == 200  # the API token works too
    assert stranger.get(path).status_code == 404
    assert Client().get(path).status_code == 404
    assert Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_user).key}").get(path).status_code == 404


def test_a_failed_status_check_while_fetching_the_result_is_retried_not_a_model_failure(api_client, fal_engine):
    from jobs.services import fal_requests, ingest

    fal_engine.faults.set_timing(processing_seconds=0.2)
    answer = submitted_without_worker(api_client)
    fal_engine.wait_until_completed(fal_engine.get(answer["request_id"]), timeout=20)
    fal_requests.note_fal_finished(answer["job_id"], source="test")
    fal_engine.faults.fail_next_calls("status", 500, count=1)

    job = ingest.finish_job(answer["job_id"])

    assert not job.is_finished
    assert job.events.filter(message__contains="Injected HTTP 500").filter(message__contains="retrying").exists()
    Job.objects.release_ingest(job.pk)
    assert ingest.finish_job(answer["job_id"]).state == JobState.COMPLETED
