"""Small builders for the outbox tests: endpoints through the API, events through the job
state machine (the real signal path), a batch as the batches app will hand it over."""

import uuid
from dataclasses import dataclass, field

from jobs.models import JobState
from jobs.state import transition
from tests.avatars.builders import make_job

ENDPOINTS = "/api/v1/webhook-endpoints/"


def register_endpoint(api_client, receiver, **fields):
    """Register `receiver` through the API and give it the secret, as its owner would."""
    response = api_client.post(ENDPOINTS, {"url": receiver.url, **fields}, format="json")
    assert response.status_code == 201, response.content
    receiver.secret = response.json()["secret"]
    return response.json()


def queued_job(user):
    """A job that just entered fal's queue (a job.queued event, committed)."""
    job = make_job(user)
    job, moved = transition(job.id, JobState.IN_QUEUE, message="Queued at fal (test).")
    assert moved
    return job


@dataclass
class StandInBatch:
    """What batches.signals.batch_completed hands its receivers."""

    user: object
    webhook_url: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def summary(self):
        return {"id": str(self.id), "status": "completed", "totals": {"completed": 4, "failed": 1}}
