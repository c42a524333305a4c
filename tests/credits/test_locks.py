"""Row locks never make two money transactions wait for each other in a circle."""

import threading
import time

import pytest
from django.db import transaction

from credits import services as credits
from jobs.models import Job
from jobs.registry import MODELS
from jobs.services import admission

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_submit_holding_its_admission_lock_and_a_settlement_for_the_same_user_both_finish(user):
    credits.account_for(user)
    errors = []

    def settle_something():  # locks the account, then writes a ledger entry pointing at the user
        try:
            credits.adjust(user, 1, by=None, note="a settlement meanwhile")
        except Exception as exc:
            errors.append(exc)

    settlement = threading.Thread(target=settle_something)
    try:
        with transaction.atomic():
            admission.refuse_if_too_many_active(user)  # the submit's lock on the user
            settlement.start()
            time.sleep(0.5)  # the settlement now holds the account (PostgreSQL) or waits to begin (SQLite)
            job = Job(user=user, endpoint_id=MODELS["kling-avatar-pro"].endpoint_id)
            credits.reserve_for_job(job, 10)
            job.save()
    except Exception as exc:
        errors.append(exc)
    settlement.join(timeout=30)

    assert errors == []
    assert not settlement.is_alive()
