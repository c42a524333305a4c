"""Share links: a finished video opens for anyone with the link, until it expires or is revoked."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobState
from sharing.models import ShareLink
from tests.avatars.builders import MP4_START, completed_job, make_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def share(api_client, job, **body):
    return api_client.post(f"/api/v1/jobs/{job.id}/share", body, format="json")


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def test_the_owner_shares_a_finished_video_and_anyone_watches_it_without_an_account(api_client, user):
    job = completed_job(user, title="Hello from Ada")

    answer = share(api_client, job)

    assert answer.status_code == 201
    body = answer.json()
    assert set(body) >= {"url", "embed_url", "expires_at"} and body["expires_at"] is None
    token = ShareLink.objects.get(job=job).token
    assert body["url"] == f"http://testserver/s/{token}" and body["embed_url"] == f"http://testserver/s/{token}/embed"
    stranger = Client()
    page = stranger.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert meta(html, "property", "og:title") == "Hello from Ada"
    assert meta(html, "property", "og:video") == f"http://testserver/s/{token}/video.mp4"
    assert meta(html, "property", "og:image") == f"http://testserver/s/{token}/poster.jpg"
    assert meta(html, "name", "twitter:card") == "player"
    assert meta(html, "name", "twitter:player") == body["embed_url"]
    video = stranger.get(f"/s/{token}/video.mp4", HTTP_RANGE="bytes=0-3")
    assert video.status_code == 206 and b"".join(video.streaming_content) == MP4_START[:4]
    assert video["X-Content-Type-Options"] == "nosniff" and video["Content-Type"] == "video/mp4"
    assert stranger.get(f"/s/{token}/poster.jpg").status_code == 200


def test_views_are_counted_on_the_player_and_the_embed_not_on_each_byte_range(api_client, user):
    job = completed_job(user)
    share(api_client, job)
    token = ShareLink.objects.get(job=job).token

    Client().get(f"/s/{token}")
    Client().get(f"/s/{token}/embed")
    Client().get(f"/s/{token}/video.mp4", HTTP_RANGE="bytes=0-1")

    assert ShareLink.objects.get(job=job).views == 2


def test_only_the_embed_may_be_framed_by_other_sites(api_client, user):
    job = completed_job(user)
    share(api_client, job)
    token = ShareLink.objects.get(job=job).token

    page, embed = Client().get(f"/s/{token}"), Client().get(f"/s/{token}/embed")

    assert page["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed and "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "script-src 'self'" in embed["Content-Security-Policy"]


def test_a_revoked_link_and_its_media_are_gone_at_once(api_client, user):
    job = completed_job(user)
    share(api_client, job)
    token = ShareLink.objects.get(job=job).token

    assert api_client.delete(f"/api/v1/jobs/{job.id}/share").status_code == 204

    for path in ("", "/embed", "/video.mp4", "/poster.jpg"):
        assert Client().get(f"/s/{token}{path}").status_code == 404
    again = share(api_client, job).json()
    assert token not in again["url"]  # sharing again makes a new token


def test_an_expired_link_no_longer_opens(api_client, user):
    job = completed_job(user)
    soon = timezone.now() + timedelta(hours=1)
    assert share(api_client, job, expires_at=soon.isoformat()).json()["expires_at"] is not None
    link = ShareLink.objects.get(job=job)
    assert Client().get(f"/s/{link.token}").status_code == 200

    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    for path in ("", "/embed", "/video.mp4"):
        assert Client().get(f"/s/{link.token}{path}").status_code == 404


def test_sharing_again_keeps_the_token_and_changes_the_expiry(api_client, user):
    job = completed_job(user)
    first = share(api_client, job, expires_at=(timezone.now() + timedelta(days=1)).isoformat())

    second = share(api_client, job)

    assert second.status_code == 200 and second.json()["url"] == first.json()["url"]
    assert second.json()["expires_at"] is None


def test_another_users_job_cannot_be_shared_or_revoked(api_client, other_user):
    theirs = completed_job(other_user)

    assert share(api_client, theirs).status_code == 404
    assert api_client.delete(f"/api/v1/jobs/{theirs.id}/share").status_code == 404
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.IN_PROGRESS, JobState.FAILED])
def test_an_unfinished_or_failed_job_is_refused_with_a_clear_error(api_client, user, state):
    job = make_job(user, state)

    answer = share(api_client, job)

    assert answer.status_code == 409 and answer.json()["code"] == "not_shareable"
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("expires_at", ["yesterday", "2001-01-01T00:00:00Z"])
def test_an_expiry_that_is_no_future_time_is_refused(api_client, user, expires_at):
    job = completed_job(user)

    answer = share(api_client, job, expires_at=expires_at)

    assert answer.status_code in (400, 409) and not ShareLink.objects.exists()


@pytest.mark.parametrize("token", ["nope", "../../etc/passwd", "a" * 200])
def test_unknown_tokens_are_404(token):
    assert Client().get(f"/s/{token}").status_code == 404


def test_the_job_page_makes_and_revokes_the_link(client, user):
    client.force_login(user)
    job = completed_job(user)
    manage = reverse("sharing:manage", kwargs={"job_id": job.id})

    page = client.post(manage, {"action": "share", "expires": "7"}, follow=True).content.decode()
    link = ShareLink.objects.get(job=job)
    assert f"/s/{link.token}" in page and "Revoke link" in page
    assert timedelta(days=6) < link.expires_at - timezone.now() <= timedelta(days=7)

    client.post(manage, {"action": "revoke"})
    assert not ShareLink.objects.exists()
    assert Client().get(f"/s/{link.token}").status_code == 404


def test_the_job_page_cannot_share_another_users_job(client, user, other_user):
    client.force_login(user)
    theirs = completed_job(other_user)

    assert client.post(reverse("sharing:manage", kwargs={"job_id": theirs.id}), {"action": "share"}).status_code == 404
