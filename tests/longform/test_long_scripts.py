"""A script whose speech is longer than the model takes becomes a long video, end to end over
real HTTP: the local engine speaks it (through fal-client), the same job becomes the parent,
its speech is split at pauses into segment jobs the engine renders, and they are stitched into
one MP4 as long as the speech. Credits: held once for the speech and the longest video the
text can make, lowered once the speech is measured, settled once for the speech and the video."""

import av
import pytest

from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job, JobEvent, JobState
from jobs.scripts import script_hold, speech_credits
from longform.models import Segment
from speech.registry import SPEECH_MODEL
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png

pytestmark = pytest.mark.django_db(transaction=True)

FRAME = 1 / 25  # the engine renders 25 frames a second
SEGMENT_SECONDS = 10.0  # the model's limit in these tests: a script of 20-odd seconds needs segments
SCRIPT = (
    "Good morning, and welcome to the quarterly review. "
    "This video was written as a script, not recorded. "
    "The speech is longer than one request of the model takes, so it is split at its pauses. "
    "Each piece is rendered by a job of its own. "
    "Then the pieces are stitched into one video, with the speech whole."
)


@pytest.fixture
def short_model_limit(fal_engine, settings):
    settings.MAX_AUDIO_SECONDS = SEGMENT_SECONDS
    settings.ENGINE_RENDER_LONG_SIDE = 128  # small pictures: the segments render in seconds
    settings.ENGINE_PROCESSING_SECONDS = 0.2
    return fal_engine


def create(api_client, **fields):
    body = {"image_url": data_uri(portrait_png(), "image/png"), "script": SCRIPT, "model": "standard", **fields}
    response = api_client.post("/api/v1/jobs", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "speaking"
    return response.json()["id"]


def finished(job_id, timeout=240):
    wait_for(lambda: Job.objects.get(pk=job_id).is_finished, timeout=timeout, message="the long video to end")
    return Job.objects.get(pk=job_id)


def engine_endpoints(fal_engine):
    return [request["endpoint"] for request in fal_engine.stats()["requests"].values()]


def test_a_script_longer_than_the_model_takes_is_one_stitched_video_of_its_speech(
    api_client, user, short_model_limit, task_worker
):
    start = credits.account_for(user).balance
    job_id = create(api_client)

    parent = finished(job_id)

    assert parent.state == JobState.COMPLETED, parent.error
    # The job the user watched is the long video: its speech is its audio, split into segments.
    assert parent.is_long and parent.audio_duration > 2 * SEGMENT_SECONDS * 0.75
    segments = list(Segment.objects.filter(long_video_id=parent.pk).order_by("position"))
    assert len(segments) == parent.segment_count >= 2
    assert all(segment.end_seconds - segment.start_seconds <= SEGMENT_SECONDS for segment in segments)
    assert {segment.job.state for segment in segments} == {JobState.COMPLETED}
    endpoints = engine_endpoints(short_model_limit)
    assert endpoints.count(SPEECH_MODEL.endpoint_id) == 1  # spoken once
    assert endpoints.count(parent.endpoint_id) == len(segments)  # the parent itself never goes to fal
    with parent.video.open("rb") as video, av.open(video) as container:
        picture, sound = container.streams.video[0], container.streams.audio[0]
        video_seconds = float(picture.duration * picture.time_base)
        audio_seconds = sum(frame.samples / frame.sample_rate for frame in container.decode(sound))
    assert abs(video_seconds - parent.audio_duration) <= FRAME
    assert abs(parent.video_duration - parent.audio_duration) <= FRAME
    assert abs(audio_seconds - parent.audio_duration) <= FRAME  # the speech, whole
    moves = list(parent.events.filter(kind=JobEvent.Kind.TRANSITION).values_list("from_state", "to_state"))
    assert moves[0] == (JobState.SPEAKING, JobState.IN_QUEUE) and moves[-1][1] == JobState.COMPLETED
    assert parent.speech_finished_at is not None and parent.fal_origin == ""  # sent to no fal itself

    # One video for its owner.
    listed = api_client.get("/api/v1/jobs").json()["results"]
    assert [job["id"] for job in listed] == [job_id]
    detail = api_client.get(f"/api/v1/jobs/{job_id}").json()
    assert detail["segment_progress"] == {"done": len(segments), "total": len(segments)}

    # Credits: held for the speech and the longest video the text can make (past the model's
    # single-request limit), lowered once to the measured speech, charged once for both.
    entries = LedgerEntry.objects.filter(job__in=[parent, *parent.segments.all()])
    assert set(entries.values_list("job", flat=True)) == {parent.pk}
    amounts = dict(entries.values_list("kind", "amount"))
    assert sorted(entries.values_list("kind", flat=True)) in (
        ["capture", "lower", "reserve"],
        ["capture", "lower", "release", "reserve"],
    )
    held = script_hold(parent.model, SCRIPT)
    assert amounts["reserve"] == held > speech_credits(SCRIPT) + parent.model.credits_for(SEGMENT_SECONDS)
    exact = speech_credits(SCRIPT) + parent.model.estimate_credits(parent.audio_duration)
    assert amounts["lower"] == held - exact
    made = sum(job.video_duration for job in parent.segments.filter(state=JobState.COMPLETED))
    charged = min(speech_credits(SCRIPT) + parent.model.credits_for(made), exact)
    assert amounts["capture"] == charged and amounts.get("release", 0) == exact - charged
    capture = entries.get(kind="capture")
    assert "speech of" in capture.note and "segments" in capture.note
    assert credits.account_for(user).balance == start - charged
    assert detail["cost"] == {"credits_held": exact, "credits_charged": charged, "settled": True}


def test_a_failed_segment_of_a_spoken_long_video_is_retried_once(api_client, short_model_limit, task_worker):
    job_id = create(api_client)
    # The speech request is at the engine: the next request, the first segment's, fails.
    wait_for(lambda: Job.objects.get(pk=job_id).speech_request_id, message="the speech request")
    short_model_limit.faults.fail_next_requests(1, status=422)

    parent = finished(job_id)

    assert parent.state == JobState.COMPLETED, parent.error
    attempts = list(Segment.objects.filter(long_video_id=parent.pk).values_list("position", "attempt"))
    assert len(attempts) == parent.segment_count + 1 and max(attempt for _, attempt in attempts) == 2
    assert parent.events.filter(message__contains="trying it once more").count() == 1
    assert abs(parent.video_duration - parent.audio_duration) <= FRAME
    kinds = sorted(LedgerEntry.objects.filter(job__in=[parent, *parent.segments.all()]).values_list("job", "kind"))
    assert {job for job, _ in kinds} == {parent.pk} and [kind for _, kind in kinds].count("capture") == 1


def test_a_spoken_long_video_whose_segments_fail_charges_only_the_speech(api_client, short_model_limit, task_worker):
    job = finished(create(api_client, prompt="[[fail]]"))  # every segment fails at the engine, twice

    assert job.state == JobState.FAILED and job.is_long
    assert "failed again" in job.error
    amounts = dict(LedgerEntry.objects.filter(job=job).values_list("kind", "amount"))
    assert amounts["capture"] == speech_credits(SCRIPT)  # fal made the speech
    assert amounts["release"] == amounts["reserve"] - amounts["lower"] - speech_credits(SCRIPT)
