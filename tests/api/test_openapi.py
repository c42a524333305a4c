"""schemathesis over the whole OpenAPI document, against the app over real HTTP.

Every operation in /api/schema/ (so every endpoint added later too) gets generated valid
and invalid requests, as a user with credits, jobs in every state, batches, files, tokens
and webhook endpoints, whose ids it sends half the time. Each answer must be no 5xx, a
status code the operation documents, a documented content type, and a body that matches
its documented schema.

schemathesis runs as its command line (`schemathesis run`), the interface it documents;
its pytest plugin's lazy-fixture loader does not work with pytest 9.2 (it sets
`Node._nodeid`, which pytest no longer has).
"""

import ipaddress
import json
import socket
import subprocess
import sys
import time

import pytest
from rest_framework.authtoken.models import Token

from api.models import ApiToken
from batches.models import Batch
from jobs.models import Asset, JobState
from outbox.models import Delivery, EventType, Message, WebhookEndpoint
from tests.api.builders import finished_batch
from tests.avatars.builders import completed_job, make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]


@pytest.fixture
def internet_names_unknown(monkeypatch):
    """Webhook and input URLs name hosts on the internet, which a test can't reach (a lookup
    may wait seconds for a DNS server that isn't there): every name but the test server's
    own is unknown at once, as it would be without a network."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host in ("localhost", None) or _is_address(host):
            return resolve(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _is_address(host):
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
        return True
    except ValueError:
        return False


@pytest.fixture
def api_user(fal_engine, internet_names_unknown):
    """A user with credits, jobs in every state, batches running and finished (with videos),
    uploaded files, API tokens and webhook endpoints with a delivery (the local engine is
    up, so submits and uploads work; fal_engine also gives stored videos a media folder).

    `objects` are ids schemathesis sends half the time to each collection's operations (so an
    operation on one object answers with it as often as with a 404), `spares` the ones its
    DELETEs get, so the others outlive them."""
    user = make_user("schemathesis")
    jobs = {
        state: make_job(user, state).pk
        for state in (
            JobState.PENDING,
            JobState.IN_QUEUE,
            JobState.IN_PROGRESS,
            JobState.FAILED,
            JobState.CANCELLED,
            JobState.TIMED_OUT,
        )
    }
    completed = completed_job(user)
    running = finished_batch(user, (JobState.COMPLETED, JobState.IN_PROGRESS))
    Batch.objects.filter(pk=running.pk).update(finished_at=None)
    finished = finished_batch(user)
    files = [
        Asset.objects.create(
            user=user,
            kind="image",
            sha256=str(n) * 64,
            content_type="image/png",
            size=2048,
            fal_url=f"https://v3.fal.media/files/rabbit/{n}.png",
        ).pk
        for n in range(2)
    ]
    tokens = [ApiToken.issue(user, name)[0].pk for name in ("ci", "laptop")]
    endpoints = [WebhookEndpoint.objects.create(user=user, url=f"https://hooks.example.com/{n}").pk for n in range(2)]
    message = Message.objects.create(
        user=user, type=EventType.BATCH_COMPLETED, payload={"type": "batch.completed", "data": {}}
    )
    Delivery.objects.create(message=message, endpoint_id=endpoints[0], url="https://hooks.example.com/0")
    user.objects = {
        "jobs": [completed.pk, jobs[JobState.PENDING]],
        "batches": [finished.pk, running.pk],
        "files": files[:1],
        "tokens": tokens[:1],
        "webhook-endpoints": endpoints[:1],
    }
    user.spares = {
        "jobs": [jobs[JobState.FAILED]],
        "files": files[1:],
        "tokens": tokens[1:],
        "webhook-endpoints": endpoints[1:],
    }
    user.message_ids = [message.pk]
    return user


def schemathesis_config(user):
    """schemathesis.toml: dictionaries of the user's ids, each bound to the `id` of one
    collection's operations (its DELETEs get the spares). For an operation, the first
    [[operations]] entry that matches decides."""

    def dictionary(name, values):
        return f"[dictionaries.{name}]\nvalues = {json.dumps([str(value) for value in values])}\n"

    def operations(match, **bound):
        parameters = ", ".join(
            f'"{parameter}" = {{ dictionary = "{name}", probability = 0.5 }}' for parameter, name in bound.items()
        )
        return f"[[operations]]\n{match}\nparameters = {{ {parameters} }}\n"

    parts = [dictionary(collection, ids) for collection, ids in user.objects.items()]
    parts += [dictionary(f"spare-{collection}", ids) for collection, ids in user.spares.items()]
    parts.append(dictionary("messages", user.message_ids))
    parts += [
        operations(
            f'include-method = "DELETE"\ninclude-path-regex = "^/api/v1/{collection}/"',
            **{"path.id": f"spare-{collection}"},
        )
        for collection in user.spares
    ]
    parts.append(
        operations(
            'include-path-regex = "/redeliver$"', **{"path.id": "webhook-endpoints", "body.message_id": "messages"}
        )
    )
    parts += [
        operations(f'include-path-regex = "^/api/v1/{collection}/"', **{"path.id": collection})
        for collection in user.objects
    ]
    return "\n".join(parts)


def test_every_operation_answers_as_documented(live_server, api_user, client, tmp_path):
    document = client.get("/api/schema/", {"format": "json"}).json()
    operations = sum(len(item) for item in document["paths"].values())
    (tmp_path / "schemathesis.toml").write_text(schemathesis_config(api_user))
    token = Token.objects.create(user=api_user).key
    command = [
        *SCHEMATHESIS,
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {token}",
        # A new connection per request: on a kept-alive one, Django's test server sends the
        # headers and the body in two writes and each answer waited ~40 ms for a delayed ACK
        # (Nagle's algorithm), most of the run's time.
        "--header",
        "Connection: close",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        "15",
        # The same requests every run, one at a time (the test server answers in threads,
        # but a failure should reproduce).
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    started = time.monotonic()
    # Run in a scratch folder: schemathesis keeps a cache folder where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)

    report = f"schemathesis ({time.monotonic() - started:.0f} s):\n{run.stdout}\n{run.stderr}"
    assert run.returncode == 0, report
    assert f"Tested: {operations}\n" in run.stdout, report
