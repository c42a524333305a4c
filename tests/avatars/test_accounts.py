import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from jobs.models import JobState
from tests.avatars.builders import make_job

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_sign_up_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "bea",
            "email": "bea@example.com",
            "password1": "a-Long-pass-phrase-7",
            "password2": "a-Long-pass-phrase-7",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("avatars:create")
    assert get_user_model().objects.get(username="bea").email == "bea@example.com"
    assert client.get(reverse("avatars:create")).status_code == 200


def test_sign_up_errors_are_shown_next_to_their_fields(client):
    response = client.post(
        reverse("signup"), {"username": "bea", "email": "not-an-address", "password1": "x", "password2": "y"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="id_email_errors">\s*<li>Enter a valid email address', html)
    assert 'id="id_password2_errors"' in html
    assert not get_user_model().objects.filter(username="bea").exists()


def test_login_goes_to_the_gallery_and_logout_needs_post(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").url == reverse("avatars:gallery")

    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("avatars:gallery")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]

    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "a-Brand-new-phrase-9", "new_password2": "a-Brand-new-phrase-9"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    assert client.login(username="alice", password="a-Brand-new-phrase-9")


def test_a_used_reset_link_says_it_no_longer_works(client):
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"}))

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


@pytest.mark.parametrize(
    "name, method",
    [
        ("avatars:create", "get"),
        ("avatars:gallery", "get"),
        ("avatars:job", "get"),
        ("avatars:job-status", "get"),
        ("avatars:job-cancel", "post"),
        ("avatars:job-delete", "get"),
        ("avatars:job-delete", "post"),
        ("password_change", "get"),
    ],
)
def test_pages_that_need_an_account_redirect_anonymous_visitors_to_login(client, user, name, method):
    job = make_job(user, JobState.IN_QUEUE)
    url = reverse(name, kwargs={"job_id": job.id}) if name.startswith("avatars:job") else reverse(name)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    job.refresh_from_db()
    assert job.state == JobState.IN_QUEUE
