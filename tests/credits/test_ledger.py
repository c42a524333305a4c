"""Credits are held when a job is created and settled exactly once when it ends: the video
it produced is paid for, everything else comes back, whatever webhooks and pollers do."""

import json
import math
import threading
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from credits import services as credits
from credits.models import CreditAccount, LedgerEntry
from engine.webhooks import signed_headers
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.services import lifecycle
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav
from tests.jobs.test_pipeline import finished_job, submit, submitted_to_fal, submitted_without_worker

pytestmark = pytest.mark.django_db(transaction=True)
PRO = MODELS["kling-avatar-pro"]


def balance_of(user):
    return CreditAccount.objects.get(user=user).balance


def assert_ledger_balances(user):
    """The balance row equals the sum of what the entries did to it, and no job still holds credits."""
    effects = sum(entry.balance_change for entry in LedgerEntry.objects.filter(user=user))
    assert effects == balance_of(user)
    for job in Job.objects.filter(
        user=user, state__in=[JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT]
    ):
        moved = dict(job.ledger_entries.values("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
        returned = moved.get("release", 0) + moved.get("lower", 0)  # lower: a script job's hold, lowered early
        assert moved.get("capture", 0) + returned == moved["reserve"], (job.state, moved)


def entries_of(job):
    return dict(job.ledger_entries.values_list("kind", "amount"))


def test_new_account_starts_with_the_grant(user, settings):
    assert credits.account_for(user).balance == settings.STARTING_CREDITS
    assert LedgerEntry.objects.get(user=user).kind == LedgerEntry.Kind.GRANT


def test_completed_job_pays_for_its_video_and_gets_the_rest_back(api_client, user, fal_engine, task_worker, settings):
    start = credits.account_for(user).balance

    job = finished_job(submit(api_client, seconds=2.0)["job_id"])

    held = PRO.estimate_credits(2.0)
    charged = min(math.ceil(job.video_duration * settings.KLING_PRO_CREDITS_PER_SECOND), held)
    assert job.state == JobState.COMPLETED
    assert entries_of(job)["reserve"] == held == math.ceil(2.0 * 115)
    assert entries_of(job)["capture"] == charged
    assert entries_of(job).get("release", 0) == held - charged
    assert balance_of(user) == start - charged
    assert_ledger_balances(user)


def test_failed_job_costs_nothing(api_client, user, fal_engine, task_worker):
    start = credits.account_for(user).balance
    fal_engine.faults.fail_next_requests(1)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.FAILED
    assert "capture" not in entries_of(job)
    assert balance_of(user) == start
    assert_ledger_balances(user)


def test_cancelled_and_timed_out_jobs_cost_nothing_and_a_retry_holds_again(
    api_client, user, fal_engine, task_worker, settings
):
    start = credits.account_for(user).balance
    fal_engine.faults.set_timing(processing_seconds=30)
    cancelled = submit(api_client)
    api_client.post("/api/generate/kling-avatar/cancel", {"job_id": cancelled["job_id"]}, format="json")
    settings.JOB_BUDGET_SECONDS = 1.5
    timed_out = finished_job(submit(api_client)["job_id"])

    assert Job.objects.get(pk=cancelled["job_id"]).state == JobState.CANCELLED
    assert timed_out.state == JobState.TIMED_OUT
    assert balance_of(user) == start

    retry = lifecycle.retry_job(timed_out.id)

    assert entries_of(retry)["reserve"] == entries_of(timed_out)["reserve"]
    assert balance_of(user) == start - entries_of(retry)["reserve"]
    assert_ledger_balances(user)


@pytest.mark.parametrize("cancel_after", [0.3, 0.7, 1.2])
def test_duplicate_webhooks_a_poller_and_a_cancel_racing_settle_once(
    api_client, client, user, fal_engine, task_worker, cancel_after
):
    fal_engine.faults.duplicate_next_webhooks(1, times=5)
    answer = submitted_to_fal(api_client)
    job_id = answer["job_id"]
    cancel = threading.Timer(cancel_after, lambda: lifecycle.cancel_job(job_id, by="racer"))
    cancel.start()

    job = finished_job(job_id)
    cancel.join()
    wait_for(
        lambda: fal_engine.stats()["requests"][answer["request_id"]]["completed_at"], message="the engine to finish"
    )

    late_and_forged_deliveries(client, job, answer["request_id"])

    kinds = list(job.ledger_entries.values_list("kind", flat=True))
    assert sorted(kinds) in (["capture", "reserve"], ["capture", "release", "reserve"], ["release", "reserve"])
    if job.state == JobState.COMPLETED:
        assert "capture" in kinds
    else:
        assert kinds.count("release") == 1 and "capture" not in kinds
    assert_ledger_balances(user)


def late_and_forged_deliveries(client, job, request_id):
    """After the job ended: a genuine but late delivery (signed anew) and a forged one."""
    body = json.dumps(
        {"error": None, "payload": None, "request_id": request_id, "status": "ERROR"}, sort_keys=True
    ).encode()
    late = signed_headers(request_id, body, timestamp=int(time.time()) + 1)
    forged = {**late, "X-Fal-Webhook-Signature": Ed25519PrivateKey.generate().sign(b"forged").hex()}
    for headers, expected in ((late, 200), (forged, 401)):
        meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
        assert (
            client.post(f"/webhooks/fal/{job.id}/", data=body, content_type="application/json", **meta).status_code
            == expected
        )


def test_fifty_concurrent_submits_against_credit_for_ten_accept_exactly_ten(user, fal_engine, live_server, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 100
    fal_engine.faults.set_timing(processing_seconds=60)  # nothing finishes (and settles) during the burst
    price = PRO.estimate_credits(2.0)
    account = credits.account_for(user)
    CreditAccount.objects.filter(pk=account.pk).update(balance=10 * price)
    token = Token.objects.create(user=user).key
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")}
    answers = []
    # The test server's listen backlog is Python's default of 5: more connections opening at
    # the same instant are reset by the kernel. Five in flight at a time still race.
    in_flight = threading.Semaphore(5)

    def submit_once():
        with in_flight:
            response = httpx.post(
                f"{live_server.url}/api/generate/kling-avatar/submit",
                json=body,
                headers={"Authorization": f"Token {token}"},
                timeout=120,
            )
        answers.append(response)

    threads = [threading.Thread(target=submit_once) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(response.status_code for response in answers)
    assert codes.count(201) == 10 and codes.count(402) == 40, codes
    refused = next(response.json() for response in answers if response.status_code == 402)
    assert refused["code"] == "insufficient_credits" and refused["price"] == price and refused["balance"] < price
    assert balance_of(user) == 0
    assert Job.objects.count() == 10
    assert LedgerEntry.objects.filter(kind="reserve").count() == 10


def test_one_users_concurrent_v1_submits_stop_at_the_active_limit_and_hold_once_each(user, live_server, settings):
    """Each submit takes the user's and the account's row locks only at its end: the requests
    still take turns for the last place and the last credits (real concurrency on PostgreSQL,
    where the live server's threads each hold a connection)."""
    settings.MAX_ACTIVE_JOBS_PER_USER = 4
    price = PRO.estimate_credits(2.0)
    credits.adjust(
        user, 6 * price - credits.account_for(user).balance, by=None, note="more than the limit lets through"
    )
    token = Token.objects.create(user=user).key
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")}
    answers = []
    in_flight = threading.Semaphore(5)  # the test server's listen backlog (see above)

    def submit_once():
        with in_flight:
            answers.append(
                httpx.post(
                    f"{live_server.url}/api/v1/jobs",
                    json=body,
                    headers={"Authorization": f"Token {token}"},
                    timeout=120,
                )
            )

    threads = [threading.Thread(target=submit_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(response.status_code for response in answers)
    assert codes.count(201) == 4 and codes.count(429) == 16, codes
    assert all(response.json()["cost"]["credits_held"] == price for response in answers if response.status_code == 201)
    assert balance_of(user) == 2 * price
    assert LedgerEntry.objects.filter(kind="reserve").count() == Job.objects.count() == 4
    assert_ledger_balances(user)


def test_deleting_a_job_whose_video_is_being_stored_gives_the_credits_back(api_client, user, fal_engine):
    from jobs.services import fal_requests

    start = credits.account_for(user).balance
    fal_engine.faults.set_timing(processing_seconds=0.2)
    answer = submitted_without_worker(api_client)  # nothing ingests
    fal_engine.wait_until_completed(fal_engine.get(answer["request_id"]), timeout=20)
    fal_requests.note_fal_finished(answer["job_id"], source="test")

    lifecycle.delete_job(answer["job_id"])

    assert not Job.objects.filter(pk=answer["job_id"]).exists()
    assert balance_of(user) == start
    assert_ledger_balances(user)
