"""Remote mode refuses laptop settings, and the production block of .env.example passes
`manage.py check --deploy` cleanly."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
FAL_KEY = "00000000-0000-0000-0000-000000000000:0123456789abcdef0123456789abcdef"
STRONG_SECRET_KEY = "k3Jd9-Vq2xLm8Rt5Wz0Yp7Hs4Nf6Gc1Ba3Ue9Io2Pl5Kj8Mh0Qw"
REMOTE = {
    "FAL_KEY": FAL_KEY,
    "SECRET_KEY": STRONG_SECRET_KEY,
    "PUBLIC_BASE_URL": "https://studio.example.com",
    "FAL_WEBHOOK_USER_ID": "our-fal-user",
}


def manage(*args, **env):
    """Run manage.py with only `env` on top of a clean environment (no .env-style leftovers)."""
    keep = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_block():
    """The variables of .env.example's production block, as a production host would set them."""
    text = (PROJECT_DIR / ".env.example").read_text()
    block = text.split("# --- Production", 1)[1].split("\n# ---", 1)[0]
    return dict(re.findall(r"^# ([A-Z_]+)=(.*)$", block, flags=re.M))


def test_production_block_of_env_example_passes_the_deploy_check():
    environment = production_block()
    assert {"SECRET_KEY", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "EMAIL_URL"} <= environment.keys()

    environment["SECRET_KEY"] = STRONG_SECRET_KEY  # the block's placeholder is refused, see below
    result = manage("check", "--deploy", "--fail-level", "WARNING", **environment)

    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr and "ERRORS" not in result.stderr


@pytest.mark.parametrize(
    "override, names",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),  # unset: the development default
        ({"SECRET_KEY": "short-but-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "replace-me-with-python-c-import-secrets-print-secrets-token-urlsafe-50"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-k3Jd9-Vq2xLm8Rt5Wz0Yp7Hs4Nf6Gc1Ba3Ue9Io2Pl5Kj8Mh0Qw"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"FAL_WEBHOOK_USER_ID": ""}, "FAL_WEBHOOK_USER_ID"),
    ],
)
def test_remote_mode_refuses_laptop_settings(override, names):
    environment = {**REMOTE, **override}
    environment = {name: value for name, value in environment.items() if value}

    result = manage("check", **environment)

    assert result.returncode != 0
    assert names in result.stderr
    assert "short-but-secret" not in result.stdout + result.stderr
    assert FAL_KEY.split(":")[1] not in result.stdout + result.stderr


def test_remote_worker_refuses_to_start_with_the_development_key():
    without_key = {name: value for name, value in REMOTE.items() if name != "SECRET_KEY"}

    result = manage("run_worker", **without_key)

    assert result.returncode != 0
    assert "SECRET_KEY is the development default" in result.stderr


def test_remote_web_server_refuses_to_start_with_debug_on():
    keep = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=PROJECT_DIR,
        env={**keep, **REMOTE, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DEBUG is on in remote mode" in result.stderr


def test_local_mode_needs_no_configuration():
    result = manage("check")

    assert result.returncode == 0, result.stderr
