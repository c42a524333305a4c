"""Walk every page a visitor can reach by following links, and find no broken ones."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from jobs.models import JobState
from tests.avatars.builders import completed_job, make_job

pytestmark = pytest.mark.django_db
LINK = re.compile(r'<(?:a|link|script|img|video)\b[^>]*?\b(?:href|src|poster)="([^"#]*)', re.I)


def walk(client, start="/"):
    """Follow internal links breadth-first; return {path: status} for each page seen."""
    seen = {}
    queue = deque([start])
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        if path.startswith(settings.MEDIA_URL):
            # Stored files: config.urls fixes the media directory at import, before this
            # test's MEDIA_ROOT exists, so ask the storage the URL was made from instead.
            seen[path] = 200 if default_storage.exists(path.removeprefix(settings.MEDIA_URL)) else 404
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if "text/html" not in response.get("Content-Type", "") or path.startswith("/admin/"):
            continue
        for href in LINK.findall(response.content.decode()):
            parts = urlsplit(urljoin(path, href.replace("&amp;", "&")))
            if parts.scheme in ("", "http") and parts.netloc in ("", "testserver") and parts.path:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def broken(seen):
    return {path: status for path, status in seen.items() if status >= 400}


def test_every_page_an_anonymous_visitor_can_reach_works(client):
    seen = walk(client)

    assert broken(seen) == {}
    assert {"/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"} <= set(seen)
    assert any(path.startswith("/static/css/") for path in seen)


def test_every_page_a_signed_in_user_can_reach_works(client, user):
    completed_job(user)
    make_job(user, JobState.IN_PROGRESS, logs=[{"timestamp": "t", "message": "Rendering"}])
    make_job(user, JobState.FAILED)
    for _ in range(12):
        make_job(user, JobState.CANCELLED)
    client.force_login(user)

    seen = walk(client)

    assert broken(seen) == {}
    visited = set(seen)
    assert {"/create/", "/videos/", "/videos/?page=2", "/accounts/password/change/", "/static/js/job.js"} <= visited
    assert sum(1 for path in visited if re.fullmatch(r"/videos/[0-9a-f-]{36}/", path)) == 15
    assert any(path.startswith("/media/videos/") and path.endswith(".mp4") for path in visited)


def test_every_page_a_staff_user_can_reach_from_the_app_works(client, user):
    user.is_staff = user.is_superuser = True
    user.save()
    completed_job(user)
    client.force_login(user)

    seen = walk(client)

    assert broken(seen) == {}
    assert "/admin/jobs/job/" in seen
