"""A speaking job whose tasks were lost (a worker killed with them) is woken at its step by
the next worker, and fal is asked to speak its script once."""

import pytest
from django_tasks_db.models import DBTaskResult

from jobs.media import check_image
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.services import submission
from speech.registry import SPEECH_MODEL
from tests.conftest import wait_for
from tests.factories import portrait_png
from tests.jobs.test_recovery import start_worker, stop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_speaking_job_whose_tasks_were_lost_is_resumed_by_the_next_worker(user, fal_engine, settings):
    job = submission.create_job(
        user=user,
        model=MODELS["kling-avatar-standard"],
        image=check_image(portrait_png()),
        script=submission.Script("A sentence that waits for a worker to speak it.", "af_bella"),
    )
    DBTaskResult.objects.all().delete()  # the tasks die with their worker; the job row remains

    worker = start_worker(settings)
    try:
        finished = wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=JobState.COMPLETED).first(), timeout=60, message="completion"
        )
    finally:
        stop(worker)

    assert finished.audio_file and finished.video_duration
    endpoints = [request["endpoint"] for request in fal_engine.stats()["requests"].values()]
    assert endpoints.count(SPEECH_MODEL.endpoint_id) == 1
