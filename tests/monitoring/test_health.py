"""/healthz says the process answers; /readyz says whether each thing the app needs does,
and answers 503 naming the ones that don't."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from tests.conftest import wait_for
from tests.servers import PROJECT_DIR, free_port, port_open
from workers import services as heartbeats
from workers.models import WorkerHeartbeat

CHECKS = {"database", "storage", "cache", "worker", "fal"}


def test_liveness_answers_without_touching_anything(client):
    # No django_db mark: a query (or the database cache) would raise here.
    response = client.get("/healthz", headers={"Host": "10.0.0.7:8000"})  # a probe by address, not a host name

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Request-ID"]


@pytest.mark.django_db(transaction=True)
def test_ready_when_database_storage_cache_worker_and_engine_answer(client, fal_engine, task_worker):
    wait_for(lambda: WorkerHeartbeat.objects.exists(), message="the worker's first beat")

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["fal"]["detail"] == "local engine"


@pytest.mark.django_db(transaction=True)
def test_not_ready_when_the_worker_has_gone_quiet(client, fal_engine, settings):
    settings.READYZ_WORKER_MAX_AGE_SECONDS = 30
    heartbeats.beat("quiet-worker")
    WorkerHeartbeat.objects.update(last_beat_at=timezone.now() - timedelta(seconds=31))

    response = client.get("/readyz")

    checks = response.json()["checks"]
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert checks["worker"] == {
        "ok": False,
        "ms": checks["worker"]["ms"],
        "detail": "the last worker heartbeat is 31 s old",
    }
    assert all(checks[name]["ok"] for name in CHECKS - {"worker"})


@pytest.mark.django_db
def test_not_ready_without_any_worker(client):
    checks = client.get("/readyz").json()["checks"]

    assert checks["worker"]["ok"] is False and checks["worker"]["detail"] == "no task worker has reported"


def test_not_ready_when_the_database_is_down_but_still_alive(tmp_path):
    # The production server in its own process, its database refusing connections (nothing
    # listens on that port), as after a database crash.
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://avatar:secret-db-password@127.0.0.1:9/avatar",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "WEB_ACCESS_LOG": "false",
        "MEDIA_ROOT": str(tmp_path),
        "FAL_ENGINE_URL": "http://127.0.0.1:9/_fal",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: port_open(port), timeout=30, message="the server to listen")
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30)
        alive = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    checks = ready.json()["checks"]
    assert ready.status_code == 503
    assert checks["database"] == {"ok": False, "ms": checks["database"]["ms"], "detail": "OperationalError"}
    assert checks["worker"]["ok"] is False and checks["fal"]["ok"] is False
    assert checks["storage"]["ok"] and checks["cache"]["ok"] is False  # the cache lives in the database too
    assert "secret-db-password" not in ready.text and "127.0.0.1" not in ready.text
    assert alive.status_code == 200
