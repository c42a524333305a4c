"""Batches: many jobs in one request, refused whole or made whole, charged per success, one
end, and a streamed zip of the videos."""

import io
import zipfile

import av
import pytest

from batches.models import Batch
from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job, JobState
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav

PORTRAIT = data_uri(portrait_png(), "image/png")


def clips(count, seconds=2.0):
    return [data_uri(speech_wav(seconds=seconds, frequency=200.0 + 10 * index), "audio/wav") for index in range(count)]


def finished_batch(api_client, batch_id, timeout=60):
    wait_for(lambda: Batch.objects.get(pk=batch_id).finished_at, timeout=timeout, message="the batch to finish")
    return api_client.get(f"/api/v1/batches/{batch_id}").json()


@pytest.mark.django_db
def test_one_portrait_with_many_clips_makes_one_job_per_clip(api_client, user):
    response = api_client.post(
        "/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(3), "prompt": "calm"}, format="json"
    )

    assert response.status_code == 201, response.json()
    batch = response.json()
    assert batch["status"] == "pending" and batch["totals"]["total"] == batch["totals"]["queued"] == 3
    assert [item["position"] for item in batch["items"]] == [0, 1, 2]
    jobs = Job.objects.filter(pk__in=[item["job"] for item in batch["items"]])
    assert {job.prompt for job in jobs} == {"calm"} and jobs.count() == 3
    listed = api_client.get(f"/api/v1/jobs?batch={batch['id']}").json()["results"]
    assert {job["id"] for job in listed} == {str(job.pk) for job in jobs}
    assert {job["batch"] for job in listed} == {batch["id"]}


@pytest.mark.django_db
def test_a_batch_the_balance_cannot_cover_is_refused_whole_with_the_shortfall(api_client, user):
    credits.adjust(user, -credits.account_for(user).balance + 10, by=None, note="nearly empty")

    response = api_client.post("/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(4)}, format="json")

    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "insufficient_credits" and body["shortfall"] == body["price"] - 10 > 0
    assert "batch of 4" in body["detail"]
    assert not Batch.objects.exists() and not Job.objects.exists()
    assert credits.account_for(user).balance == 10


@pytest.mark.django_db
def test_a_bad_item_is_named_and_nothing_is_made(api_client):
    items = [{"image_url": PORTRAIT, "audio_url": clip} for clip in clips(2)]
    items[1]["audio_url"] = data_uri(b"not audio at all", "audio/wav")

    response = api_client.post("/api/v1/batches", {"items": items}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["items.1.audio_url"]
    assert not Batch.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"audio_urls": ["x"]}, "image_url"),
        ({"image_url": PORTRAIT}, "audio_urls"),
        ({"image_url": PORTRAIT, "audio_urls": []}, "audio_urls"),
        ({"items": [], "image_url": PORTRAIT}, "items"),
    ],
)
def test_incomplete_batches_are_refused_naming_the_field(api_client, body, field):
    response = api_client.post("/api/v1/batches", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_a_batch_over_the_size_limit_is_refused(api_client, settings):
    settings.MAX_BATCH_SIZE = 2

    response = api_client.post("/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(3)}, format="json")

    assert response.status_code == 400
    assert "at most 2 items" in response.json()["errors"]["audio_urls"][0]


@pytest.mark.django_db(transaction=True)
def test_batch_of_five_with_one_model_failure_charges_four_and_zips_four_playable_videos(
    api_client, user, fal_engine, task_worker
):
    fal_engine.faults.fail_next_requests(1, status=422)
    start = credits.account_for(user).balance

    created = api_client.post("/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(5)}, format="json").json()
    batch = finished_batch(api_client, created["id"])

    assert batch["status"] == "partially_completed"
    assert batch["totals"]["completed"] == 4 and batch["totals"]["failed"] == 1
    jobs = Job.objects.filter(batch_item__batch_id=created["id"])
    kinds = list(LedgerEntry.objects.filter(job__in=jobs).values_list("kind", flat=True))
    assert kinds.count("reserve") == 5 and kinds.count("capture") == 4
    failed = jobs.get(state=JobState.FAILED)
    assert LedgerEntry.objects.filter(job=failed, kind="release").exists()
    charged = sum(LedgerEntry.objects.filter(job__in=jobs, kind="capture").values_list("amount", flat=True))
    assert batch["totals"]["credits_charged"] == charged
    assert credits.account_for(user).balance == start - charged

    response = api_client.get(batch["archive_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 4 and all(name.endswith(".mp4") for name in names)
    for name in names:
        with av.open(io.BytesIO(archive.read(name))) as video:
            assert video.streams.video and video.duration > 0


@pytest.mark.django_db(transaction=True)
def test_the_batch_ends_once_when_its_items_end_together(api_client, user, fal_engine, task_worker):
    from batches.signals import batch_completed

    ended = []
    batch_completed.connect(receiver := lambda sender, batch, **kwargs: ended.append(batch.pk), weak=False)
    try:
        created = api_client.post(
            "/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(3)}, format="json"
        ).json()
        cancelled = api_client.post(f"/api/v1/batches/{created['id']}/cancel").json()
    finally:
        batch_completed.disconnect(receiver)

    assert cancelled["status"] == "failed" and cancelled["totals"]["cancelled"] == 3
    assert ended == [Batch.objects.get().pk]
    assert api_client.get(f"/api/v1/batches/{created['id']}/archive").json()["code"] == "archive_not_ready"


@pytest.mark.django_db
def test_the_archive_waits_for_the_batch_to_finish(api_client):
    created = api_client.post("/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(1)}, format="json").json()

    response = api_client.get(f"/api/v1/batches/{created['id']}/archive")

    assert response.status_code == 409 and response.json()["code"] == "archive_not_ready"
    assert created["archive_url"] is None


@pytest.mark.django_db
def test_another_users_batch_answers_404(api_client, other_user):
    from rest_framework.test import APIClient

    created = api_client.post("/api/v1/batches", {"image_url": PORTRAIT, "audio_urls": clips(1)}, format="json").json()
    mallory = APIClient()
    mallory.force_authenticate(other_user)

    for method, path in [("get", ""), ("post", "/cancel"), ("get", "/archive")]:
        assert getattr(mallory, method)(f"/api/v1/batches/{created['id']}{path}").status_code == 404
    assert mallory.get("/api/v1/batches").json()["results"] == []
