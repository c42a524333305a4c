"""Rate limits: per user on the API (each kind of request its own rate), on the create form
and on sign-in attempts, counted in the shared cache so they hold across processes."""

import html
import random
import time
import uuid

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from jobs.models import Job
from jobs.registry import DEFAULT_MODEL_KEY
from tests.factories import data_uri, make_user, portrait_png, speech_wav
from tests.servers import app_server

pytestmark = pytest.mark.django_db

SUBMIT = "/api/generate/kling-avatar/submit"
# The audio is measured before a job exists, so it comes along (a hosted one would be fetched).
HOSTED = {"image_url": "https://example.com/face.png", "audio_url": data_uri(speech_wav(), "audio/wav")}
PASSWORD = "correct horse battery staple"


def start_of_a_window(seconds, burst=2.0):
    """Wait (at most `burst` seconds) until the current fixed window of `seconds` has at least
    `burst` seconds left, so a quick burst of requests falls inside one window."""
    while seconds - time.time() % seconds < burst:
        time.sleep(0.05)


def test_submit_over_the_rate_is_429_with_retry_after_and_creates_nothing(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "2/minute"}
    settings.MAX_JOBS_AT_FAL = 0  # jobs wait in our queue: no fal needed for this
    start_of_a_window(60)
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}

    answers = [api_client.post(SUBMIT, body, format="json") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    refused = answers[2]
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "rate_limited" and refused.json()["retry_after"] == int(refused["Retry-After"])
    assert Job.objects.count() == 2


def test_each_kind_of_request_has_its_own_rate(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "read": "2/minute"}
    start_of_a_window(60)

    reads = [api_client.get("/api/me").status_code for _ in range(3)]
    submit = api_client.post(SUBMIT, {}, format="json")

    assert reads == [200, 200, 429]
    assert submit.status_code == 400  # refused for its (empty) input, not throttled


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cache_url", ["", "rediscache://127.0.0.1:6379/1"], ids=["database cache", "redis"])
def test_the_limit_holds_across_two_server_processes(tmp_path, cache_url):
    # A user id of its own: Redis outlives this test database and is shared by parallel runs.
    user = make_user(f"throttled-{uuid.uuid4().hex[:8]}", id=random.randint(10**8, 10**9))
    token = Token.objects.create(user=user).key
    environment = {
        "THROTTLE_SUBMIT": "3/minute", "MAX_JOBS_AT_FAL": 0, "STARTING_CREDITS": 10**9, "ALLOWED_INPUT_HOSTS": "example.com",
        "MEDIA_ROOT": tmp_path / "media", "ENGINE_STORAGE_DIR": tmp_path / "engine",
        **({"CACHE_URL": cache_url} if cache_url else {}),
    }
    with app_server(**environment) as first, app_server(**environment) as second:
        start_of_a_window(60)
        codes = [
            httpx.post(server + SUBMIT, json=HOSTED, headers={"Authorization": f"Token {token}"}, timeout=30).status_code
            for server in (first, second, first, second)
        ]

    assert codes == [201, 201, 201, 429]
    assert Job.objects.count() == 3


def test_create_form_over_its_rate_keeps_the_input_and_creates_nothing(client, user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "create_form": "1/minute"}
    settings.MAX_JOBS_AT_FAL = 0
    client.force_login(user)
    start_of_a_window(60)

    def post():
        return client.post(
            "/create/",
            {
                "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
                "audio": SimpleUploadedFile("voice.wav", speech_wav(), "audio/wav"),
                "model": DEFAULT_MODEL_KEY,
                "prompt": "Hello there",
            },
        )

    first, second = post(), post()

    assert first.status_code == 302
    assert second.status_code == 429
    assert "You're creating jobs too quickly; try again in" in html.unescape(second.content.decode())
    assert "Hello there" in second.content.decode()
    assert Job.objects.count() == 1


def log_in(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_account_is_locked_after_repeated_failures_even_for_the_right_password(client, user, settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = "3/4second"
    start_of_a_window(4)

    failures = [log_in(client, "alice", "wrong").status_code for _ in range(3)]
    locked = log_in(client, "alice", PASSWORD)

    assert failures == [200, 200, 200]
    assert locked.status_code == 200
    assert "Too many failed sign-in attempts for this account" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    time.sleep(4 - time.time() % 4 + 0.05)  # the next window
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_too_many_failures_from_one_address_lock_it_out_for_every_account(client, user, other_user, settings):
    settings.LOGIN_ATTEMPTS_PER_IP = "3/minute"
    start_of_a_window(60)

    for name in ("nobody", "somebody", "anybody"):
        log_in(client, name, "wrong", address="10.9.9.9")
    from_there = log_in(client, "mallory", PASSWORD, address="10.9.9.9")
    from_elsewhere = log_in(client, "mallory", PASSWORD, address="10.1.1.1")

    assert "Too many failed sign-in attempts for this network address" in from_there.content.decode()
    assert from_elsewhere.status_code == 302


def test_signing_in_clears_the_accounts_failures(client, user, settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = "3/minute"
    start_of_a_window(60)

    log_in(client, "alice", "wrong"), log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    log_in(client, "alice", "wrong"), log_in(client, "alice", "wrong")

    assert log_in(client, "alice", PASSWORD).status_code == 302
