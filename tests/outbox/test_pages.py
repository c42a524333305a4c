"""The browser pages: my endpoints, adding one (its secret shown once), its deliveries with
every attempt, and a Redeliver button that is a CSRF-protected POST."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from outbox import services
from outbox.models import Delivery, DeliveryAttempt, WebhookEndpoint
from tests.outbox.builders import queued_job

pytestmark = pytest.mark.django_db

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


def delivered(user, *attempts):
    """An event for `user`'s endpoints, with the given attempts logged (status, latency, body)."""
    queued_job(user)
    delivery = Delivery.objects.filter(message__user=user).first()
    for status, latency, body in attempts:
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=timezone.now(),
            status_code=status,
            latency_ms=latency,
            response_snippet=body,
        )
    return delivery


def test_adding_an_endpoint_shows_its_secret_once(browser, user):
    assert browser.get("/settings/webhooks/new/").status_code == 200

    response = browser.post(
        "/settings/webhooks/new/", {"url": HOOK, "description": "Billing", "events": ["job.completed"]}
    )

    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get(user=user)
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["job.completed"] and endpoint.description == "Billing"
    for page in ("/settings/webhooks/", f"/settings/webhooks/{endpoint.id}/"):
        shown = browser.get(page)
        assert shown.status_code == 200 and endpoint.secret not in shown.content.decode()
        assert HOOK in shown.content.decode()


def test_a_private_address_is_refused_on_the_form(browser, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []

    response = browser.post("/settings/webhooks/new/", {"url": "http://127.0.0.1:9/hook"})

    assert response.status_code == 200
    assert "private or reserved" in response.content.decode()
    assert 'id="id_url_errors"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_show_each_attempts_status_latency_and_snippet(browser, user):
    endpoint = services.create_endpoint(user, url=HOOK)
    delivered(user, (500, 812, "upstream <b>broken</b>"), (200, 35, "thanks"))

    page = browser.get(f"/settings/webhooks/{endpoint.id}/").content.decode()

    assert "job.queued" in page and "HTTP 500" in page and "812 ms" in page and "HTTP 200" in page and "35 ms" in page
    assert "upstream &lt;b&gt;broken&lt;/b&gt;" in page  # escaped, never rendered
    assert "Redeliver" in page
    assert "job.queued" in browser.get("/settings/webhooks/").content.decode()  # and on the overview


def test_redeliver_button_makes_a_new_delivery_of_the_same_message(browser, user):
    endpoint = services.create_endpoint(user, url=HOOK)
    delivery = delivered(user, (500, 10, ""))
    page = browser.get(f"/settings/webhooks/{endpoint.id}/").content.decode()
    action = re.search(r'action="(/settings/webhooks/deliveries/\d+/redeliver/)"', page).group(1)

    response = browser.post(action)

    assert response.status_code == 302 and response["Location"] == f"/settings/webhooks/{endpoint.id}/"
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert again.message_id == delivery.message_id and again.endpoint_id == endpoint.id and again.state == "pending"


def test_redeliver_needs_a_csrf_token(user):
    services.create_endpoint(user, url=HOOK)
    delivery = delivered(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)

    assert strict.post(f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 403
    assert strict.get(f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 405
    assert Delivery.objects.count() == 1


def test_another_users_endpoint_and_deliveries_are_404(browser, other_user):
    theirs = services.create_endpoint(other_user, url=HOOK)
    delivery = delivered(other_user)

    assert browser.get(f"/settings/webhooks/{theirs.id}/").status_code == 404
    assert browser.post(f"/settings/webhooks/{theirs.id}/disable/").status_code == 404
    assert browser.post(f"/settings/webhooks/{theirs.id}/delete/").status_code == 404
    assert browser.post(f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert HOOK not in browser.get("/settings/webhooks/").content.decode()
    assert WebhookEndpoint.objects.get().is_active and Delivery.objects.count() == 1


def test_disable_enable_and_delete_from_the_endpoint_page(browser, user):
    endpoint = services.create_endpoint(user, url=HOOK)

    browser.post(f"/settings/webhooks/{endpoint.id}/disable/")
    assert not WebhookEndpoint.objects.get().is_active
    assert "Enable" in browser.get(f"/settings/webhooks/{endpoint.id}/").content.decode()
    browser.post(f"/settings/webhooks/{endpoint.id}/enable/")
    assert WebhookEndpoint.objects.get().is_active
    assert browser.get(f"/settings/webhooks/{endpoint.id}/delete/").status_code == 200
    assert browser.post(f"/settings/webhooks/{endpoint.id}/delete/")["Location"] == "/settings/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_pages_need_a_signed_in_user(client):
    assert client.get("/settings/webhooks/")["Location"].startswith("/accounts/login/")


def test_pages_carry_no_inline_script_or_style(browser, user):
    endpoint = services.create_endpoint(user, url=HOOK)
    delivered(user, (500, 10, "<script>alert(1)</script>"))

    for path in ("/settings/webhooks/", "/settings/webhooks/new/", f"/settings/webhooks/{endpoint.id}/"):
        response = browser.get(path)
        page = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "<script" not in page and "style=" not in page and "<style" not in page
        assert 'href="/settings/webhooks/"' in page  # the site's menu links here
