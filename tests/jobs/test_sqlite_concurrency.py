"""The default SQLite database takes a web process and a worker writing at the same time."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

WRITER = """
from django.db import transaction
from django.contrib.auth import get_user_model
from jobs.models import Job, JobEvent
user, _ = get_user_model().objects.get_or_create(username="writer")
job, _ = Job.objects.get_or_create(user=user, endpoint_id="shared")
for n in range(150):
    with transaction.atomic():
        row = Job.objects.select_for_update().get(pk=job.pk)
        row.status_polls += 1
        row.save(update_fields=["status_polls"])
        JobEvent.objects.create(job=row, kind="note", message=str(n))
print(Job.objects.get(pk=job.pk).status_polls)
"""


def manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.Popen(
        [sys.executable, "manage.py", *args] + (["--no-imports"] if args[0] == "shell" else []),
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert manage(database_url, "migrate", "--no-input").wait(timeout=120) == 0

    probe = manage(
        database_url,
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])",
    )
    out, err = probe.communicate(timeout=60)

    assert out.split() == ["wal", "20000"], err


def test_two_processes_writing_at_once_lose_no_update(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert manage(database_url, "migrate", "--no-input").wait(timeout=120) == 0
    manage(
        database_url,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from jobs.models import Job; "
        "u = get_user_model().objects.create(username='writer'); Job.objects.create(user=u, endpoint_id='shared')",
    ).wait(timeout=60)

    writers = [manage(database_url, "shell", "-c", WRITER) for _ in range(2)]
    results = [writer.communicate(timeout=120) for writer in writers]

    for writer, (_out, err) in zip(writers, results):
        assert writer.returncode == 0, err
    assert max(int(out.strip()) for out, _ in results) == 300
