"""Inputs go to fal storage once per user and content, and again only when fal's copy expires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engine import storage as engine_storage
from jobs.media import check_audio, check_image
from jobs.models import Asset, Job, JobState
from jobs.registry import MODELS
from jobs.services import submission
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def make_video(user, portrait):
    job = submission.create_job(
        user=user, model=MODELS["kling-avatar-pro"], image=check_image(portrait), audio=check_audio(speech_wav())
    )
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=JobState.COMPLETED).first(), timeout=30, message="completion"
    )


def portraits_at_the_engine():
    return list(engine_storage.files_dir().glob("*_image.png"))


def test_same_portrait_twice_is_uploaded_to_fal_once(user, fal_engine, task_worker):
    portrait = portrait_png()

    first, second = make_video(user, portrait), make_video(user, portrait)

    assert first.image_url == second.image_url
    assert len(portraits_at_the_engine()) == 1
    assert Asset.objects.filter(user=user, kind="image").count() == 1


def test_portrait_is_uploaded_again_once_fals_copy_has_expired(user, fal_engine, task_worker):
    portrait = portrait_png()
    first = make_video(user, portrait)
    Asset.objects.filter(user=user, kind="image").update(expires_at=timezone.now() + timedelta(minutes=5))

    second = make_video(user, portrait)
    third = make_video(user, portrait)

    assert second.image_url != first.image_url
    assert third.image_url == second.image_url
    assert len(portraits_at_the_engine()) == 2


def test_other_users_do_not_share_uploads(user, other_user, fal_engine, task_worker):
    portrait = portrait_png()

    make_video(user, portrait), make_video(other_user, portrait)

    assert len(portraits_at_the_engine()) == 2
