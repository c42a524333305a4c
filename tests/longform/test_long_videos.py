"""Long videos: audio longer than the model takes is split at pauses into segment jobs,
rendered by the local engine over HTTP, and stitched into one MP4 with the audio whole."""

import json

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job, JobState
from longform.models import Segment
from outbox.models import Message, WebhookEndpoint
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_with_pauses

FRAME = 1 / 25  # the engine renders 25 frames a second


@pytest.fixture
def quick_engine(fal_engine, settings):
    settings.ENGINE_RENDER_LONG_SIDE = 128  # small pictures: the segments render in seconds
    settings.ENGINE_PROCESSING_SECONDS = 0.2
    return fal_engine


def submit_long(api_client, seconds):
    speech, pauses = speech_with_pauses(seconds)
    response = api_client.post(
        "/api/v1/jobs",
        {
            "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
            "audio": SimpleUploadedFile("talk.wav", speech, "audio/wav"),
            "prompt": "calm",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"], pauses


def finished(job_id, timeout=240):
    wait_for(lambda: Job.objects.get(pk=job_id).is_finished, timeout=timeout, message="the long video to end")
    return Job.objects.get(pk=job_id)


@pytest.mark.django_db(transaction=True)
def test_a_150_second_recording_becomes_one_playable_mp4_cut_only_in_pauses(
    api_client, user, quick_engine, task_worker
):
    WebhookEndpoint.objects.create(user=user, url="https://example.com/hook")
    start = credits.account_for(user).balance
    job_id, pauses = submit_long(api_client, 150.0)

    parent = finished(job_id)

    assert parent.state == JobState.COMPLETED, parent.error
    segments = list(Segment.objects.filter(long_video_id=parent.pk).order_by("position"))
    assert len(segments) == parent.segment_count == 3
    assert all(segment.end_seconds - segment.start_seconds <= 60 for segment in segments)
    for cut in [segment.start_seconds for segment in segments[1:]]:
        assert any(low <= cut <= high for low, high in pauses), f"cut at {cut} s is not in a pause"
    with parent.video.open("rb") as video, av.open(video) as container:
        picture, sound = container.streams.video[0], container.streams.audio[0]
        video_seconds = float(picture.duration * picture.time_base)
        audio_seconds = sum(frame.samples / frame.sample_rate for frame in container.decode(sound))
    assert abs(video_seconds - 150.0) <= FRAME and abs(parent.video_duration - 150.0) <= FRAME
    assert abs(audio_seconds - 150.0) <= FRAME  # the original audio, whole and continuous

    # One video for its owner: the segments show under it, not beside it.
    listed = api_client.get("/api/v1/jobs").json()["results"]
    assert [job["id"] for job in listed] == [job_id]
    detail = api_client.get(f"/api/v1/jobs/{job_id}").json()
    assert [segment["position"] for segment in detail["segments"]] == [0, 1, 2]
    assert {segment["status"] for segment in detail["segments"]} == {"completed"}
    assert detail["segment_progress"] == {"done": 3, "total": 3}

    # Credits: the parent held once and settled once; its segments hold and pay nothing.
    entries = LedgerEntry.objects.filter(job__in=[parent, *parent.segments.all()])
    assert set(entries.values_list("job", flat=True)) == {parent.pk}
    kinds = sorted(entries.values_list("kind", flat=True))
    assert kinds in (["capture", "reserve"], ["capture", "release", "reserve"])
    held = entries.get(kind="reserve").amount
    assert held == parent.model.estimate_credits(parent.audio_duration)  # what the create page's estimate says
    charged = entries.get(kind="capture").amount
    made = sum(job.video_duration for job in parent.segments.all())
    assert charged == min(parent.model.credits_for(made), held)  # what fal made, never more than held
    assert credits.account_for(user).balance == start - charged
    # One webhook: the parent's completion.
    completions = [message.payload for message in Message.objects.filter(type="job.completed")]
    assert len(completions) == 1 and job_id in json.dumps(completions[0])


@pytest.mark.django_db(transaction=True)
def test_a_segment_failing_at_the_engine_is_retried_once_by_itself(api_client, user, quick_engine, task_worker):
    quick_engine.faults.fail_next_requests(1, status=422)
    job_id, _ = submit_long(api_client, 70.0)

    parent = finished(job_id)

    assert parent.state == JobState.COMPLETED, parent.error
    attempts = sorted(Segment.objects.filter(long_video_id=parent.pk).values_list("position", "attempt"))
    assert len(attempts) == 3 and {position for position, _ in attempts} == {0, 1}
    assert max(attempt for _, attempt in attempts) == 2
    assert parent.events.filter(message__contains="trying it once more").count() == 1
    assert abs(parent.video_duration - 70.0) <= FRAME


@pytest.mark.django_db(transaction=True)
def test_a_segment_failing_twice_fails_the_long_video_once_and_releases_what_fal_did_not_make(
    api_client, user, quick_engine, task_worker, settings
):
    settings.MAX_JOBS_AT_FAL = 1  # one segment at fal at a time, oldest first
    # Both segments fail, then the first retry: a segment has failed twice.
    quick_engine.faults.fail_next_requests(3, status=422)
    start = credits.account_for(user).balance
    job_id, _ = submit_long(api_client, 70.0)

    parent = finished(job_id)

    assert parent.state == JobState.FAILED
    assert "of 2 failed again" in parent.error and parent.error_type == "face_detection_error"
    assert parent.events.filter(to_state=JobState.FAILED).count() == 1
    wait_for(lambda: not parent.segments.exclude(state__in=["completed", "failed", "cancelled", "timed_out"]).exists())
    kinds = list(LedgerEntry.objects.filter(job__in=[parent, *parent.segments.all()]).values_list("job", "kind"))
    assert sorted(kinds) == [(parent.pk, "release"), (parent.pk, "reserve")]
    assert credits.account_for(user).balance == start
    detail = api_client.get(f"/api/v1/jobs/{job_id}").json()
    assert detail["status"] == "failed" and detail["cost"]["credits_charged"] == 0
