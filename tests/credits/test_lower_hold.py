"""A hold may be lowered once before its job ends (a script job's, once its speech is
measured): the difference comes back at once, and the settlement works from what is left."""

import pytest
from django.db import IntegrityError

from credits import services as credits
from credits.models import CreditAccount, LedgerEntry
from jobs.models import Job

pytestmark = pytest.mark.django_db


def held_job(user, amount):
    job = Job.objects.create(user=user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar")
    credits.reserve_for_job(job, amount)
    return job


def balance(user):
    return CreditAccount.objects.get(user=user).balance


def test_a_hold_is_lowered_once_and_settled_from_what_is_left(user):
    job = held_job(user, 1000)
    start = balance(user)

    assert credits.lower_hold(job, 600, note="speech measured: 5.0 s") == 400
    assert credits.lower_hold(job, 300, note="again") == 0  # once only
    credits.settle_job(job, charge=550, note="4.78 s of video")

    assert balance(user) == start + 400 + 50
    assert dict(LedgerEntry.objects.filter(job=job).values_list("kind", "amount")) == {
        "reserve": 1000,
        "lower": 400,
        "capture": 550,
        "release": 50,
    }
    assert credits.held_for(job) == 600


def test_a_hold_is_never_raised_and_a_charge_never_passes_it(user):
    job = held_job(user, 500)

    assert credits.lower_hold(job, 800, note="longer than held") == 0
    credits.settle_job(job, charge=900, note="more than held")

    assert dict(LedgerEntry.objects.filter(job=job).values_list("kind", "amount")) == {"reserve": 500, "capture": 500}


def test_the_database_refuses_a_second_lowering(user):
    job = held_job(user, 1000)
    credits.lower_hold(job, 600, note="first")

    with pytest.raises(IntegrityError):
        LedgerEntry.objects.create(user=user, job=job, kind=LedgerEntry.Kind.LOWER, amount=100)
