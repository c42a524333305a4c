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


def test_a_status_check_that_learns_nothing_writes_only_its_claim(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=3600)  # no progress lines for minutes
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

    assert len(writes(queries.captured_queries)) == 1  # the claim, which books the next check
    assert len(queries.captured_queries) == 2  # and the query that found the job due
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
