"""MAX_STREAMS_PER_USER: a user's open streams, counted across both doors that stream (the job
page's events and the fal proxy's status stream), past which a stream is answered 429."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from jobs.models import JobState
from tests.avatars.builders import make_job
from tests.falproxy.test_proxy import PROXY, QUEUE, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_streams_each(settings):
    settings.MAX_STREAMS_PER_USER = 2
    settings.JOB_EVENTS_MAX_STREAMS = 10  # the per-process cap stays out of the way


def close(response):
    """Close a response as the server does when a stream ends or its client leaves. Done as the
    test client closes the streams it reads to the end: without closing the test's database
    connection, which the request_finished signal would otherwise do."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def opened():
    """Streams a test opens, closed at its end (each holds its slot until then)."""
    responses = []
    yield responses
    for response in responses:
        close(response)


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def page_stream(client, job, opened):
    response = client.get(reverse("avatars:job-events", kwargs={"job_id": job.id}))
    opened.append(response)
    return response


def proxy_stream(client, job, opened):
    target = f"{QUEUE}/fal-ai/kling-video/requests/{job.id}/status/stream"
    response = client.get(PROXY, HTTP_X_FAL_TARGET_URL=target)
    opened.append(response)
    return response


def test_a_third_job_page_stream_is_answered_429_while_two_are_open(user, opened):
    job = make_job(user, JobState.IN_PROGRESS)
    client = page_client(user)

    first, second = page_stream(client, job, opened), page_stream(client, job, opened)
    refused = page_stream(client, job, opened)

    assert first.status_code == second.status_code == 200 and first.streaming and second.streaming
    assert refused.status_code == 429 and not refused.streaming
    assert refused.json()["code"] == "too_many_streams" and refused.json()["detail"]
    assert refused["Cache-Control"] == "no-store"


def test_a_third_proxy_status_stream_is_answered_429_in_fals_shape(user, opened):
    job = make_job(user, JobState.IN_PROGRESS)
    client = token_client(user)

    held = [proxy_stream(client, job, opened) for _ in range(2)]
    refused = proxy_stream(client, job, opened)

    assert [response.status_code for response in held] == [200, 200]
    assert refused.status_code == 429 and refused["Content-Type"] == "application/json"
    assert list(refused.json()) == ["detail"] and refused["x-fal-request-id"] == str(job.id)


def test_both_doors_count_against_one_cap(user, opened):
    job = make_job(user, JobState.IN_PROGRESS)
    browser, sdk = page_client(user), token_client(user)

    assert page_stream(browser, job, opened).status_code == 200
    assert proxy_stream(sdk, job, opened).status_code == 200

    assert page_stream(browser, job, opened).status_code == 429
    assert proxy_stream(sdk, job, opened).status_code == 429


def test_another_users_streams_are_not_held_back(user, other_user, opened):
    job = make_job(user, JobState.IN_PROGRESS)
    browser = page_client(user)
    for _ in range(2):
        page_stream(browser, job, opened)
    assert page_stream(browser, job, opened).status_code == 429

    theirs = make_job(other_user, JobState.IN_PROGRESS)

    assert page_stream(page_client(other_user), theirs, opened).status_code == 200
    assert proxy_stream(token_client(other_user), theirs, opened).status_code == 200


def test_closing_a_stream_frees_its_slot(user, opened):
    job = make_job(user, JobState.IN_PROGRESS)
    browser, sdk = page_client(user), token_client(user)
    first = page_stream(browser, job, opened)
    proxy_stream(sdk, job, opened)
    assert proxy_stream(sdk, job, opened).status_code == 429

    close(first)  # the browser left

    assert proxy_stream(sdk, job, opened).status_code == 200
    assert page_stream(browser, job, opened).status_code == 429


def test_a_stream_that_ends_by_itself_frees_its_slot(user, opened):
    finished = make_job(user, JobState.COMPLETED)
    running = make_job(user, JobState.IN_PROGRESS)
    client = page_client(user)
    ended = page_stream(client, finished, opened)
    page_stream(client, running, opened)
    assert page_stream(client, running, opened).status_code == 429

    b"".join(ended.streaming_content)  # the final panel, then the end: the server closes it

    assert page_stream(client, running, opened).status_code == 200
