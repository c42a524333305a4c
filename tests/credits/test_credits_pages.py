"""People see their money: the credits page, /api/me, refusals that name the balance and the
price, and staff adjustments recorded with who and why."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credits import services as credits
from credits.models import CreditAccount, LedgerEntry
from jobs.models import Job
from jobs.registry import DEFAULT_MODEL_KEY, MODELS
from tests.avatars.builders import make_job
from tests.factories import data_uri, make_user, portrait_png, speech_wav

pytestmark = pytest.mark.django_db


def with_balance(user, balance):
    CreditAccount.objects.filter(pk=credits.account_for(user).pk).update(balance=balance)


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_api_refuses_a_job_the_balance_cannot_cover_with_402_and_creates_nothing(api_client, user):
    with_balance(user, 100)
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(3.0), "audio/wav")}

    response = api_client.post("/api/generate/kling-avatar/submit", body, format="json")

    assert response.status_code == 402
    assert response.json() == {
        "detail": "This job costs 345 credits and your balance is 100 credits.",
        "code": "insufficient_credits",
        "balance": 100,
        "price": 345,
    }
    assert not Job.objects.exists()
    assert credits.account_for(user).balance == 100


def test_create_form_names_the_balance_and_the_price_and_creates_nothing(client, user):
    with_balance(user, 100)
    client.force_login(user)

    response = client.post(
        "/create/",
        {
            "image": SimpleUploadedFile("face.png", portrait_png(), "image/png"),
            "audio": SimpleUploadedFile("voice.wav", speech_wav(3.0), "audio/wav"),
            "model": DEFAULT_MODEL_KEY,
        },
    )

    assert response.status_code == 200
    assert "This job costs 345 credits and your balance is 100 credits." in text_of(response)
    assert not Job.objects.exists()


def test_create_form_shows_the_balance_before_submitting(client, user):
    client.force_login(user)

    response = client.get("/create/")

    assert f"Your balance: {credits.account_for(user).balance} credits" in text_of(response)
    assert (
        '<script id="model-credit-prices" type="application/json">{"kling-avatar-v2-pro": 115, '
        '"kling-avatar-v2-standard": 57, "omnihuman-v1.5": 160, "kling-avatar-pro": 115, "kling-avatar-standard": 56}'
        "</script>"
    ) in response.content.decode()


def test_me_shows_the_balance_and_the_limits(api_client, user, settings):
    body = api_client.get("/api/me").json()

    assert body["balance"] == settings.STARTING_CREDITS
    assert body["limits"]["max_active_jobs"] == settings.MAX_ACTIVE_JOBS_PER_USER


def test_credits_page_lists_the_owners_entries_with_job_links_named_by_title(client, user, other_user):
    job = make_job(user, title="Launch video", prompt="Cheerful")
    credits.reserve_for_job(job, 345)
    credits.reserve_for_job(make_job(other_user, title="Mallory's secret"), 10)
    client.force_login(user)

    response = client.get("/credits/")
    text = text_of(response)

    assert response.status_code == 200
    assert f"Balance: {credits.account_for(user).balance} credits" in text
    balance = credits.account_for(user).balance
    # What it was for, the amount, and the balance once it was written (a running balance).
    assert f"Held while the video is made · Launch video Credits -345 Balance {balance}" in text
    assert "Credits granted Welcome credits" in text and f"Balance {balance + 345}" in text
    assert f'<a href="/videos/{job.id}/">Launch video</a>' in response.content.decode()
    assert "Mallory's secret" not in text


def test_credits_page_needs_an_account(client):
    assert client.get("/credits/").status_code == 302


def test_staff_adjustment_in_the_admin_records_who_and_why(client, user):
    staff = make_user("auditor", is_staff=True, is_superuser=True)
    account = credits.account_for(user)
    client.force_login(staff)

    response = client.post(
        f"/admin/credits/creditaccount/{account.pk}/change/", {"adjustment": "500", "reason": "Apology for an outage"}
    )

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.ADJUST)
    assert (entry.user, entry.amount, entry.created_by, entry.note) == (user, 500, staff, "Apology for an outage")
    assert credits.account_for(user).balance == account.balance + 500


def test_staff_adjustment_needs_a_reason_and_never_makes_a_balance_negative(client, user):
    client.force_login(make_user("auditor", is_staff=True, is_superuser=True))
    account = credits.account_for(user)
    url = f"/admin/credits/creditaccount/{account.pk}/change/"

    no_reason = client.post(url, {"adjustment": "500", "reason": ""})
    too_much = client.post(url, {"adjustment": str(-account.balance - 1), "reason": "Clawback"}, follow=True)

    assert "Say why, for the ledger." in no_reason.content.decode()
    assert "below zero" in too_much.content.decode()
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUST).exists()


def test_prices_are_whole_credits_rounded_up():
    assert MODELS["kling-avatar-pro"].estimate_credits(3.0) == 345
    assert MODELS["kling-avatar-pro"].estimate_credits(3.001) == 346
    assert MODELS["kling-avatar-standard"].credits_for(0.1) == 6
