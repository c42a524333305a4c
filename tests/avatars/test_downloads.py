"""Downloading a finished video from the gallery: an attachment named after its title, from
local files or S3, resumable, and only the owner's."""

import os
import re
import time
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from django.urls import reverse

from jobs.models import JobState
from tests.avatars.builders import MP4_START, completed_job, make_job
from tests.jobs.test_s3_storage import s3_bucket, s3_endpoint, stored_keys  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def download_url(job):
    return reverse("avatars:job-download", kwargs={"job_id": job.id})


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_download_streams_the_stored_video_as_an_attachment_named_after_the_title(owner_client, user):
    job = completed_job(user, title="My Greeting.wav", video=MP4_START + b"the stored bytes")

    response = owner_client.get(download_url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert (
        response["Content-Disposition"]
        == "attachment; filename=\"my-greetingwav.mp4\"; filename*=UTF-8''my-greetingwav.mp4"
    )
    assert body(response) == MP4_START + b"the stored bytes"


def test_a_video_in_s3_is_downloaded_from_the_bucket_under_its_title(owner_client, user, s3_bucket):
    client, bucket = s3_bucket
    job = completed_job(user, title="Été à Paris", video=b"bytes kept in S3")
    assert job.video.name in stored_keys(client, bucket)

    response = owner_client.get(download_url(job))

    assert response.status_code == 302  # no web thread of ours held for a long download
    from_bucket = httpx.get(response["Location"], timeout=10)
    assert from_bucket.status_code == 200 and from_bucket.content == b"bytes kept in S3"
    assert (
        from_bucket.headers["Content-Disposition"]
        == "attachment; filename=\"ete-a-paris.mp4\"; filename*=UTF-8''%C3%A9t%C3%A9-%C3%A0-paris.mp4"
    )
    assert from_bucket.headers["Content-Type"] == "video/mp4"
    resumed = httpx.get(response["Location"], headers={"Range": "bytes=6-"}, timeout=10)
    assert (resumed.status_code, resumed.content) == (206, b"kept in S3")


def test_the_bucket_link_lasts_five_minutes(owner_client, user, s3_bucket):
    job = completed_job(user, title="Mine", video=b"bytes kept in S3")
    location = owner_client.get(download_url(job))["Location"]
    query = parse_qs(urlsplit(location).query)

    # Signature version 4 names the lifetime, version 2 (this bucket's) the moment it ends.
    lifetime = int(query["X-Amz-Expires"][0]) if "X-Amz-Expires" in query else int(query["Expires"][0]) - time.time()
    assert 290 < lifetime <= 300


def test_download_resumes_from_a_byte_range(owner_client, user):
    job = completed_job(user, title="Long one", video=b"0123456789")

    response = owner_client.get(download_url(job), HTTP_RANGE="bytes=4-")

    assert (response.status_code, response["Content-Range"], body(response)) == (206, "bytes 4-9/10", b"456789")
    assert response["Content-Disposition"].startswith('attachment; filename="long-one.mp4"')


@pytest.mark.parametrize(
    "title, plain, lettered",
    [
        ("../../etc/passwd", "etcpasswd.mp4", "etcpasswd.mp4"),
        ('..\\..\\boot.ini"; filename="evil.exe', "bootini-filenameevilexe.mp4", "bootini-filenameevilexe.mp4"),
        ("Grüße aus Köln", "grue-aus-koln.mp4", "grüße-aus-köln.mp4"),
        ("日本語のタイトル", "talking-avatar.mp4", "日本語のタイトル.mp4"),
        ("/ . .. \r\n", "talking-avatar.mp4", "talking-avatar.mp4"),
    ],
    ids=["dot-dot-slashes", "backslashes-and-quotes", "accents", "no-ascii-letters", "nothing-but-separators"],
)
def test_download_names_cannot_carry_paths_or_quotes(owner_client, user, title, plain, lettered):
    job = completed_job(user, title=title)

    header = owner_client.get(download_url(job))["Content-Disposition"]

    assert header == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(lettered, safe='')}"


def test_an_untitled_video_downloads_under_its_dated_name(owner_client, user):
    job = completed_job(user)

    header = owner_client.get(download_url(job))["Content-Disposition"]

    assert re.match(r'attachment; filename="talking-avatar-of-\d+-[a-z]+-\d{4}-\d{4}\.mp4"', header), header


def test_another_users_video_is_not_downloadable(client, other_user, user):
    job = completed_job(user)
    client.force_login(other_user)

    assert client.get(download_url(job)).status_code == 404


def test_download_asks_a_visitor_to_log_in(client, user):
    job = completed_job(user)

    response = client.get(download_url(job))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "state", [JobState.PENDING, JobState.IN_PROGRESS, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT]
)
def test_a_job_without_a_finished_video_has_nothing_to_download(owner_client, user, state):
    assert owner_client.get(download_url(make_job(user, state))).status_code == 404


def test_a_completed_job_whose_file_is_gone_is_404_not_an_error(owner_client, user, media_root):
    job = completed_job(user)
    os.remove(media_root / job.video.name)

    assert owner_client.get(download_url(job)).status_code == 404


def test_download_only_reads(owner_client, user):
    assert owner_client.post(download_url(completed_job(user))).status_code == 405
