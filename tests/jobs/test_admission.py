"""Admission control: a per-user limit on unfinished jobs, and a global cap on jobs at fal
that waiting jobs share fairly, slot by slot, across users."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.media import check_audio, check_image
from jobs.models import Job, JobState
from jobs.registry import DEFAULT_MODEL_KEY, MODELS
from jobs.services import admission, submission
from jobs.worker import in_process_worker
from tests.conftest import wait_for
from tests.factories import make_user, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def create(user):
    return submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait_png()), audio=check_audio(speech_wav())
    )


def most_at_once(requests):
    """The largest number of engine requests that were open (submitted, not completed) at once."""
    moments = sorted([(r["submitted_at"], 1) for r in requests] + [(r["completed_at"], -1) for r in requests])
    open_now = peak = 0
    for _, change in moments:
        open_now += change
        peak = max(peak, open_now)
    return peak


@pytest.fixture
def worker_thread():
    worker = in_process_worker(worker_id="admission-test", interval=0.02)
    thread = threading.Thread(target=worker.run, daemon=True)
    yield thread
    worker.running = False
    if thread.is_alive():
        thread.join(timeout=15)


def test_global_cap_holds_and_waiting_users_take_turns(fal_engine, settings, worker_thread):
    settings.MAX_JOBS_AT_FAL = 2
    users = [make_user(name) for name in ("ann", "bob", "cat")]
    # Each user queues two jobs before any worker runs: ann, ann, bob, bob, cat, cat.
    jobs = [create(user) for user in users for _ in range(2)]

    worker_thread.start()
    for job in jobs:
        wait_for(lambda job=job: Job.objects.get(pk=job.pk).is_finished, timeout=60, message="every job to finish")

    requests = fal_engine.stats()["requests"]
    assert all(Job.objects.get(pk=job.pk).state == JobState.COMPLETED for job in jobs)
    assert len(requests) == 6
    assert most_at_once(requests.values()) <= 2
    by_request = {job.request_id: job.user.username for job in Job.objects.all()}
    started = sorted(requests, key=lambda request_id: requests[request_id]["submitted_at"])
    assert [by_request[request_id] for request_id in started] == ["ann", "bob", "cat", "ann", "bob", "cat"]
    assert Job.objects.at_fal().count() == 0


def test_waiting_job_knows_how_many_start_before_it(fal_engine, settings, user, other_user):
    settings.MAX_JOBS_AT_FAL = 0  # nothing may start: everyone waits
    first, second = create(user), create(user)
    others = create(other_user)

    assert [admission.jobs_ahead(job) for job in (first, others, second)] == [0, 1, 2]


def test_user_with_too_many_unfinished_jobs_is_refused_and_nothing_is_created(fal_engine, settings, user):
    settings.MAX_ACTIVE_JOBS_PER_USER = 2
    create(user), create(user)

    with pytest.raises(admission.TooManyActiveJobs):
        create(user)

    assert Job.objects.count() == 2


def test_finished_jobs_no_longer_count_against_the_user(fal_engine, settings, user):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    Job.objects.filter(pk=create(user).pk).update(state=JobState.FAILED)

    create(user)

    assert Job.objects.count() == 2


def test_api_refuses_a_job_over_the_users_limit_with_429_json(api_client, fal_engine, settings, user):
    from tests.factories import data_uri

    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    create(user)
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}

    response = api_client.post("/api/generate/kling-avatar/submit", body, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_active_jobs"
    assert "1 unfinished jobs" in response.json()["detail"]
    assert Job.objects.count() == 1


def test_create_form_says_when_the_user_has_too_many_unfinished_jobs(client, fal_engine, settings, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    create(user)
    client.force_login(user)

    response = client.post(
        "/create/",
        {
            "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
            "audio": SimpleUploadedFile("voice.wav", speech_wav(), "audio/wav"),
            "model": DEFAULT_MODEL_KEY,
        },
    )

    assert response.status_code == 200
    assert "the most you can run at once" in response.content.decode()
    assert Job.objects.count() == 1


def test_api_status_says_how_many_jobs_are_ahead(api_client, fal_engine, settings, user, other_user):
    settings.MAX_JOBS_AT_FAL = 0
    create(other_user)
    job = create(user)

    body = api_client.post("/api/generate/kling-avatar/status", {"job_id": str(job.id)}, format="json").json()

    assert body["waiting_ahead"] == 1
    assert body["status_detail"] == "waiting for a free slot (1 ahead)"


def bare_job(user, **fields):
    """A job row as admission sees it, with no inputs or fal behind it: only its state counts here."""
    return Job.objects.create(
        user=user, endpoint_id=MODELS[DEFAULT_MODEL_KEY].endpoint_id, audio_duration=2.0, **fields
    )


def queries_to_list_jobs(api_client, user, waiting):
    for _ in range(waiting):
        bare_job(user)
    with CaptureQueriesContext(connection) as queries:
        body = api_client.get("/api/v1/jobs", {"page_size": 100}).json()
    assert [job["waiting_ahead"] for job in body["results"]] == list(range(waiting))[::-1]  # newest first
    Job.objects.filter(state=JobState.PENDING, submit_started_at__isnull=True).delete()
    return len(queries)


def test_a_page_of_waiting_jobs_finds_their_places_with_the_same_queries_however_many(
    api_client, settings, user, other_user
):
    settings.MAX_JOBS_AT_FAL = 2
    for _ in range(2):
        bare_job(other_user, state=JobState.IN_PROGRESS, request_id="req", submit_started_at=timezone.now())

    assert queries_to_list_jobs(api_client, user, waiting=5) == queries_to_list_jobs(api_client, user, waiting=50)


def test_places_in_line_follow_the_fair_order_and_skip_jobs_not_waiting(settings, user, other_user):
    settings.MAX_JOBS_AT_FAL = 1
    at_fal = bare_job(user, state=JobState.IN_QUEUE, request_id="req", submit_started_at=timezone.now())
    finished = bare_job(other_user, state=JobState.COMPLETED, request_id="done", submit_started_at=timezone.now())
    mine, theirs, mine_too = bare_job(user), bare_job(other_user), bare_job(user)

    # other_user has nothing at fal, so their job goes first; then the user's, oldest first.
    assert admission.places_in_line([at_fal, finished, mine, theirs, mine_too]) == {
        theirs.pk: 0,
        mine.pk: 1,
        mine_too.pk: 2,
    }
    assert admission.jobs_ahead(mine_too) == 2
    assert admission.jobs_ahead(at_fal) is None

    settings.MAX_JOBS_AT_FAL = 2  # a slot is free: nobody waits in line
    assert admission.places_in_line([mine, theirs]) == {}
