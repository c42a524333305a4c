"""Status checks are rows, not task chains: a worker polls what is due, a check that learns
nothing writes only its claim, and a worker dying mid-check loses nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs import fal
from jobs.models import Job, JobEvent, JobState
from jobs.registry import MODELS
from jobs.services import tracking
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.jobs.test_pipeline import submitted_without_worker

pytestmark = pytest.mark.django_db(transaction=True)


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def statements(queries):
    """The queries, without the transaction's BEGIN and COMMIT (SQLite's show in the capture)."""
    return [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]


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
    due_at = Job.objects.get(pk=job_id).next_poll_at
    with CaptureQueriesContext(connection) as queries:
        assert tracking.poll_due_jobs() == 1

    # Of the job tables (the shared cache, where the fleet's webhook health is kept, aside):
    job_queries = [q for q in queries.captured_queries if '"jobs_' in q["sql"] or "jobs_job" in q["sql"]]
    assert len(writes(job_queries)) == 1  # the claim, which books the next check
    assert len(statements(job_queries)) == 2  # and the query that found the job due
    job = Job.objects.get(pk=job_id)
    assert JobEvent.objects.filter(job_id=job_id).count() == events
    assert job.next_poll_at > due_at  # the next check is booked (a moment later: the engine's run is short)


def test_nothing_is_due_until_the_booked_time(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    Job.objects.filter(pk=job_id).update(next_poll_at=timezone.now() + timedelta(seconds=30))

    assert tracking.poll_due_jobs() == 0


def claim_due(now=None, limit=50):
    """What one worker's round claims (the next check booked 5 s ahead)."""
    booked = timezone.now() + timedelta(seconds=5)
    jobs = Job.objects.claim_due_polls(
        now or timezone.now(), fal_origin=fal.storage_origin(), limit=limit, next_due=lambda job: booked
    )
    return [job.id for job in jobs], booked


def test_a_worker_dying_mid_check_leaves_the_job_due_at_the_booked_time(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    tracking.poll_soon(job_id)

    claimed, booked = claim_due()  # ... and then the worker is killed

    assert [str(job_id) for job_id in claimed] == [job_id]
    assert not Job.objects.due_for_poll(timezone.now()).exists()
    assert [str(job_id) for job_id in Job.objects.due_for_poll(booked).values_list("id", flat=True)] == [job_id]


def test_a_due_job_is_claimed_once(api_client, fal_engine):
    fal_engine.faults.set_timing(processing_seconds=60)
    job_id = submitted_without_worker(api_client)["job_id"]
    tracking.poll_soon(job_id)

    first, _ = claim_due()
    second, _ = claim_due()

    assert ([str(job_id) for job_id in first], second) == ([job_id], [])
    assert Job.objects.get(pk=job_id).status_polls == 1


def test_the_claim_takes_exactly_the_jobs_due_for_a_check_oldest_first(user):
    now = timezone.now()
    origin = fal.storage_origin()

    def job(**fields):
        fields = {"state": JobState.IN_QUEUE, "request_id": f"r-{Job.objects.count()}", "next_poll_at": now, **fields}
        return Job.objects.create(user=user, endpoint_id="fal-ai/kling-video/ai-avatar/v2/pro", **fields).id

    due = [
        job(next_poll_at=now - timedelta(seconds=3)),
        job(fal_origin=origin),
        job(state=JobState.IN_PROGRESS, next_poll_at=now - timedelta(seconds=1)),
    ]
    job(next_poll_at=now + timedelta(seconds=1))  # not yet
    job(next_poll_at=None)  # nothing booked
    job(state=JobState.COMPLETED)
    job(fal_finished_at=now)  # fal ended it: the ingest's turn
    job(request_id="")  # not at fal yet
    job(fal_origin="local:http://another-engine")
    expected = list(Job.objects.due_for_poll(now).sent_to(origin).values_list("id", flat=True))

    claimed, _ = claim_due(now)

    assert claimed == expected == [due[0], due[2], due[1]]


def test_a_claim_takes_at_most_its_batch(user):
    now = timezone.now()
    Job.objects.bulk_create(
        Job(
            user=user,
            endpoint_id="fal-ai/kling-video/ai-avatar/v2/pro",
            state=JobState.IN_QUEUE,
            request_id=f"r-{index}",
            next_poll_at=now - timedelta(seconds=index),
        )
        for index in range(5)
    )

    first, _ = claim_due(now, limit=3)
    second, _ = claim_due(now, limit=3)

    assert (len(first), len(second), len(set(first) | set(second))) == (3, 2, 5)


def requests_at_fal(count):
    """`count` requests submitted to the engine: the first runs for an hour, the rest wait."""
    model = MODELS["kling-avatar-pro"]
    arguments = model.build_input(
        image_url=fal.upload(portrait_png(), "image/png", "face.png"),
        audio_url=fal.upload(speech_wav(), "audio/wav", "voice.wav"),
    )
    return model.endpoint_id, [fal.submit(model.endpoint_id, arguments, webhook_url=None) for _ in range(count)]


def test_workers_racing_for_due_checks_never_check_a_job_twice(user, fal_engine, settings):
    settings.JOB_EXPECTED_SECONDS = 3600  # each job's next check is booked minutes away
    fal_engine.faults.set_timing(processing_seconds=3600)
    endpoint_id, request_ids = requests_at_fal(60)
    now = timezone.now()
    Job.objects.bulk_create(
        Job(
            user=user,
            endpoint_id=endpoint_id,
            state=JobState.IN_QUEUE,
            request_id=request_id,
            submit_started_at=now,
            next_poll_at=now,
        )
        for request_id in request_ids
    )
    start = threading.Barrier(2)
    checked = [0, 0]

    def worker(index):
        reader = fal.StatusReader()
        try:
            start.wait(timeout=30)
            while found := tracking.poll_due_jobs(limit=7, reader=reader):  # small batches: many rounds of racing
                checked[index] += found
        finally:
            reader.close()
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(checked) == 60
    assert [fal_engine.get(request_id).status_calls for request_id in request_ids] == [1] * 60  # counted at the engine
    assert set(Job.objects.values_list("status_polls", flat=True)) == {1}
    assert not Job.objects.due_for_poll(timezone.now()).exists()


def test_a_request_fal_no_longer_knows_fails_the_job_and_frees_its_slot_and_credits(
    api_client, user, fal_engine, settings
):
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
    assert stored[-len(engine_lines[-3:]) :] == engine_lines[-3:]
    assert {entry["level"] for entry in job.logs} == {"INFO"}  # each line keeps its level
