"""Counts made in separate worker processes add up in /metrics, and every web process
answers with the same numbers: nothing is kept per process."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager

import httpx
import pytest
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from credits.models import LedgerEntry
from jobs.models import Job, JobState
from tests.conftest import wait_for
from tests.jobs.test_pipeline import finished_job, submit
from tests.monitoring.scraping import METRICS_TOKEN, scrape
from tests.servers import PROJECT_DIR, app_server, database_url
from workers.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)
JOBS = 6


@contextmanager
def worker_processes(count, settings):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "FAL_MODE": "local",
        "FAL_ENGINE_URL": settings.FAL_ENGINE_URL,
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "FAL_JWKS_URL": "",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "ENGINE_PROCESSING_SECONDS": str(settings.ENGINE_PROCESSING_SECONDS),
        "METRICS_FLUSH_SECONDS": "0.2",
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("FAL_KEY", None)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--no-resume",
                "--interval",
                "0.05",
                "--worker-id",
                f"metrics-{n}",
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        wait_for(lambda: WorkerHeartbeat.objects.count() == count, timeout=60, message=f"{count} workers to report")
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def test_counts_from_two_worker_processes_add_up_in_every_web_process(api_client, fal_engine, client, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = JOBS
    with worker_processes(2, settings):
        before = scrape(client, settings)
        job_ids = [submit(api_client, seconds=2.0)["job_id"] for _ in range(JOBS)]
        jobs = [finished_job(job_id) for job_id in job_ids]
        assert all(job.state == JobState.COMPLETED for job in jobs), [job.error for job in jobs]

        def moved(scraped, name, **labels):
            return scraped.total(name, **labels) - before.total(name, **labels)

        # The workers save their counts every 0.2 s.
        after = wait_for(
            lambda: (lambda s: s if moved(s, "avatar_job_ingest_seconds_count") == JOBS else None)(
                scrape(client, settings)
            ),
            timeout=15,
            message="both workers' counts",
        )
        ran_tasks = {
            ids[-1]
            for ids in DBTaskResult.objects.filter(task_path__endswith="finish_job_task").values_list(
                "worker_ids", flat=True
            )
        }

    assert ran_tasks == {"metrics-0", "metrics-1"}  # both processes ingested videos
    assert moved(after, "avatar_jobs_finished_total", state="completed") == JOBS
    assert moved(after, "avatar_fal_calls_total", operation="submit", outcome="ok") == JOBS
    assert moved(after, "avatar_fal_calls_total", operation="download", outcome="ok") == JOBS
    assert moved(after, "avatar_fal_finishes_noticed_total") == JOBS
    assert moved(after, "avatar_ingested_bytes_total") == Job.objects.aggregate(total=Sum("video_size"))["total"]
    assert after.value("avatar_jobs", state="completed", model=jobs[0].model.key) == JOBS
    captured = LedgerEntry.objects.filter(kind="capture").aggregate(total=Sum("amount"))["total"]
    assert moved(after, "avatar_credits_total", kind="capture") == captured

    # Another web process (its own Python, nothing counted in it) answers the same.
    with app_server(METRICS_TOKEN=METRICS_TOKEN, METRICS_FLUSH_SECONDS="0") as other_web:
        elsewhere = scrape(httpx.Client(base_url=other_web))
    client_side = scrape(client, settings)
    for name in (
        "avatar_jobs_finished_total",
        "avatar_fal_calls_total",
        "avatar_ingested_bytes_total",
        "avatar_job_ingest_seconds_count",
        "avatar_credits_total",
        "avatar_jobs",
    ):
        assert elsewhere.total(name) == client_side.total(name), name
