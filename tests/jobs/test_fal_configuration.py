"""Remote mode refuses to start with a missing or malformed key, and never repeats the key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
VALID_LOOKING_KEY = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f:0123456789abcdef0123456789abcdef"
STRONG_SECRET_KEY = "k3Jd9-Vq2xLm8Rt5Wz0Yp7Hs4Nf6Gc1Ba3Ue9Io2Pl5Kj8Mh0Qw"


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAL_") and k != "PUBLIC_BASE_URL"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_remote_mode_without_a_key_fails_the_system_check():
    result = manage("check", FAL_MODE="remote")

    assert result.returncode != 0
    assert "FAL_KEY is not set" in result.stderr


def test_malformed_key_fails_start_up_without_being_echoed():
    secret = "sk-live-very-secret-value"

    result = manage("run_worker", FAL_KEY=secret)

    assert result.returncode != 0
    assert "FAL_KEY is malformed" in result.stderr
    assert secret not in result.stdout + result.stderr


def test_remote_mode_without_public_url_warns_that_it_relies_on_polling():
    result = manage("check", FAL_KEY=VALID_LOOKING_KEY, SECRET_KEY=STRONG_SECRET_KEY)

    assert result.returncode == 0
    assert "jobs.W001" in result.stderr and "polling" in result.stderr
    assert VALID_LOOKING_KEY.split(":")[1] not in result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_fal_key_never_appears_in_logs_or_responses(api_client, fal_engine, task_worker, caplog, settings):
    from tests.jobs.test_pipeline import finished_job, submit

    caplog.set_level("DEBUG")
    answer = submit(api_client)
    finished_job(answer["job_id"])
    status = api_client.post("/api/generate/kling-avatar/status", {"job_id": answer["job_id"]}, format="json")

    key_secret = settings.LOCAL_ENGINE_KEY.rpartition(":")[2]
    assert len(key_secret) >= 32
    assert key_secret not in caplog.text
    assert key_secret not in status.content.decode()


def test_wsgi_application_refuses_to_start_without_a_key():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAL_")}
    environment["FAL_MODE"] = "remote"

    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured:" in result.stderr and "FAL_KEY is not set." in result.stderr
