"""Rate limits: per user on the API (each kind of request its own rate), on the create form
and on sign-in attempts, counted in the shared cache so they hold across processes."""

import html
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from rest_framework.authtoken.models import Token

from jobs.models import Job
from jobs.registry import DEFAULT_MODEL_KEY
from limits.counters import Rate, hit
from tests.conftest import wait_for
from tests.factories import data_uri, make_user, portrait_png, speech_wav
from tests.servers import app_server, production_server

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
        "THROTTLE_SUBMIT": "3/minute",
        "MAX_JOBS_AT_FAL": 0,
        "STARTING_CREDITS": 10**9,
        "ALLOWED_INPUT_HOSTS": "example.com",
        "MEDIA_ROOT": tmp_path / "media",
        "ENGINE_STORAGE_DIR": tmp_path / "engine",
        **({"CACHE_URL": cache_url} if cache_url else {}),
    }
    with app_server(**environment) as first, app_server(**environment) as second:
        start_of_a_window(60)
        codes = [
            httpx.post(
                server + SUBMIT, json=HOSTED, headers={"Authorization": f"Token {token}"}, timeout=30
            ).status_code
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


def log_in(client, username, password, address="10.0.0.1", forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers
    )


def test_account_is_locked_after_repeated_failures_even_for_the_right_password(client, user, settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = "3/4second"
    start_of_a_window(4)

    failures = [log_in(client, "alice", "wrong").status_code for _ in range(3)]
    locked = log_in(client, "alice", PASSWORD)

    assert failures == [200, 200, 200]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Too many failed sign-in attempts for this account" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    time.sleep(4 - time.time() % 4 + 0.05)  # the next window
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_too_many_failures_from_one_address_slow_that_address_for_every_account(client, user, other_user, settings):
    settings.LOGIN_ATTEMPTS_PER_IP = "3/minute"
    start_of_a_window(60)

    for name in ("nobody", "somebody", "anybody"):
        log_in(client, name, "wrong", address="10.9.9.9")
    from_there = log_in(client, "mallory", PASSWORD, address="10.9.9.9")
    from_elsewhere = log_in(client, "mallory", PASSWORD, address="10.1.1.1")

    assert from_there.status_code == 429
    assert "Too many sign-in attempts from your network address" in from_there.content.decode()
    assert from_elsewhere.status_code == 302


def test_failures_from_one_client_behind_the_proxy_do_not_lock_out_another_client(client, user, other_user, settings):
    # The same-host reverse proxy of docs/operations.md: every request's peer is 127.0.0.1 (trusted by
    # default), and the proxy appends the client's own address to X-Forwarded-For.
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT, settings.LOGIN_ATTEMPTS_PER_IP = "5/minute", "3/minute"
    start_of_a_window(60)

    # What the guesser writes into the header itself is left of what the proxy appends.
    guesses = [log_in(client, "alice", "wrong", "127.0.0.1", f"10.0.0.{n}, 203.0.113.5") for n in range(21)]
    guesser_with_a_right_password = log_in(client, "mallory", PASSWORD, "127.0.0.1", "203.0.113.5")
    alice = log_in(client, "alice", PASSWORD, "127.0.0.1", "198.51.100.7")

    assert [guess.status_code for guess in guesses] == [200] * 3 + [429] * 18
    assert guesser_with_a_right_password.status_code == 429  # that address is slowed down...
    assert alice.status_code == 302  # ...and neither other clients nor alice's account are


def test_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(client, user, settings):
    settings.LOGIN_ATTEMPTS_PER_IP = "3/minute"
    start_of_a_window(60)

    answers = [log_in(client, f"nobody-{n}", "wrong", "203.0.113.9", f"198.51.100.{n}").status_code for n in range(5)]

    assert answers == [200, 200, 200, 429, 429]


def attempt_sign_ins_at_once(server, attempts, *, checked_first):
    """Post `attempts` ((username, password) pairs) to the sign-in page, all but the last two
    at once; the last two once `checked_first` answers have come back. Answers in order."""
    csrf = httpx.get(f"{server}/accounts/login/", timeout=30).cookies["csrftoken"]

    def post(username, password, start=None):
        if start:
            start.wait()
        data = {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
        return httpx.post(f"{server}/accounts/login/", data=data, headers={"Cookie": f"csrftoken={csrf}"}, timeout=300)

    first, last = attempts[:-2], attempts[-2:]
    start = threading.Barrier(len(first))
    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        answers = [pool.submit(post, *attempt, start) for attempt in first]
        wait_for(
            lambda: sum(answer.done() for answer in answers) >= checked_first, timeout=300, message="the first answers"
        )
        answers += [pool.submit(post, *attempt) for attempt in last]
        return [answer.result() for answer in answers]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", ["account", "address"])
def test_forty_guesses_at_once_get_no_more_password_checks_than_the_limit(settings, limit):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's own, and slow
    make_user()
    rates = {"LOGIN_ATTEMPTS_PER_ACCOUNT": "5/hour", "LOGIN_ATTEMPTS_PER_IP": "1000/hour"}
    if limit == "address":  # many made-up names from one client
        rates = {"LOGIN_ATTEMPTS_PER_ACCOUNT": "1000/hour", "LOGIN_ATTEMPTS_PER_IP": "5/hour"}
    guesses = [("alice" if limit == "account" else f"guess-{n}", f"wrong-{n}") for n in range(40)]
    guesses[38] = ("alice", PASSWORD)  # the 39th is right

    with production_server(WEB_WORKERS=2, WEB_THREADS=20, **rates) as server:
        start_of_a_window(3600, burst=120)
        answers = attempt_sign_ins_at_once(server, guesses, checked_first=5)

    checked = [
        answer for answer in answers if answer.status_code == 302 or "Please enter a correct username" in answer.text
    ]
    assert len(checked) <= 5
    assert answers[38].status_code == 429 and "sessionid" not in answers[38].cookies
    assert {answer.status_code for answer in answers} == {200, 429}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["database cache", "redis"])
def test_counts_made_at_the_same_instant_are_each_counted(settings, backend):
    if backend == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/1",
            }
        }
    key, rate = f"test:{uuid.uuid4().hex}", Rate(limit=10, window=3600)
    start = threading.Barrier(40)

    def count():
        start.wait()
        try:
            return hit(key, rate)
        finally:
            connections.close_all()  # this thread's own connection

    start_of_a_window(3600, burst=60)
    with ThreadPoolExecutor(max_workers=40) as pool:
        waits = list(pool.map(lambda _: count(), range(40)))

    assert waits.count(None) == 10


def test_signing_in_clears_the_accounts_failures(client, user, settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = "3/minute"
    start_of_a_window(60)

    log_in(client, "alice", "wrong"), log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    log_in(client, "alice", "wrong"), log_in(client, "alice", "wrong")

    assert log_in(client, "alice", PASSWORD).status_code == 302
