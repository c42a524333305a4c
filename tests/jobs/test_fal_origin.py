"""A job is followed only by processes talking to the fal it was sent to: a worker pointed at
another engine (a CLI run's, say) never polls, times out or cancels it there, where its
request id is unknown (404), and the two never run each other's tasks."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
from django.test.utils import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from credits import services as credits
from credits.models import LedgerEntry
from jobs import fal, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.services import deadlines, fal_requests, ingest, lifecycle, submission, tracking
from jobs.worker import in_process_worker
from tests.conftest import wait_for
from tests.factories import portrait_jpeg, speech_wav
from tests.jobs.test_pipeline import submit, submitted_without_worker
from tests.servers import PROJECT_DIR, database_url, free_port, manage_py_process
from workers.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def other_engine(django_db_setup, tmp_path_factory):
    """A second local engine in a process of its own: it knows none of the first one's requests."""
    port = free_port()
    environment = {
        **os.environ,
        "ENGINE_STORAGE_DIR": str(tmp_path_factory.mktemp("other-engine")),
        # The engine needs no database, but as a Django process it would flush its metrics to
        # the one DATABASE_URL names every few seconds (on PostgreSQL, a database no test made).
        "DATABASE_URL": database_url(),
        "METRICS_FLUSH_SECONDS": "0",
    }
    with manage_py_process(
        "run_fal_engine",
        "--port",
        str(port),
        "--controls",
        port=port,
        environment=environment,
        waiting_for="the other engine to listen",
    ):
        yield f"http://127.0.0.1:{port}/_fal"


def questions_about_requests(engine_url):
    """The status, result and cancel calls an engine has answered (its key set may be read)."""
    calls = httpx.get(f"{engine_url}/_control/stats", timeout=10).json()["calls"]
    return {kind: count for kind, count in calls.items() if kind in ("status", "stream", "result", "cancel")}


def history(job_id):
    return list(JobEvent.objects.filter(job_id=job_id).values_list("kind", "message"))


def test_submit_records_the_fal_the_job_was_sent_to(api_client, fal_engine, settings):
    job_id = submitted_without_worker(api_client)["job_id"]

    assert Job.objects.get(pk=job_id).fal_origin == f"local:{settings.FAL_ENGINE_URL}"


def test_a_refused_submit_leaves_the_job_sent_to_no_fal(api_client, fal_engine):
    fal_engine.faults.fail_next_calls("submit", 500, count=1)
    job_id = submit(api_client)["job_id"]

    job = submission.submit_job(job_id)

    assert job.state == JobState.PENDING and not job.request_id
    assert Job.objects.get(pk=job_id).fal_origin == ""  # any process may submit it again


def test_a_process_of_another_fal_neither_polls_nor_times_out_the_job_but_its_own_does(
    api_client, fal_engine, other_engine, settings
):
    fal_engine.faults.set_timing(processing_seconds=60)
    answer = submitted_without_worker(api_client)
    job_id, request_id = answer["job_id"], answer["request_id"]
    own_engine = settings.FAL_ENGINE_URL
    before, events_before = Job.objects.get(pk=job_id), history(job_id)
    settings.JOB_BUDGET_SECONDS = 0.5  # the deadline has passed by the time anyone looks
    wait_for(lambda: schedule.deadline_passed(before), message="the deadline")

    settings.FAL_ENGINE_URL = other_engine
    tracking.poll_soon(job_id)
    assert tracking.poll_due_jobs() == 0
    deadlines.enforce_deadline(job_id)
    deadlines.time_out_job(job_id)
    assert lifecycle.resume_unfinished_jobs() == 0

    after = Job.objects.get(pk=job_id)
    assert (after.state, after.status_polls, after.error) == (before.state, before.status_polls, "")
    assert history(job_id) == events_before
    assert questions_about_requests(other_engine) == {}

    settings.FAL_ENGINE_URL = own_engine
    assert tracking.poll_due_jobs() == 1
    assert Job.objects.get(pk=job_id).state == JobState.TIMED_OUT
    assert fal_engine.get(request_id).cancelled


