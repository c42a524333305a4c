"""A worker process killed at any point loses nothing: a restarted worker picks every
unfinished job up from its stored state, and fal sees one request per job."""

import os
import signal
import subprocess
import sys

import pytest

from jobs import fal
from jobs.media import check_audio, check_image
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.services import submission
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.servers import PROJECT_DIR, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def start_worker(settings, **extra_env):
    env = {
        **os.environ,
        **{name: str(value) for name, value in extra_env.items()},
        "DATABASE_URL": database_url(),
        "FAL_MODE": "local",
        "FAL_ENGINE_URL": settings.FAL_ENGINE_URL,
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ENGINE_PROCESSING_SECONDS": str(settings.ENGINE_PROCESSING_SECONDS),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.05"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_worker_killed_between_submit_and_ingest_finishes_after_restart(user, fal_engine, settings):
    fal_engine.faults.set_timing(processing_seconds=1.5)
    # No callback will come: only the restarted worker's own polling can finish the job.
    fal_engine.faults.drop_next_webhooks(1)
    job = submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait_png()), audio=check_audio(speech_wav())
    )

    first = start_worker(settings)
    try:
        wait_for(lambda: Job.objects.get(pk=job.pk).request_id, timeout=30, message="the submission")
    finally:
        stop(first)
    request_id = Job.objects.get(pk=job.pk).request_id
    fal_engine.wait_until_completed(fal_engine.get(request_id), timeout=30)
    assert Job.objects.get(pk=job.pk).state != JobState.COMPLETED

    second = start_worker(settings)
    try:
        finished = wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=JobState.COMPLETED).first(), timeout=60, message="completion"
        )
    finally:
        stop(second)

    assert finished.video and finished.video_duration
    assert list(fal_engine.stats()["requests"]) == [request_id]


def test_worker_killed_mid_submission_never_submits_twice(user, fal_engine, settings):
    """A crash after the intent was recorded but before fal's answer was stored: the job
    is not resubmitted blindly; the callback (which names our job) finds it."""
    fal_engine.faults.set_timing(processing_seconds=0.5)
    job = submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait_png()), audio=check_audio(speech_wav())
    )
    # What a killed worker leaves behind: the claim, but no request id.
    Job.objects.filter(pk=job.pk).update(submit_attempts=1, submit_started_at=job.created_at)
    request_id = fal.submit(
        job.endpoint_id,
        MODELS["kling-avatar-pro"].build_input(image_url="data:,", audio_url="data:,"),
        webhook_url=submission.webhook_url_for(job),
    )

    worker = start_worker(settings)
    try:
        adopted = wait_for(
            lambda: Job.objects.filter(pk=job.pk, request_id=request_id).first(), timeout=30, message="adoption"
        )
    finally:
        stop(worker)

    assert adopted.submit_attempts == 1
    assert list(fal_engine.stats()["requests"]) == [request_id]


def test_worker_killed_mid_job_leaks_no_slot_at_fal(user, fal_engine, settings):
    fal_engine.faults.set_timing(processing_seconds=1.5)
    one_slot = {"MAX_JOBS_AT_FAL": 1}
    first, second = (
        submission.create_job(
            user=user,
            model=MODELS["kling-avatar-pro"],
            image=check_image(portrait_png()),
            audio=check_audio(speech_wav()),
        )
        for _ in range(2)
    )

    worker = start_worker(settings, **one_slot)
    try:
        wait_for(lambda: Job.objects.get(pk=first.pk).request_id, timeout=30, message="the first submission")
    finally:
        stop(worker)
    assert not Job.objects.get(pk=second.pk).submit_started_at  # waiting for the one slot

    worker = start_worker(settings, **one_slot)
    try:
        for job in (first, second):
            wait_for(
                lambda job=job: Job.objects.filter(pk=job.pk, state=JobState.COMPLETED).exists(),
                timeout=60,
                message="completion",
            )
    finally:
        stop(worker)

    assert Job.objects.at_fal().count() == 0
    assert len(fal_engine.stats()["requests"]) == 2
