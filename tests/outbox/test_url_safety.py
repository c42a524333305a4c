"""Delivery URLs reach only public addresses (SSRF): refused when an endpoint is registered
or a job subscribes, and again on every attempt, unless WEBHOOK_ALLOWED_HOSTS lets a host
through."""

import pytest
from django.core.exceptions import ValidationError

from outbox import services
from outbox.models import Delivery, DeliveryAttempt
from tests.avatars.builders import make_job
from tests.conftest import wait_for
from tests.outbox.builders import ENDPOINTS, queued_job, register_endpoint

pytestmark = pytest.mark.urls("tests.outbox.urls")

PRIVATE_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_registering_a_private_address_is_refused_naming_the_url_field(api_client, settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []

    response = api_client.post(ENDPOINTS, {"url": url}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]
    assert "private or reserved" in response.json()["errors"]["url"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.com/hook", "Enter an http:// or https:// URL."),
        ("file:///etc/passwd", "Enter a valid URL."),
        ("https://user:secret@example.com/hook", "user name or password"),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_registering_a_url_that_is_not_plain_http_is_refused(api_client, url, message):
    response = api_client.post(ENDPOINTS, {"url": url}, format="json")

    assert response.status_code == 400
    assert message in response.json()["errors"]["url"][0]


@pytest.mark.django_db
def test_a_job_subscription_to_a_private_address_is_refused_naming_webhook_url(user, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    job = make_job(user)

    with pytest.raises(ValidationError) as refused:
        services.subscribe_job(job, "http://127.0.0.1:9/hook")

    assert list(refused.value.message_dict) == ["webhook_url"]
    with pytest.raises(ValidationError) as refused:
        services.subscribe_batch(user, "6f1c1a58-5a4e-4d3c-9a9e-1f0d8c7b6a55", "http://localhost/hook")
    assert list(refused.value.message_dict) == ["webhook_url"]


@pytest.mark.django_db
def test_allowed_hosts_let_a_development_receiver_through(api_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    assert api_client.post(ENDPOINTS, {"url": "http://127.0.0.1:8000/hook"}, format="json").status_code == 201
    assert api_client.post(ENDPOINTS, {"url": "http://localhost:8000/hook"}, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_delivery_time_check_refuses_a_host_no_longer_allowed(api_client, user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    receiver = receivers()
    register_endpoint(api_client, receiver)  # allowed then
    settings.WEBHOOK_ALLOWED_HOSTS = []  # not any more

    queued_job(user)

    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the refused attempt")
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused:") and "private or reserved" in attempt.error
    assert receiver.received == []
    assert Delivery.objects.get().state == Delivery.State.PENDING  # refused attempts are failures like any other


@pytest.mark.django_db(transaction=True)
def test_delivery_time_check_covers_one_off_urls_too(user, task_worker, receivers, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 60]
    receiver = receivers()
    job = make_job(user)
    services.subscribe_job(job, receiver.url)
    settings.WEBHOOK_ALLOWED_HOSTS = []

    from jobs.models import JobState
    from jobs.state import transition

    transition(job.id, JobState.IN_QUEUE)

    attempt = wait_for(lambda: DeliveryAttempt.objects.first(), message="the refused attempt")
    assert attempt.error.startswith("Refused:")
    assert receiver.received == []


def test_the_connection_goes_to_the_address_that_was_checked(receivers, settings, monkeypatch):
    """DNS rebinding: a host that resolves to a public address when checked, then to
    loopback, must not reach loopback. (getaddrinfo is the one thing faked: we can't run
    a DNS server that changes its answers here.)"""
    import socket

    from outbox import transport

    settings.WEBHOOK_ALLOWED_HOSTS = []
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.5
    receiver = receivers()
    port = receiver.server.server_address[1]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["1.1.1.1"])  # public once, loopback ever after

    def rebinding(host, *args, **kwargs):
        if host != "rebind.test":
            return real_getaddrinfo(host, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    answer = transport.post(f"http://rebind.test:{port}/hook", b"{}", {"Content-Type": "application/json"})

    assert answer.status is None and answer.error  # 1.1.1.1 was tried (and is out of reach here)
    assert receiver.received == []
    assert transport.post(f"http://rebind.test:{port}/hook", b"{}", {}).error.startswith("Refused:")  # checked again
