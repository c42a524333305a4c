import re

import pytest
from django.urls import reverse

from jobs.models import Job, JobState
from tests.avatars.builders import STANDARD, completed_job, make_job

pytestmark = pytest.mark.django_db


def job_url(name, job):
    return reverse(name, kwargs={"job_id": job.id})


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_queued_job_shows_its_queue_position_and_polls_for_updates(owner_client, user):
    job = make_job(user, JobState.IN_QUEUE, queue_position=2)

    response = owner_client.get(job_url("avatars:job", job))

    assert response.status_code == 200
    assert "Waiting in the model's queue — position 3." in text_of(response)
    html = response.content.decode()
    assert f'data-status-url="{job_url("avatars:job-status", job)}"' in html and 'data-finished="false"' in html
    assert "/static/js/job.js" in html


def test_running_job_shows_model_logs_elapsed_time_and_progress(owner_client, user, settings):
    settings.FAL_MODE = "remote"  # the model's own expectation, not the local engine's
    settings.JOB_EXPECTED_SECONDS = 0
    logs = [{"timestamp": "t1", "message": "Detecting face"}, {"timestamp": "t2", "message": "Rendering frames 1-48"}]
    job = make_job(user, JobState.IN_PROGRESS, logs=logs)

    response = owner_client.get(job_url("avatars:job", job))

    text = text_of(response)
    assert "Detecting face" in text and "Rendering frames 1-48" in text
    assert "usually takes about 8 minutes" in text and "Elapsed 0:0" in text
    assert re.search(r'<progress id="job-progress" max="100" value="[5-9]"', response.content.decode())
    assert "Cancel this job" in text


def test_completed_job_shows_player_download_duration_and_size(owner_client, user):
    job = completed_job(user, video=b"x" * 2048)

    response = owner_client.get(job_url("avatars:job", job))

    html = response.content.decode()
    assert f'src="{job.video.url}"' in html and f'poster="{job.poster.url}"' in html and "<video" in html
    assert re.search(rf'<a class="button" href="{re.escape(job.video.url)}" download=', html)
    assert "0:04 long · 2.0 KB" in text_of(response)
    assert 'data-finished="true"' in html and "Cancel this job" not in html


def test_job_page_shows_model_and_estimated_cost(owner_client, user, settings):
    settings.KLING_STANDARD_PRICE_PER_SECOND = 0.056
    job = make_job(user, JobState.PENDING, model=STANDARD)  # 4 s of audio

    text = text_of(owner_client.get(job_url("avatars:job", job)))

    assert "Model Kling AI Avatar Standard" in text and "Estimated cost $0.22" in text


@pytest.mark.parametrize(
    "state, says",
    [
        (JobState.FAILED, "The model failed: Could not detect a face in the image"),
        (JobState.TIMED_OUT, "The job took longer than its 12-minute budget and was cancelled."),
        (JobState.CANCELLED, "Cancelled at your request."),
    ],
)
def test_unsuccessful_jobs_say_why(owner_client, user, state, says):
    job = make_job(user, state)

    response = owner_client.get(job_url("avatars:job", job))

    assert says in text_of(response)
    assert "<video" not in response.content.decode()


def test_status_endpoint_returns_the_live_panel_and_whether_to_stop(owner_client, user):
    running = make_job(user, JobState.IN_QUEUE, queue_position=0)
    done = completed_job(user)

    live = owner_client.get(job_url("avatars:job-status", running)).json()
    final = owner_client.get(job_url("avatars:job-status", done)).json()

    assert live["state"] == "in_queue" and live["finished"] is False and "you're next" in live["html"]
    assert final["state"] == "completed" and final["finished"] is True and "<video" in final["html"]


def test_owner_can_cancel_an_unfinished_job(owner_client, user):
    job = make_job(user, JobState.PENDING)

    response = owner_client.post(job_url("avatars:job-cancel", job), follow=True)

    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert "The job was cancelled." in text_of(response) and "Cancelled at your request." in text_of(response)


def test_cancelling_a_finished_job_changes_nothing(owner_client, user):
    job = completed_job(user)

    response = owner_client.post(job_url("avatars:job-cancel", job), follow=True)

    job.refresh_from_db()
    assert job.state == JobState.COMPLETED
    assert "The job had already finished (completed)." in text_of(response)


def test_cancel_only_accepts_post(owner_client, user):
    job = make_job(user, JobState.PENDING)

    assert owner_client.get(job_url("avatars:job-cancel", job)).status_code == 405
    job.refresh_from_db()
    assert job.state == JobState.PENDING


@pytest.mark.parametrize(
    "name, method",
    [("avatars:job", "get"), ("avatars:job-status", "get"), ("avatars:job-cancel", "post"), ("avatars:job-delete", "get"), ("avatars:job-delete", "post")],
)
def test_other_users_job_is_404(client, user, other_user, name, method):
    job = make_job(user, JobState.IN_QUEUE)
    client.force_login(other_user)

    response = getattr(client, method)(job_url(name, job))

    assert response.status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.IN_QUEUE and Job.objects.filter(pk=job.pk).exists()


def test_job_waiting_for_a_free_slot_says_how_many_are_ahead(owner_client, user, other_user, settings):
    settings.MAX_JOBS_AT_FAL = 0
    make_job(other_user)
    job = make_job(user)

    response = owner_client.get(job_url("avatars:job", job))

    assert "Waiting for a free slot (1 ahead)." in text_of(response)
