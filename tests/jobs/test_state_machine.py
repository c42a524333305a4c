"""All state changes go through `transition`: illegal moves are refused, and concurrent
callers can't both finish a job."""

import threading

import pytest
from django.db import connection

from jobs.models import Job, JobEvent, JobState
from jobs.state import transition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job(user):
    return Job.objects.create(user=user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar")


def test_transition_stamps_the_time_and_logs_an_event(job):
    job, moved = transition(job.id, JobState.IN_QUEUE, message="Queued.")

    assert moved
    assert job.queued_at is not None
    event = job.events.get(kind=JobEvent.Kind.TRANSITION)
    assert (event.from_state, event.to_state) == ("pending", "in_queue")


def test_finished_job_never_moves_backwards(job):
    transition(job.id, JobState.COMPLETED)

    job, moved = transition(job.id, JobState.IN_PROGRESS)

    assert not moved
    assert job.state == JobState.COMPLETED
    assert job.events.filter(kind=JobEvent.Kind.TRANSITION).count() == 1


def test_in_progress_job_cannot_return_to_the_queue(job):
    transition(job.id, JobState.IN_PROGRESS)

    _, moved = transition(job.id, JobState.IN_QUEUE)

    assert not moved


def test_concurrent_finishers_only_one_wins(job):
    transition(job.id, JobState.IN_PROGRESS)
    barrier = threading.Barrier(4)
    outcomes = []

    def finish(state):
        barrier.wait()
        try:
            outcomes.append(transition(job.id, state)[1])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=finish, args=(state,))
        for state in (JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED, JobState.TIMED_OUT)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False, False, False, True]
    assert (
        job.events.filter(
            kind=JobEvent.Kind.TRANSITION, to_state__in=["completed", "cancelled", "failed", "timed_out"]
        ).count()
        == 1
    )


def test_events_are_append_only(job):
    event = JobEvent.objects.create(job=job, kind=JobEvent.Kind.NOTE, message="hello")
    event.message = "rewritten"

    with pytest.raises(ValueError):
        event.save()
