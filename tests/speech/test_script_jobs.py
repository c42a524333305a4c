"""A script instead of a recording, end to end over real HTTP: the v1 API takes a script and
a voice, the worker has the local engine's text-to-speech model speak it (through fal-client),
the speech becomes the job's audio, and the avatar model makes the video from it. Credits are
held for both steps and settled once."""

import av
import pytest

from credits.models import LedgerEntry
from jobs.models import Job, JobEvent, JobState
from jobs.scripts import script_hold, speech_credits
from speech.registry import SPEECH_MODEL
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "Hello! I am a talking portrait, and these words were written, not recorded."


def create(api_client, **fields):
    body = {"image_url": data_uri(portrait_png(), "image/png"), **fields}
    return api_client.post("/api/v1/jobs", body, format="json")


def finished_job(job_id, timeout=60):
    def finished():
        job = Job.objects.get(pk=job_id)
        return job if job.is_finished else None

    return wait_for(finished, timeout=timeout, message=f"job {job_id} to finish")


def ledger(job):
    return dict(LedgerEntry.objects.filter(job=job).values_list("kind", "amount"))


def engine_endpoints(fal_engine):
    return sorted(request["endpoint"] for request in fal_engine.stats()["requests"].values())


def test_a_script_is_spoken_and_its_speech_drives_the_video(api_client, fal_engine, task_worker):
    response = create(api_client, script=SCRIPT, voice="am_adam", model="standard")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "speaking"
    job = finished_job(body["id"])

    assert job.state == JobState.COMPLETED, job.error
    # The speech is the job's audio input: stored by us, measured, and as long as the video.
    assert job.audio_file.name.endswith(".wav")
    with job.audio_file.open("rb") as handle, av.open(handle) as container:
        assert abs(container.duration / av.time_base - job.audio_duration) < 0.1
    assert 3.0 < job.audio_duration < 10.0
    assert abs(job.video_duration - job.audio_duration) <= 0.1
    assert engine_endpoints(fal_engine) == sorted([SPEECH_MODEL.endpoint_id, job.endpoint_id])
    # Both steps are in the job's log, in order.
    transitions = list(job.events.filter(kind=JobEvent.Kind.TRANSITION).values_list("to_state", flat=True))
    assert transitions[0] == JobState.PENDING and transitions[-1] == JobState.COMPLETED
    speech_submit = job.events.get(kind=JobEvent.Kind.SUBMIT, data__step="speech")
    assert "Adam" in speech_submit.message and str(len(SCRIPT)) in speech_submit.message
    # Held for both steps (the video for the longest the text can take), lowered once to the
    # exact price when the speech was measured, charged once for the speech and the video.
    amounts = ledger(job)
    exact = speech_credits(SCRIPT) + job.model.estimate_credits(job.audio_duration)
    charged = speech_credits(SCRIPT) + job.model.credits_for(job.video_duration)
    expected = {
        "reserve": script_hold(job.model, SCRIPT),
        "lower": script_hold(job.model, SCRIPT) - exact,
        "capture": charged,
        "release": exact - charged,  # none when the video is exactly as long as the speech
    }
    assert amounts == {kind: amount for kind, amount in expected.items() if amount}
    assert amounts["lower"] > 0
    assert job.events.filter(kind=JobEvent.Kind.NOTE, message__startswith=f"Hold lowered to {exact} credits").exists()
    detail = api_client.get(f"/api/v1/jobs/{job.id}").json()
    assert detail["cost"] == {"credits_held": exact, "credits_charged": charged, "settled": True}


@pytest.mark.parametrize(
    ("injected", "error_type"),
    [("fail_next_request", "speech_synthesis_error"), (" [[fail:500]]", "runner_server_error")],
)
def test_a_failed_speech_step_releases_everything_and_never_runs_the_avatar(
    api_client, fal_engine, task_worker, injected, error_type
):
    script = SCRIPT
    if injected == "fail_next_request":
        fal_engine.faults.fail_next_requests(1)
    else:
        script += injected  # the engine fails a request whose text carries the marker

    job = finished_job(create(api_client, script=script).json()["id"])

    assert job.state == JobState.FAILED
    assert job.error_type == error_type
    assert "speech model failed" in job.error
    assert engine_endpoints(fal_engine) == [SPEECH_MODEL.endpoint_id]
    assert not job.audio_file
    amounts = ledger(job)
    assert set(amounts) == {"reserve", "release"} and amounts["release"] == amounts["reserve"]


