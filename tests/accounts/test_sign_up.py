"""Sign-up is bounded: per client address, by SIGNUP_MODE (open, invite, closed), and with
e-mail verification (on in remote mode) the starting credits wait for the e-mailed link."""

import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Invite
from credits import services as credits
from credits.models import LedgerEntry
from tests.limits.test_rate_limits import start_of_a_window
from tests.servers import PROJECT_DIR

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-phrase-7"


def sign_up(username, *, address="10.0.0.1", email=None, client=None, **extra):
    data = {
        "username": username,
        "email": email or f"{username}@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return (client or Client()).post("/accounts/signup/", data, REMOTE_ADDR=address)


def users_named(prefix):
    return list(get_user_model().objects.filter(username__startswith=prefix).values_list("username", flat=True))


def test_sign_ups_from_one_address_are_limited(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signup": "3/hour"}
    start_of_a_window(3600)

    answers = [sign_up(f"bot{n}", address="203.0.113.5") for n in range(5)]
    from_elsewhere = sign_up("bea", address="198.51.100.7")

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429, 429]
    assert int(answers[3]["Retry-After"]) > 0
    assert "Too many accounts were made from your network address" in answers[3].content.decode()
    assert sorted(users_named("bot")) == ["bot0", "bot1", "bot2"]
    assert from_elsewhere.status_code == 302


def test_open_sign_up_needs_no_invite(settings):
    settings.SIGNUP_MODE = "open"

    assert "invite_code" not in Client().get("/accounts/signup/").content.decode()
    assert sign_up("bea").status_code == 302
    assert users_named("bea") == ["bea"]


def test_closed_sign_up_makes_no_account(settings):
    settings.SIGNUP_MODE = "closed"

    page = Client().get("/accounts/signup/")
    posted = sign_up("bea")

    assert page.status_code == 403 and "Sign-ups are closed" in page.content.decode()
    assert posted.status_code == 403
    assert users_named("bea") == []


def test_invite_sign_up_needs_an_unused_code_and_uses_it_up(settings):
    settings.SIGNUP_MODE = "invite"
    invite = Invite.objects.create(note="for Bea")

    without = sign_up("bea")
    wrong = sign_up("bea", invite_code="not-a-code")
    right = sign_up("bea", invite_code=invite.code)
    again = sign_up("carl", invite_code=invite.code)

    assert without.status_code == wrong.status_code == 200
    assert "This invite code is not valid, or has been used." in wrong.content.decode()
    assert right.status_code == 302
    assert "This invite code is not valid, or has been used." in again.content.decode()
    invite.refresh_from_db()
    assert invite.used_by.username == "bea" and invite.used_at is not None
    assert users_named("bea") + users_named("carl") == ["bea"]


def test_an_invite_link_fills_in_the_code(settings):
    settings.SIGNUP_MODE = "invite"
    invite = Invite.objects.create()

    page = Client().get(f"/accounts/signup/?invite={invite.code}").content.decode()

    assert f'value="{invite.code}"' in page


def test_staff_make_invites_in_the_admin_and_see_their_sign_up_link(admin_client, admin_user):
    response = admin_client.post("/admin/accounts/invite/add/", {"note": "for Bea"})

    invite = Invite.objects.get()
    assert response.status_code == 302
    assert invite.created_by == admin_user and len(invite.code) >= 16
    assert (
        f"/accounts/signup/?invite={invite.code}"
        in admin_client.get(f"/admin/accounts/invite/{invite.pk}/change/").content.decode()
    )


def test_one_address_makes_one_account():
    assert sign_up("bea", email="bea@example.com").status_code == 302

    second = sign_up("bea2", email="BEA@example.com")

    assert second.status_code == 200
    assert "An account already uses this address" in second.content.decode()
    assert users_named("bea2") == []


def confirmation_link(mailbox):
    return re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", mailbox[-1].body).group(1)


def test_with_email_verification_the_starting_credits_wait_for_the_link(settings, mailoutbox):
    settings.SIGNUP_VERIFY_EMAIL = True
    settings.STARTING_CREDITS = 1000
    client = Client()

    signed_up = sign_up("bea", client=client)
    bea = get_user_model().objects.get(username="bea")
    before = credits.account_for(bea).balance
    opened = Client().get(confirmation_link(mailoutbox))  # from the mail, perhaps on another device
    opened_again = Client().get(confirmation_link(mailoutbox))

    assert signed_up.status_code == 302
    assert (
        "open it to confirm the address and receive your 1000 starting credits"
        in client.get(signed_up["Location"]).content.decode()
    )
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["bea@example.com"]
    assert before == 0
    assert "1000 starting credits were added" in opened.content.decode()
    assert "nothing more to give" in opened_again.content.decode()
    assert credits.account_for(bea).balance == 1000
    assert LedgerEntry.objects.filter(user=bea, kind=LedgerEntry.Kind.GRANT).count() == 1


def test_a_confirmation_link_works_only_as_sent_and_only_for_its_address(settings, mailoutbox):
    settings.SIGNUP_VERIFY_EMAIL = True
    sign_up("bea")
    bea = get_user_model().objects.get(username="bea")
    link = confirmation_link(mailoutbox)

    tampered = Client().get(link[:-3] + "xx/")
    bea.email = "someone-else@example.com"
    bea.save()
    for_the_old_address = Client().get(link)

    for answer in (tampered, for_the_old_address):
        assert "This link no longer works" in answer.content.decode()
    assert credits.account_for(bea).balance == 0


def test_without_email_verification_the_credits_come_with_the_account_and_no_mail(settings, mailoutbox):
    settings.SIGNUP_VERIFY_EMAIL = False

    sign_up("bea")

    assert credits.account_for(get_user_model().objects.get(username="bea")).balance == settings.STARTING_CREDITS
    assert mailoutbox == []


@pytest.mark.parametrize("mode, expected", [("local", "20000 False"), ("remote", "1000 True")])
def test_remote_mode_verifies_email_and_starts_small_by_default(mode, expected):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "STARTING_CREDITS", "SIGNUP_"))}
    environment.update(
        {"FAL_MODE": mode, "FAL_KEY": "00000000-0000-0000-0000-000000000000:0123456789abcdef0123456789abcdef"}
        if mode == "remote"
        else {"FAL_MODE": mode}
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STARTING_CREDITS, settings.SIGNUP_VERIFY_EMAIL)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == expected, result.stderr


def test_a_lost_confirmation_mail_can_be_sent_again_from_the_credits_page(settings, mailoutbox):
    settings.SIGNUP_VERIFY_EMAIL = True
    client = Client()
    sign_up("bea", client=client)
    mailoutbox.clear()  # lost

    pending = client.get("/credits/").content.decode()
    sent = client.post("/accounts/verify/again/")
    Client().get(confirmation_link(mailoutbox))

    assert "Send the link again" in pending
    assert sent.status_code == 302 and len(mailoutbox) == 1
    assert "Send the link again" not in client.get("/credits/").content.decode()
    assert credits.account_for(get_user_model().objects.get(username="bea")).balance == settings.STARTING_CREDITS
