"""Inputs held as files are uploaded to fal storage before the submit, and a failed upload is
retried like a refused submit: with a growing delay, until the deadline while fal can't be
reached, and at most MAX_SUBMIT_ATTEMPTS times when fal answers with an error."""

import socket

import pytest

from jobs import schedule
from jobs.media import check_audio, check_image
from jobs.models import Job, JobEvent, JobState
from jobs.registry import MODELS
from jobs.services import submission
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def job_with_files(user):
    return submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait_png()), audio=check_audio(speech_wav())
    )


def upload_failures(job):
    return list(job.events.filter(kind=JobEvent.Kind.ERROR).values_list("created_at", flat=True))


def waits_were_planned(times):
    """Each wait between attempts lasted at least the backoff planned after that attempt."""
    waits = [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:])]
    planned = [schedule.submit_retry_delay(attempt) for attempt in range(1, len(times))]
    return all(wait >= plan for wait, plan in zip(waits, planned)) and planned[-1] > 4 * planned[0], (waits, planned)


def test_uploads_to_an_unreachable_fal_back_off_until_the_deadline(user, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 8  # retry delays scale with the budget: 1/90 of a full job's
    settings.FAL_ENGINE_URL = f"http://127.0.0.1:{closed_port()}/_fal"

    job = job_with_files(user)
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.TIMED_OUT).first(), message="the deadline")

    attempts = upload_failures(job)
    assert 5 <= len(attempts) <= 20, len(attempts)  # retried at a constant pace, 36 on a quiet machine
    assert waits_were_planned(attempts)[0], waits_were_planned(attempts)[1]


def test_uploads_refused_by_fal_stop_after_the_documented_attempts(user, fal_engine, task_worker, settings):
    settings.JOB_BUDGET_SECONDS = 120  # retry delays scale with the budget: 1/6 of a full job's
    fal_engine.faults.fail_next_calls("upload", 500, count=100)

    job = job_with_files(user)
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.FAILED).first(), message="the job to fail")

    attempts = upload_failures(job)
    assert len(attempts) == submission.MAX_SUBMIT_ATTEMPTS
    # An attempt is one refused call (for a CDN token), or two when fal-client holds a token
    # already (the upload, then fal's other storage).
    assert (
        submission.MAX_SUBMIT_ATTEMPTS <= fal_engine.stats()["calls"]["upload"] <= 2 * submission.MAX_SUBMIT_ATTEMPTS
    )
    assert waits_were_planned(attempts)[0], waits_were_planned(attempts)[1]
    assert "fal refused the job" in job.error and not fal_engine.stats()["requests"]
