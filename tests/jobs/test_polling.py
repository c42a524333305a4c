"""Status checks are rows, not task chains: a worker polls what is due, a check that learns
nothing writes only its claim, and a worker dying mid-check loses nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import Job, JobEvent, JobState
from jobs.services import tracking
from tests.conftest import wait_for
from tests.jobs.test_pipeline import submitted_without_worker

pytestmark = pytest.mark.django_db(transaction=True)


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_status_check_that_learns_nothing_writes_only_its_claim(api_client, fal_engine, settings):
    fal_engine.faults.set_timing(processing_seconds=3600)  # no progress lines for minutes
    settings.JOB_EXPECTED_SECONDS = 3600  # and the schedule knows it: the next check is well ahead
    job_id = submitted_without_worker(api_client)["job_id"]

    def checked_until_generating():
        tracking.poll_soon(job_id)
        tracking.poll_due_jobs()
        job = Job.objects.get(pk=job_id)
        return job.state == JobState.IN_PROGRESS and any("Generating" in line["message"] for line in job.logs)

    wait_for(checked_until_generating, message="the model's first log lines")
    events = JobEvent.objects.filter(job_id=job_id).count()

    tracking.poll_soon(job_id)
    with CaptureQueriesContext(connection) as queries:
        assert tracking.poll_due_jobs() == 1

    # Of the job tables (the shared cache, where the fleet's webhook health is kept, aside):
    job_queries = [q for q in queries.captured_queries if '"jobs_' in q["sql"]]
    assert len(writes(job_queries)) == 1  # the claim, which books the next check
    assert len(job_queries) == 2  # and the query that found the job due
    job = Job.objects.get(pk=job_id)
    assert JobEvent.objects.filter(job_id=job_id).count() == events
    assert job.next_poll_at > timezone.now()  # the next check is booked


def test_nothing_is_due_until_the_booked_time(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    Job.objects.filter(pk=job_id).update(next_poll_at=timezone.now() + timedelta(seconds=30))

    assert tracking.poll_due_jobs() == 0


def test_a_worker_dying_mid_check_leaves_the_job_due_at_the_booked_time(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    tracking.poll_soon(job_id)
    job = Job.objects.get(pk=job_id)
    booked = timezone.now() + timedelta(seconds=5)

    assert Job.objects.claim_poll(job, next_due=booked)  # ... and then the worker is killed

    assert not Job.objects.due_for_poll(timezone.now()).exists()
    assert list(Job.objects.due_for_poll(booked).values_list("id", flat=True)) == [job.id]


def test_two_workers_never_check_the_same_due_job_twice(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    tracking.poll_soon(job_id)
    seen_by_both = Job.objects.get(pk=job_id)

    first = Job.objects.claim_poll(seen_by_both, next_due=timezone.now() + timedelta(seconds=5))
    second = Job.objects.claim_poll(seen_by_both, next_due=timezone.now() + timedelta(seconds=5))

    assert (first, second) == (True, False)


def test_a_request_fal_no_longer_knows_fails_the_job_and_frees_its_slot_and_credits(api_client, user, fal_engine, settings):
    from credits import services as credits

    settings.JOB_BUDGET_SECONDS = 120  # a failed check is retried after 1.2 s
    fal_engine.faults.set_timing(processing_seconds=60)
    start = credits.account_for(user).balance
    job_id = submitted_without_worker(api_client)["job_id"]
    fal_engine.reset()  # the queue restarted and lost what it held

    def checked_until_finished():
        tracking.poll_soon(job_id)
        tracking.poll_due_jobs()
        return Job.objects.get(pk=job_id).is_finished

    wait_for(checked_until_finished, message="the job to end")
    job = Job.objects.get(pk=job_id)

    assert job.state == JobState.FAILED and job.error_type == "request_lost"
    assert job.events.filter(kind=JobEvent.Kind.POLL, data__status_code=404).count() == tracking.LOST_AFTER_NOT_FOUND
    assert not Job.objects.at_fal().filter(pk=job_id).exists()
    assert credits.account_for(user).balance == start


def test_one_not_found_answer_is_checked_again_not_trusted(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    fal_engine.faults.fail_next_calls("status", 404, count=1)

    tracking.poll_soon(job_id)
    tracking.poll_due_jobs()
    tracking.poll_soon(job_id)
    tracking.poll_due_jobs()

    assert not Job.objects.get(pk=job_id).is_finished


def test_log_lines_that_come_with_completion_are_kept(api_client, fal_engine, task_worker):
    from tests.jobs.test_pipeline import finished_job, submitted_to_fal

    answer = submitted_to_fal(api_client)  # finishes by webhook: polling stops before the last lines
    job = finished_job(answer["job_id"])

    engine_lines = [entry["message"] for entry in fal_engine.get(answer["request_id"]).logs]
    stored = [entry["message"] for entry in job.logs]
    assert job.state == JobState.COMPLETED
    assert stored[-1] == engine_lines[-1]
    assert stored[-len(engine_lines[-3:]):] == engine_lines[-3:]
    assert {entry["level"] for entry in job.logs} == {"INFO"}  # each line keeps its level