def test_cancelling_a_job_from_another_fal_cancels_it_here_without_asking_that_fal(
    api_client, fal_engine, other_engine, settings
):
    fal_engine.faults.set_timing(processing_seconds=60)
    answer = submitted_without_worker(api_client)
    own_origin = fal.storage_origin()

    settings.FAL_ENGINE_URL = other_engine
    job, cancelled = lifecycle.cancel_job(answer["job_id"])

    assert cancelled and job.state == JobState.CANCELLED
    assert job.events.filter(kind=JobEvent.Kind.CANCEL, message__contains=f"another fal ({own_origin})").exists()
    assert questions_about_requests(other_engine) == {}
    assert not fal_engine.get(answer["request_id"]).cancelled


def test_a_callback_for_a_job_of_another_fal_has_that_fals_process_check_it(
    api_client, fal_engine, other_engine, settings
):
    fal_engine.faults.set_timing(processing_seconds=0.5)
    answer = submitted_without_worker(api_client)
    job_id = answer["job_id"]
    own_engine = settings.FAL_ENGINE_URL
    settings.FAL_ENGINE_URL = other_engine  # this server now talks to another fal

    wait_for(
        lambda: Job.objects.filter(pk=job_id, events__kind=JobEvent.Kind.WEBHOOK).exists(), message="fal's callback"
    )
    job = Job.objects.get(pk=job_id)
    assert job.fal_finished_at is None and job.next_poll_at <= timezone.now()  # due for its own workers
    assert questions_about_requests(other_engine) == {}

    settings.FAL_ENGINE_URL = own_engine
    assert tracking.poll_due_jobs() == 1
    assert ingest.finish_job(job_id).state == JobState.COMPLETED


def test_a_video_made_at_another_fal_is_stored_only_by_its_own_process(api_client, fal_engine, other_engine, settings):
    fal_engine.faults.set_timing(processing_seconds=0.2)
    answer = submitted_without_worker(api_client)
    job_id = answer["job_id"]
    fal_engine.wait_until_completed(fal_engine.get(answer["request_id"]), timeout=20)
    fal_requests.note_fal_finished(job_id, source="poll")
    own_engine, events_before = settings.FAL_ENGINE_URL, history(job_id)

    settings.FAL_ENGINE_URL = other_engine
    assert ingest.finish_job(job_id).state == JobState.IN_QUEUE
    assert history(job_id) == events_before and questions_about_requests(other_engine) == {}

    settings.FAL_ENGINE_URL = own_engine
    assert ingest.finish_job(job_id).state == JobState.COMPLETED


def test_a_callback_naming_a_lost_request_is_not_checked_at_another_fal(
    api_client, fal_engine, other_engine, settings
):
    job_id = submit(api_client)["job_id"]
    # What a submit whose answer was lost leaves: a claim at our fal, but no request id.
    Job.objects.filter(pk=job_id).update(submit_started_at=timezone.now(), fal_origin=fal.storage_origin())

    settings.FAL_ENGINE_URL = other_engine
    job = tracking.record_webhook(job_id, request_id="some-request", body={"status": "OK"})

    assert not job.request_id and job.events.filter(message__contains="Callback can't be checked here").exists()
    assert questions_about_requests(other_engine) == {}


def test_a_worker_never_runs_the_tasks_another_process_queued_for_itself(api_client, fal_engine):
    with override_settings(JOB_TASKS_QUEUE="cli-own-queue"):
        job_id = submit(api_client)["job_id"]  # queues its submit (and deadline) on that queue

    in_process_worker(worker_id="server-worker", batch=True).run()
    assert Job.objects.get(pk=job_id).submit_started_at is None

    with override_settings(JOB_TASKS_QUEUE="cli-own-queue"):
        in_process_worker(worker_id="cli-worker", batch=True).run()
    assert Job.objects.get(pk=job_id).request_id


