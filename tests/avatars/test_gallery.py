import os
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from jobs.models import Job, JobState
from tests.avatars.builders import completed_job, make_job

pytestmark = pytest.mark.django_db
URL = reverse("avatars:gallery")


def titles(response):
    return re.findall(r'<h2 class="tile-title">(.*?)</h2>', response.content.decode())


def test_gallery_lists_only_my_videos_newest_first_with_poster_duration_and_status(owner_client, user, other_user):
    completed_job(user, prompt="Older one", created_ago=timedelta(days=2))
    make_job(user, JobState.FAILED, prompt="Newest one")
    make_job(other_user, JobState.COMPLETED, prompt="Someone else's")

    response = owner_client.get(URL)

    assert titles(response) == ["Newest one", "Older one"]
    html = response.content.decode()
    assert re.search(r'<img src="/media/videos/\d+/[0-9a-f-]+/poster[^"]*\.jpg"', html)
    assert '<span class="thumb-duration">0:04</span>' in html
    assert 'data-state="failed">Failed<' in html and 'data-state="completed">Completed<' in html


def test_gallery_pages_hold_twelve_videos_with_page_links(owner_client, user):
    for number in range(14):
        make_job(user, JobState.COMPLETED, prompt=f"Video {number:02d}", created_ago=timedelta(minutes=number))

    first = owner_client.get(URL)
    second = owner_client.get(URL, {"page": 2})

    assert titles(first) == [f"Video {n:02d}" for n in range(12)]
    assert titles(second) == ["Video 12", "Video 13"]
    assert 'href="?page=2"' in first.content.decode() and 'href="?page=1"' in second.content.decode()


def test_gallery_filters_by_status_and_keeps_the_filter_across_pages(owner_client, user):
    for number in range(13):
        make_job(user, JobState.FAILED, prompt=f"Failed {number}", created_ago=timedelta(minutes=number))
    make_job(user, JobState.COMPLETED, prompt="Good one")

    response = owner_client.get(URL, {"status": "failed"})

    assert "Good one" not in titles(response) and len(titles(response)) == 12
    assert 'href="?status=failed&amp;page=2"' in response.content.decode()
    assert titles(owner_client.get(URL, {"status": "completed"})) == ["Good one"]


def test_unknown_status_filter_shows_everything(owner_client, user):
    make_job(user, JobState.COMPLETED, prompt="Good one")

    response = owner_client.get(URL, {"status": "exploded"})

    assert response.status_code == 200 and titles(response) == ["Good one"]


def test_empty_gallery_invites_a_first_video(owner_client):
    response = owner_client.get(URL)

    assert "You have no videos yet." in response.content.decode()


def test_delete_asks_for_confirmation_first(owner_client, user):
    job = completed_job(user)

    response = owner_client.get(reverse("avatars:job-delete", kwargs={"job_id": job.id}))

    assert response.status_code == 200 and "Delete this video?" in response.content.decode()
    assert Job.objects.filter(pk=job.pk).exists()


def test_deleting_a_video_removes_it_and_its_files(owner_client, user, media_root, django_capture_on_commit_callbacks):
    job = completed_job(user)
    stored = [media_root / job.video.name, media_root / job.poster.name]
    assert all(os.path.exists(path) for path in stored)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("avatars:job-delete", kwargs={"job_id": job.id}), follow=True)

    assert response.redirect_chain[-1][0] == URL
    assert "The video and its files were deleted." in response.content.decode()
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not any(os.path.exists(path) for path in stored)
