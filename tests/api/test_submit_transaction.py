"""A submit is one transaction: the job, its event, its tasks and its credit hold become
visible together, with one commit (each commit is a WAL flush on PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from credits.models import LedgerEntry
from jobs.models import Job
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_v1_submit_writes_its_job_tasks_and_hold_in_one_commit(api_client):
    body = {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(), "audio/wav")}
    api_client.get("/api/v1/me")  # the rate limit's counter made (in the database cache here)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.post("/api/v1/jobs", body, format="json")

    assert response.status_code == 201
    statements = [query["sql"] for query in captured.captured_queries]
    job_insert = next(n for n, sql in enumerate(statements) if sql.startswith('INSERT INTO "jobs_job"'))
    after = statements[job_insert:]
    commit = after.index("COMMIT")
    assert after.count("COMMIT") == 1
    written = " ".join(after[:commit])
    assert (
        written.count('INSERT INTO "django_tasks_database_dbtaskresult"') == 1  # its two tasks together
        and 'INSERT INTO "credits_ledgerentry"' in written
    )
    job = Job.objects.get(pk=response.json()["id"])
    tasks = DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)])
    assert sorted(tasks.values_list("task_path", flat=True)) == [
        "jobs.tasks.enforce_deadline_task",
        "jobs.tasks.submit_job_task",
    ]
    assert tasks.ready().count() == 1  # the submission now; the deadline later
    assert LedgerEntry.objects.filter(job=job, kind="reserve").count() == 1
