"""The app's key to the local engine is random, made at first start under var/ (only its owner
may read it), and the same for every process of the install, even those starting together."""

import hashlib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Prints a digest of the key the process settled on (the key itself never leaves it).
PRINT_KEY_DIGEST = (
    "import hashlib; from django.conf import settings; "
    "print(hashlib.sha256(settings.LOCAL_ENGINE_KEY.encode()).hexdigest())"
)


def starting(key_file, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAL_")}
    environment.update(LOCAL_ENGINE_KEY_FILE=str(key_file), **env)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", PRINT_KEY_DIGEST],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def digest_from(process):
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return stdout.strip().splitlines()[-1]


def test_the_key_is_made_at_first_start_readable_by_its_owner_only_and_kept(tmp_path):
    key_file = tmp_path / "var" / "local-engine-key"

    first = digest_from(starting(key_file))
    second = digest_from(starting(key_file))

    key = key_file.read_text().strip()
    assert re.fullmatch(r"[0-9a-f-]{36}:[0-9a-f]{64}", key)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first == second == hashlib.sha256(key.encode()).hexdigest()


def test_processes_starting_together_settle_on_one_key(tmp_path):
    key_file = tmp_path / "local-engine-key"

    digests = {digest_from(process) for process in [starting(key_file) for _ in range(4)]}

    assert digests == {hashlib.sha256(key_file.read_text().strip().encode()).hexdigest()}
    assert [path.name for path in tmp_path.iterdir()] == ["local-engine-key"]  # no temporary file left


def test_each_install_has_a_key_of_its_own(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"

    assert digest_from(starting(ours)) != digest_from(starting(theirs))


def test_remote_mode_makes_no_key(tmp_path):
    key_file = tmp_path / "local-engine-key"

    digest_from(
        starting(
            key_file,
            FAL_MODE="remote",
            FAL_KEY="6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f:0123456789abcdef0123456789abcdef",
        )
    )

    assert not key_file.exists()
