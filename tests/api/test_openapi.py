"""schemathesis over the whole OpenAPI document, against the app over real HTTP.

Every operation in /api/schema/ (so every endpoint added later too) gets generated valid
and invalid requests, as a user with credits, jobs in every state and a token. Each answer
must be no 5xx, a status code the operation documents, a documented content type, and a
body that matches its documented schema.

schemathesis runs as its command line (`schemathesis run`), the interface it documents;
its pytest plugin's lazy-fixture loader does not work with pytest 9.2 (it sets
`Node._nodeid`, which pytest no longer has).
"""

import subprocess
import sys
import time

import pytest
from rest_framework.authtoken.models import Token

from jobs.models import JobState
from tests.avatars.builders import completed_job, make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]


@pytest.fixture
def api_token(fal_engine):
    """A user with credits, a job in every state and a token (the local engine is up, so
    submits and uploads work; fal_engine also gives the stored video its own media folder)."""
    user = make_user("schemathesis")
    for state in (JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT):
        make_job(user, state)
    completed_job(user)
    return Token.objects.create(user=user).key


def test_every_operation_answers_as_documented(live_server, api_token, client, tmp_path):
    document = client.get("/api/schema/", {"format": "json"}).json()
    operations = sum(len(item) for item in document["paths"].values())
    command = [
        *SCHEMATHESIS, "run", f"{live_server.url}/api/schema/?format=json",
        "--header", f"Authorization: Token {api_token}",
        "--checks", ",".join(CHECKS),
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", "15",
        # The same requests every run, one at a time (the test server answers in threads,
        # but a failure should reproduce).
        "--generation-deterministic", "--workers", "1",
        "--request-timeout", "30", "--no-color",
    ]
    started = time.monotonic()
    # Run in a scratch folder: schemathesis keeps a cache folder where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)

    report = f"schemathesis ({time.monotonic() - started:.0f} s):\n{run.stdout}\n{run.stderr}"
    assert run.returncode == 0, report
    assert f"Tested: {operations}\n" in run.stdout, report