def test_a_failed_avatar_step_charges_only_the_speech(api_client, fal_engine, task_worker):
    job = finished_job(create(api_client, script=SCRIPT, prompt="[[fail]]").json()["id"])

    assert job.state == JobState.FAILED
    assert job.error_type == "face_detection_error"
    assert job.audio_file  # the speech was made and is kept: a retry reuses it
    amounts = ledger(job)
    assert amounts["capture"] == speech_credits(SCRIPT)
    assert amounts["release"] == amounts["reserve"] - amounts["lower"] - speech_credits(SCRIPT)


def test_a_cancel_while_speaking_releases_everything(api_client, fal_engine):
    # No worker: the job stays in its speech step until it is cancelled.
    job_id = create(api_client, script=SCRIPT).json()["id"]

    response = api_client.post(f"/api/v1/jobs/{job_id}/cancel")

    assert response.status_code == 200, response.json()
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.CANCELLED
    amounts = ledger(job)
    assert set(amounts) == {"reserve", "release"} and amounts["release"] == amounts["reserve"]


def test_speech_longer_than_a_long_video_takes_fails_clearly(api_client, fal_engine, task_worker, settings):
    # Speech past one request's limit makes a long video (tests/longform/test_long_scripts.py);
    # past the longest a long video may be, the job fails.
    settings.MAX_AUDIO_SECONDS = 3.0
    settings.MAX_LONG_AUDIO_SECONDS = 3.0

    job = finished_job(create(api_client, script=SCRIPT).json()["id"])

    assert job.state == JobState.FAILED
    assert "3 seconds" in job.error and "script" in job.error
    amounts = ledger(job)
    assert amounts["release"] == amounts["reserve"]
    # Held for at most the longest video, never for the text's full upper bound.
    assert amounts["reserve"] == speech_credits(SCRIPT) + job.model.credits_for(3.0)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"script": "x" * 2501}, "script"),
        ({"script": "   "}, "script"),
        ({"script": SCRIPT, "voice": "robot"}, "voice"),
        ({"script": SCRIPT, "audio_url": data_uri(speech_wav(), "audio/wav")}, "script"),
    ],
)
def test_a_bad_script_is_refused_with_its_field_named_and_nothing_held(api_client, fields, named):
    response = create(api_client, **fields)

    assert response.status_code == 400
    assert named in str(response.json()), response.json()
    assert not Job.objects.exists() and not LedgerEntry.objects.filter(kind="reserve").exists()


def test_a_job_needs_a_recording_or_a_script(api_client):
    response = create(api_client)

    assert response.status_code == 400
    assert "audio_url" in str(response.json())


def test_the_voices_are_listed_with_the_default(api_client):
    voices = api_client.get("/api/v1/voices").json()

    assert len(voices) == 20
    assert {"key": "af_heart", "label": "Heart (female)", "gender": "female", "default": True} in voices
    assert sum(voice["default"] for voice in voices) == 1


def test_a_job_whose_speech_step_failed_is_retried_by_speaking_again(
    api_client, client, user, fal_engine, task_worker
):
    fal_engine.faults.fail_next_requests(1)
    failed = finished_job(create(api_client, script=SCRIPT, voice="af_sky").json()["id"])
    client.force_login(user)

    response = client.post(f"/videos/{failed.id}/retry/")

    assert response.status_code == 302
    retry = finished_job(Job.objects.exclude(pk=failed.pk).get().pk)
    assert retry.state == JobState.COMPLETED, retry.error
    assert (retry.script, retry.voice) == (SCRIPT, "af_sky") and retry.audio_file
    assert retry.events.filter(kind=JobEvent.Kind.SUBMIT, data__step="speech").count() == 1


def test_the_job_page_shows_the_speech_step_while_it_runs(api_client, client, user):
    # No worker: the job waits in its first step.
    job_id = create(api_client, script=SCRIPT, voice="am_onyx").json()["id"]
    client.force_login(user)

    page = client.get(f"/videos/{job_id}/").content.decode()

    assert "Speaking the script" in page  # the badge
    assert f"Step 1 of 2: speaking your script ({len(SCRIPT)} characters) with the voice Onyx (male)" in page
    assert SCRIPT in page
