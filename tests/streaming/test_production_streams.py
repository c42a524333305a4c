"""Streams under the production server (gunicorn with uvicorn workers, config/asgi.py): open
streams hold no thread, so the rest of the app answers however many are open; the per-user
cap still holds, and a client that leaves gives its slot back."""

from contextlib import ExitStack

import httpx
import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from jobs.models import Job, JobState
from tests.avatars.builders import make_job
from tests.conftest import wait_for
from tests.factories import make_user
from tests.servers import production_server

pytestmark = pytest.mark.django_db(transaction=True)

PROXY = "/api/fal/proxy"


def stream_target(job):
    return f"https://queue.fal.run/fal-ai/kling-video/requests/{job.id}/status/stream"


def token_headers(user):
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


def open_proxy_stream(stack, http, server, job, headers):
    """A proxy status stream, open until `stack` closes; returns its response after its first
    event has arrived (the server is then serving it)."""
    response = stack.enter_context(
        http.stream("GET", f"{server}{PROXY}", headers={**headers, "x-fal-target-url": stream_target(job)})
    )
    if response.status_code == 200:
        # Kept with the response: httpx closes the connection when its line reader is dropped.
        response.lines = response.iter_lines()
        assert next(line for line in response.lines if line.startswith("data: "))
    return response


def session_headers(user):
    """A signed-in browser's cookie, for the job page's events."""
    browser = Client()
    browser.force_login(user)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"}


def streaming_client():
    # No pool limit: every stream is a connection of its own, as from as many browsers.
    return httpx.Client(
        timeout=httpx.Timeout(30.0), limits=httpx.Limits(max_connections=None, max_keepalive_connections=0)
    )


def test_thirty_open_proxy_streams_leave_healthz_and_the_api_answering():
    user = make_user()
    job = make_job(user, JobState.IN_PROGRESS)
    headers = token_headers(user)

    with production_server(MAX_STREAMS_PER_USER=40) as server, streaming_client() as http, ExitStack() as streams:
        opened = [open_proxy_stream(streams, http, server, job, headers) for _ in range(30)]
        assert [response.status_code for response in opened] == [200] * 30

        # A generous bound: under threads, 14 streams made /healthz time out at 20 s.
        assert httpx.get(f"{server}/healthz", timeout=5).status_code == 200
        me = httpx.get(f"{server}/api/v1/me", headers=headers, timeout=5)
        assert me.status_code == 200 and me.json()["username"] == user.username


def test_the_stream_cap_answers_429_per_user_on_both_doors():
    alice, bob = make_user(), make_user("bob")
    job, bobs_job = make_job(alice, JobState.IN_PROGRESS), make_job(bob, JobState.IN_PROGRESS)
    headers, browser = token_headers(alice), session_headers(alice)

    with production_server(MAX_STREAMS_PER_USER=2) as server, streaming_client() as http, ExitStack() as streams:
        assert [open_proxy_stream(streams, http, server, job, headers).status_code for _ in range(2)] == [200, 200]

        refused = http.get(f"{server}{PROXY}", headers={**headers, "x-fal-target-url": stream_target(job)})
        page = http.get(f"{server}/videos/{job.id}/events/", headers=browser)
        theirs = open_proxy_stream(streams, http, server, bobs_job, token_headers(bob))

    assert (
        refused.status_code == 429
        and list(refused.json()) == ["detail"]
        and refused.headers["x-fal-request-id"] == str(job.id)
    )
    assert page.status_code == 429 and page.json()["code"] == "too_many_streams"
    assert theirs.status_code == 200


def test_a_client_that_leaves_gives_its_stream_slot_back():
    user = make_user()
    job = make_job(user, JobState.IN_PROGRESS)
    headers = token_headers(user)

    with production_server(MAX_STREAMS_PER_USER=2) as server, streaming_client() as http, ExitStack() as streams:
        open_proxy_stream(streams, http, server, job, headers)
        with ExitStack() as leaving:
            open_proxy_stream(leaving, http, server, job, headers)
            assert open_proxy_stream(streams, http, server, job, headers).status_code == 429
        # The connection is closed mid-stream: the server cancels that stream and frees its slot.

        def a_stream_opens():
            with ExitStack() as attempt:
                return open_proxy_stream(attempt, http, server, job, headers).status_code == 200

        wait_for(a_stream_opens, timeout=30, message="the slot of the stream whose client left")


def test_the_job_pages_events_follow_the_job_to_its_end():
    user = make_user()
    job = make_job(user, JobState.IN_PROGRESS)
    browser = session_headers(user)

    with production_server() as server, streaming_client() as http:
        with http.stream("GET", f"{server}/videos/{job.id}/events/", headers=browser) as response:
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("data: "))  # the panel as it is
            Job.objects.filter(pk=job.pk).update(state=JobState.CANCELLED)
            rest = list(lines)  # the final panel, then the server ends the stream

    assert any(line.startswith("data: ") and '"finished": true' in line for line in rest)
