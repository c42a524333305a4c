"""Files a refused form had found valid are kept (stored once, sent back by token): the batch
form keeps its portrait and its valid clips like the create form, and the workers delete kept
files once their token has expired, leaving every job's own files alone."""

import os
import re
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from avatars import kept_inputs
from batches.models import Batch
from jobs.models import Job
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.jobs.test_s3_storage import s3_bucket, s3_endpoint, stored_keys  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
BATCH_URL = reverse("avatars:batch-create")
CREATE_URL = reverse("avatars:create")


def wav(name, seconds=2.0, frequency=220.0):
    return SimpleUploadedFile(name, speech_wav(seconds=seconds, frequency=frequency), "audio/wav")


def png(name="face.png"):
    return SimpleUploadedFile(name, portrait_png(), "image/png")


def kept_tokens(response, field):
    return re.findall(rf'name="kept_{field}" value="([^"]+)"', response.content.decode())


def kept_files(media_root):
    folder = media_root / kept_inputs.FOLDER
    # Files and folders under each user's folder: a deleted kept file leaves no folder behind.
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if len(path.relative_to(folder).parts) > 1
    )


def test_a_refused_batch_keeps_its_portrait_and_valid_clips_and_the_next_post_uses_them(owner_client, media_root):
    refused = owner_client.post(
        BATCH_URL,
        {
            "model": "kling-avatar-pro",
            "image": png(),
            "audio": [wav("one.wav"), SimpleUploadedFile("notes.wav", b"not audio", "audio/wav"), wav("two.wav")],
        },
    )

    assert refused.status_code == 200 and not Batch.objects.exists()
    html = refused.content.decode()
    assert "The files that passed their checks are kept" in html
    assert "notes.wav:" in html
    assert "Chosen: <strong>face.png</strong> · 256×320 px" in html
    assert re.findall(r"<strong>(\w+\.wav)</strong> · 2\.0 s", html) == ["one.wav", "two.wav"]
    image_tokens, clip_tokens = kept_tokens(refused, "image"), kept_tokens(refused, "audio")
    assert len(image_tokens) == 1 and len(clip_tokens) == 2
    assert len(kept_files(media_root)) == 3  # stored once each, the refused clip not at all

    # Nothing is sent again but the tokens, and a new clip joins the kept ones.
    made = owner_client.post(
        BATCH_URL,
        {
            "model": "kling-avatar-pro",
            "kept_image": image_tokens,
            "kept_audio": clip_tokens,
            "audio": [wav("three.wav")],
        },
    )

    assert made.status_code == 302, made.content.decode()
    batch = Batch.objects.get()
    assert sorted(job.title for job in batch.jobs) == ["one.wav", "three.wav", "two.wav"]
    assert {job.image_file.read() for job in batch.jobs} == {portrait_png()}
    assert kept_files(media_root) == []  # the jobs have their own copies


def test_an_unticked_kept_clip_is_left_out(owner_client):
    refused = owner_client.post(
        BATCH_URL, {"model": "kling-avatar-pro", "audio": [wav("one.wav"), wav("two.wav", frequency=300.0)]}
    )
    assert "This field is required" in refused.content.decode()  # no portrait
    first, _second = kept_tokens(refused, "audio")

    owner_client.post(BATCH_URL, {"model": "kling-avatar-pro", "image": png(), "kept_audio": [first]})

    assert [job.title for job in Batch.objects.get().jobs] == ["one.wav"]


def test_a_kept_file_with_a_long_name_is_stored_and_titles_the_job_by_it(owner_client):
    long_name = "é" * 130 + ".wav"  # 264 bytes: more than a file name may have
    refused = owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "audio": wav(long_name)})
    (token,) = kept_tokens(refused, "audio")

    made = owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "image": png(), "kept_audio": token})

    assert made.status_code == 302
    assert Job.objects.get().title == "é" * 100  # the name's first 200 bytes


def test_kept_clips_are_no_one_elses(owner_client, client, other_user):
    refused = owner_client.post(BATCH_URL, {"model": "kling-avatar-pro", "audio": [wav("one.wav")]})
    client.force_login(other_user)

    answer = client.post(
        BATCH_URL, {"model": "kling-avatar-pro", "image": png(), "kept_audio": kept_tokens(refused, "audio")}
    )

    assert "A clip kept from your last try is no longer available" in answer.content.decode()
    assert not Batch.objects.exists()


def age(name, seconds):
    """Make the stored file `seconds` old, as the storage tells its time."""
    then = time.time() - seconds
    os.utime(default_storage.path(name), (then, then))


def kept_name(user, token):
    return kept_inputs._signer(user).unsign(token)


def test_kept_files_past_their_lifetime_are_swept_and_fresh_ones_and_jobs_stay(owner_client, user, settings):
    settings.KEPT_INPUT_TTL_SECONDS = 3600
    (old,) = kept_tokens(
        owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "audio": wav("old.wav")}), "audio"
    )
    (fresh,) = kept_tokens(
        owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "audio": wav("new.wav")}), "audio"
    )
    age(kept_name(user, old), 3601)
    job_made = owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "image": png(), "audio": wav("made.wav")})
    assert job_made.status_code == 302
    job = Job.objects.get()
    age(job.image_file.name, 10 * 3600)

    assert kept_inputs.sweep_expired() == 1

    assert kept_inputs.open_kept(user, old) is None
    assert kept_inputs.open_kept(user, fresh).read() == speech_wav(frequency=220.0)
    assert default_storage.exists(job.image_file.name) and default_storage.exists(job.audio_file.name)
    assert kept_inputs.sweep_expired() == 0


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_sweeps_expired_kept_files(request, client, user, settings, media_root):
    settings.KEPT_INPUT_TTL_SECONDS = 3600
    client.force_login(user)
    refused = client.post(CREATE_URL, {"model": "kling-avatar-pro", "image": png()})
    (token,) = kept_tokens(refused, "image")
    name = kept_name(user, token)
    age(name, 2 * 3600)

    request.getfixturevalue("task_worker")  # started now: its first sweep finds the old file

    wait_for(lambda: not default_storage.exists(name), message="the workers' sweep of kept files")
    assert kept_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_the_sweep_finds_kept_files_in_s3(owner_client, user, settings, s3_bucket):
    client, bucket = s3_bucket
    refused = owner_client.post(CREATE_URL, {"model": "kling-avatar-pro", "image": png()})
    (token,) = kept_tokens(refused, "image")
    assert stored_keys(client, bucket) == [kept_name(user, token)]
    settings.KEPT_INPUT_TTL_SECONDS = 0  # S3 keeps its own times: every kept file is now expired

    assert kept_inputs.sweep_expired() == 1

    assert stored_keys(client, bucket) == []