def test_a_cli_run_beside_a_worker_of_another_engine_completes_without_a_lost_request(
    transactional_db, other_engine, tmp_path
):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    (tmp_path / "speech.wav").write_bytes(speech_wav(seconds=2.0))
    # The worker runs before the CLI starts, so it sees the CLI's job from its submission on.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.05", "--worker-id", "server-worker"],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "FAL_MODE": "local",
            "FAL_ENGINE_URL": other_engine,
            "PUBLIC_BASE_URL": "",
        },
    )
    try:
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(pk="server-worker").exists(),
            timeout=60,
            message="the worker to start",
        )
        cli = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "generate_avatar",
                "--image",
                str(tmp_path / "face.jpg"),
                "--audio",
                str(tmp_path / "speech.wav"),
                "--out",
                str(tmp_path / "video.mp4"),
            ],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **{k: v for k, v in os.environ.items() if k not in ("FAL_KEY", "PUBLIC_BASE_URL", "FAL_ENGINE_URL")},
                "DATABASE_URL": database_url(),
                "FAL_MODE": "local",
                "MEDIA_ROOT": str(tmp_path / "media"),
                "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
                "ENGINE_PROCESSING_SECONDS": "0.5",
            },
        )
        worker_started = WorkerHeartbeat.objects.get(pk="server-worker").started_at
    finally:
        worker.terminate()
        worker.wait(timeout=15)

    assert cli.returncode == 0, cli.stderr
    job = Job.objects.get(user__username="cli")
    assert job.state == JobState.COMPLETED and worker_started < job.submit_started_at
    assert job.fal_origin.startswith("local:http://127.0.0.1:") and job.fal_origin != f"local:{other_engine}"
    assert not job.events.filter(message__contains="Status check failed").exists()
    assert questions_about_requests(other_engine) == {}  # the server's worker never asked its engine about it
    assert not DBTaskResult.objects.filter(
        queue_name__startswith="cli-", status="READY"
    ).exists()  # nothing left behind


def start_a_slow_cli_run(tmp_path):
    """`manage.py generate_avatar` in a process of its own, with its own engine taking a minute."""
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    (tmp_path / "speech.wav").write_bytes(speech_wav(seconds=2.0))
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "generate_avatar",
            "--image",
            str(tmp_path / "face.jpg"),
            "--audio",
            str(tmp_path / "speech.wav"),
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("FAL_KEY", "PUBLIC_BASE_URL", "FAL_ENGINE_URL")},
            "DATABASE_URL": database_url(),
            "FAL_MODE": "local",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
            "ENGINE_PROCESSING_SECONDS": "60",
        },
    )


def test_an_interrupted_cli_run_cancels_its_job_at_its_engine_before_the_engine_stops(transactional_db, tmp_path):
    """Nobody else can reach a CLI run's engine: a job left unfinished there would wait forever."""
    cli = start_a_slow_cli_run(tmp_path)
    try:
        job = wait_for(lambda: Job.objects.exclude(request_id="").first(), timeout=60, message="the CLI's submit")
        cli.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()

    assert cli.returncode != 0 and "Interrupted" in stderr, stderr
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert job.events.filter(kind=JobEvent.Kind.CANCEL, message="Asked fal to cancel the request.").exists()


def test_a_job_left_by_a_killed_cli_run_is_timed_out_by_any_worker_once_long_overdue(transactional_db, tmp_path):
    """SIGKILL gives a CLI run no chance to end its job, and no other process can reach its engine."""
    cli = start_a_slow_cli_run(tmp_path)
    try:
        job = wait_for(lambda: Job.objects.exclude(request_id="").first(), timeout=60, message="the CLI's submit")
    finally:
        cli.kill()
        cli.communicate(timeout=30)
    held = credits.account_for(job.user).balance
    sweeper = in_process_worker(worker_id="sweeper", batch=True)

    sweeper.run()
    assert Job.objects.get(pk=job.pk).state == JobState.IN_QUEUE  # its process might still be alive and within budget

    long_ago = timezone.now() - timedelta(seconds=schedule.budget_with_ingest_grace() + 61)
    Job.objects.filter(pk=job.pk).update(created_at=long_ago)
    in_process_worker(worker_id="sweeper", batch=True).run()

    job.refresh_from_db()
    assert job.state == JobState.TIMED_OUT and "stopped without ending it; nothing is charged" in job.error
    assert credits.account_for(job.user).balance == held + job.ledger_entries.get(kind=LedgerEntry.Kind.RESERVE).amount
