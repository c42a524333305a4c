"""Where long audio is cut, and every door taking it: the create form, the v1 API (a batch
refuses a long clip), the gallery showing the one video and its page the segments' progress."""

import io

import av
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job, JobState
from jobs.services import lifecycle
from longform import services, splitting
from longform.models import Segment
from tests.factories import data_uri, portrait_jpeg, portrait_png, speech_wav, speech_with_pauses
from tests.jobs.test_cli import run_cli


@pytest.mark.parametrize("seconds", [61.0, 150.0, 599.0])
def test_long_audio_is_cut_only_in_pauses_into_pieces_the_model_takes(seconds):
    speech, pauses = speech_with_pauses(seconds)

    pieces = splitting.split(io.BytesIO(speech), longest=60.0, shortest=2.0)

    fewest = -(-seconds // 60)
    # A cut may fall in a pause before the even share, never after the limit: one more at most.
    assert fewest <= len(pieces) <= fewest + 1
    assert all(2.0 <= piece.seconds <= 60.0 for piece in pieces)
    assert pieces[0].start == 0 and pieces[-1].end == pytest.approx(seconds, abs=0.01)
    assert all(before.end == after.start for before, after in zip(pieces, pieces[1:], strict=False))
    for cut in [piece.end for piece in pieces[:-1]]:
        assert any(low <= cut <= high for low, high in pauses), f"cut at {cut} s is not in a pause"


def test_with_no_pause_near_a_boundary_the_quietest_moment_is_chosen_within_the_limits():
    pieces = splitting.split(io.BytesIO(speech_wav(seconds=70.0, rate=8000)), longest=60.0, shortest=2.0)

    assert len(pieces) == 2 and all(2.0 <= piece.seconds <= 60.0 for piece in pieces)


@pytest.mark.django_db
def test_the_create_form_takes_a_long_recording_as_one_video_of_segments(client, user):
    owner_client = client
    owner_client.force_login(user)
    speech, _ = speech_with_pauses(95.0)
    form = {
        "prompt": "calm",
        "model": "kling-avatar-pro",
        "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
        "audio": SimpleUploadedFile("talk.wav", speech, "audio/wav"),
    }

    response = owner_client.post(reverse("avatars:create"), form)

    parent = Job.objects.get(parent=None)
    assert response.status_code == 302 and str(parent.pk) in response["Location"]
    assert parent.is_long and parent.segment_count == 2 and parent.state == JobState.IN_QUEUE
    assert parent.request_id == "" and parent.submit_started_at is None  # never sent to fal itself
    segments = Job.objects.filter(parent=parent)
    assert segments.count() == 2 and {job.state for job in segments} == {JobState.PENDING}
    assert sum(job.audio_duration for job in segments) == pytest.approx(95.0, abs=0.01)
    held = LedgerEntry.objects.get(job=parent, kind="reserve").amount
    assert held == parent.model.estimate_credits(95.0)  # one hold, for every segment
    assert not LedgerEntry.objects.filter(job__in=segments).exists()

    page = owner_client.get(reverse("avatars:job", kwargs={"job_id": parent.pk})).content.decode()
    assert "A long video: segment 1 of 2." in page
    gallery = owner_client.get(reverse("avatars:gallery")).content.decode()
    assert reverse("avatars:job", kwargs={"job_id": parent.pk}) in gallery
    assert not any(str(job.pk) in gallery for job in segments)


@pytest.mark.django_db
def test_a_long_recording_the_balance_cannot_cover_is_refused_whole(api_client, user):
    credits.adjust(user, -credits.account_for(user).balance + 100, by=None, note="nearly empty")
    speech, _ = speech_with_pauses(70.0)

    response = api_client.post(
        "/api/v1/jobs",
        {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech, "audio/wav")},
        format="json",
    )

    assert response.status_code == 402
    assert not Job.objects.exists() and not Segment.objects.exists()


@pytest.mark.django_db
def test_a_batch_refuses_a_clip_longer_than_the_model_takes_naming_it(api_client):
    clips = [
        data_uri(speech_wav(seconds=2.0), "audio/wav"),
        data_uri(speech_wav(seconds=61.0, rate=8000), "audio/wav"),
    ]

    response = api_client.post(
        "/api/v1/batches", {"image_url": data_uri(portrait_png(), "image/png"), "audio_urls": clips}, format="json"
    )

    assert response.status_code == 400
    assert "takes at most 60 seconds" in response.json()["errors"]["audio_urls.1"][0]
    assert not Job.objects.exists()


def long_job(api_client, seconds=70.0):
    speech, _ = speech_with_pauses(seconds)
    response = api_client.post(
        "/api/v1/jobs",
        {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech, "audio/wav")},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Job.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_cancelling_a_long_video_cancels_its_segments_and_returns_the_whole_hold(api_client, user):
    start = credits.account_for(user).balance
    parent = long_job(api_client)

    response = api_client.post(f"/api/v1/jobs/{parent.pk}/cancel")
    services.advance(parent.pk)  # what the task queued by the parent's end does

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert set(Job.objects.filter(parent=parent).values_list("state", flat=True)) == {JobState.CANCELLED}
    assert list(LedgerEntry.objects.filter(job=parent).values_list("kind", flat=True).order_by("id")) == [
        "reserve",
        "release",
    ]
    assert credits.account_for(user).balance == start


@pytest.mark.django_db
def test_deleting_a_long_video_deletes_its_segments_and_their_files(
    api_client, user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    parent = long_job(api_client)
    files = [job.audio_file.name for job in Job.objects.filter(parent=parent)]
    assert all(default_storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(f"/api/v1/jobs/{parent.pk}")

    assert response.status_code == 204
    assert not Job.objects.exists() and not Segment.objects.exists()
    assert not any(default_storage.exists(name) for name in files)


def test_the_command_line_makes_a_long_video_from_a_long_recording(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    speech, _ = speech_with_pauses(65.0)
    (tmp_path / "talk.wav").write_bytes(speech)
    out = tmp_path / "video.mp4"

    result = run_cli(
        tmp_path, "--image", str(tmp_path / "face.jpg"), "--audio", str(tmp_path / "talk.wav"), "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        assert abs(container.duration / av.time_base - 65.0) <= 0.04


@pytest.mark.django_db
def test_a_long_video_whose_segments_ended_unheard_is_advanced_by_the_workers_chore(api_client, user):
    parent = long_job(api_client)
    for segment in Job.objects.filter(parent=parent):
        lifecycle.cancel_job(segment.pk)  # ended, and no advance ran (a worker died, say)

    assert services.advance_stuck() == 1

    parent.refresh_from_db()
    assert parent.state == JobState.FAILED and "Segment 1 of 2 failed" in parent.error
    assert list(LedgerEntry.objects.filter(job=parent).values_list("kind", flat=True).order_by("id")) == [
        "reserve",
        "release",
    ]
    assert services.advance_stuck() == 0  # ended once
