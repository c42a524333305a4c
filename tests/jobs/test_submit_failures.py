"""What a submit does when fal cannot be reached, or stops answering once the request was
sent: the first sent nothing and is retried; the second may have created a request at fal and
is never sent again."""

import socket
import threading

import pytest

from jobs.models import Job, JobEvent, JobState
from jobs.services import submission
from tests.conftest import wait_for
from tests.factories import uploaded_audio_url

pytestmark = pytest.mark.django_db(transaction=True)


def hosted(user):
    """Inputs fal fetches itself, so a submit calls fal and nothing else."""
    return {"image_url": "https://example.com/face.png", "audio_url": uploaded_audio_url(user)}


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Reads each request, then closes the connection without a word: a request that may
    have reached fal, whose answer was lost."""

    def __init__(self):
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                if connection.recv(65536):
                    self.requests += 1

    def close(self):
        self.listener.close()


def test_submit_answers_pending_without_calling_fal(api_client, user, settings):
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"

    response = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.submit_attempts == 0 and not job.events.filter(kind=JobEvent.Kind.ERROR).exists()


def test_unreachable_fal_is_a_definite_failure_retried_until_fal_answers(api_client, user, fal_engine, settings):
    engine_url = settings.FAL_ENGINE_URL
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]

    job = submission.submit_job(job_id)

    job.refresh_from_db()
    assert job.state == JobState.PENDING and not job.request_id
    assert job.submit_started_at is None  # the claim is released: a retry may submit
    messages = list(job.events.filter(kind=JobEvent.Kind.ERROR).values_list("message", flat=True))
    assert any("could not connect (ConnectError)" in message for message in messages), messages
    assert not any("outcome unknown" in message for message in messages)

    settings.FAL_ENGINE_URL = engine_url
    job = submission.submit_job(job_id)

    assert job.request_id and job.submit_attempts == 2
    assert len(fal_engine.stats()["requests"]) == 1


def test_unreachable_fal_keeps_being_retried_past_the_refusal_limit(api_client, user, settings):
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]

    for _ in range(submission.MAX_SUBMIT_ATTEMPTS + 2):
        submission.submit_job(job_id)

    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.PENDING
    assert job.submit_attempts == submission.MAX_SUBMIT_ATTEMPTS + 2


def test_submit_whose_answer_is_lost_is_sent_once_and_left_to_the_callback(api_client, user, settings):
    silent = SilentServer()
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{silent.port}/_fal"
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]

    try:
        job = submission.submit_job(job_id)
        wait_for(lambda: silent.requests, message="the submit to arrive")
    finally:
        silent.close()

    assert silent.requests == 1  # fal-client would have sent it ten times
    job.refresh_from_db()
    assert job.submit_started_at is not None  # the claim is kept: no blind resubmit
    assert job.events.filter(kind=JobEvent.Kind.ERROR, message__contains="outcome unknown").exists()
    assert submission.submit_job(job_id).submit_attempts == 1


def test_fal_asking_to_slow_down_is_retried_past_the_refusal_limit(api_client, user, fal_engine):
    fal_engine.faults.fail_next_calls("submit", 429, count=submission.MAX_SUBMIT_ATTEMPTS + 1)
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]

    for _ in range(submission.MAX_SUBMIT_ATTEMPTS + 1):
        assert submission.submit_job(job_id).state == JobState.PENDING
    job = submission.submit_job(job_id)

    assert job.request_id and job.submit_attempts == submission.MAX_SUBMIT_ATTEMPTS + 2
    assert len(fal_engine.stats()["requests"]) == 1


def test_attempts_made_while_fal_was_out_of_reach_leave_every_refusal_its_retry(
    api_client, user, fal_engine, settings
):
    engine_url = settings.FAL_ENGINE_URL
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]
    for _ in range(submission.MAX_SUBMIT_ATTEMPTS + 2):
        submission.submit_job(job_id)  # an outage: nothing reaches fal
    settings.FAL_ENGINE_URL = engine_url
    fal_engine.faults.fail_next_calls("submit", 500, count=submission.MAX_SUBMIT_ATTEMPTS - 1)

    for _ in range(submission.MAX_SUBMIT_ATTEMPTS - 1):
        assert submission.submit_job(job_id).state == JobState.PENDING
    job = submission.submit_job(job_id)

    assert job.request_id and job.submit_refusals == submission.MAX_SUBMIT_ATTEMPTS - 1
    assert len(fal_engine.stats()["requests"]) == 1


def test_a_job_fal_keeps_refusing_fails_after_the_documented_attempts(api_client, user, fal_engine):
    fal_engine.faults.fail_next_calls("submit", 500, count=submission.MAX_SUBMIT_ATTEMPTS)
    job_id = api_client.post("/api/generate/kling-avatar/submit", hosted(user), format="json").json()["job_id"]

    for _ in range(submission.MAX_SUBMIT_ATTEMPTS - 1):
        assert submission.submit_job(job_id).state == JobState.PENDING
    job = submission.submit_job(job_id)

    assert job.state == JobState.FAILED and "fal refused the job" in job.error
    assert not fal_engine.stats()["requests"]
