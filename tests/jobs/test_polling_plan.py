"""Polling only where it pays (issue 22): a job nobody watches costs a few status calls while
fal's webhooks arrive; a watched job is followed live; a lost webhook is still noticed; and
when webhooks stop arriving every job goes back to the dense schedule. Status calls are
counted at the local engine, reached over real HTTP.

Intervals are fractions of the expected run time (JOB_EXPECTED_SECONDS here), so "60 s on an
8-minute job" is an eighth of it. Where a test bounds how late a lost webhook is noticed, it
allows LATENCY beyond the plan's own bound for a busy machine's worker round and status call.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import schedule
from jobs.models import Job, JobState
from jobs.services.webhook_health import measure_webhook_health, webhook_health
from tests.avatars.builders import make_job
from tests.conftest import wait_for
from tests.factories import make_user
from tests.jobs.test_pipeline import finished_job, submit

pytestmark = pytest.mark.django_db(transaction=True)

LATENCY = 0.5


def status_calls(engine, job):
    return engine.stats()["requests"][job.request_id]["status_calls"]


def noticed_late_by(engine, job) -> float:
    """Seconds from fal finishing the request to our noticing it."""
    return job.fal_finished_at.timestamp() - engine.stats()["requests"][job.request_id]["completed_at"]


@pytest.fixture
def proven_webhooks(api_client, fal_engine, task_worker, settings):
    """One job ended by its webhook: the fleet's webhooks are healthy (a new installation
    polls densely until a webhook has proved that fal reaches us). The job is expected to
    run far longer than it does, so no dense check beats its webhook."""
    settings.JOB_EXPECTED_SECONDS = 60.0
    job = finished_job(submit(api_client)["job_id"])
    settings.JOB_EXPECTED_SECONDS = 0
    assert job.fal_finished_by == "webhook"
    assert measure_webhook_health().healthy


def running(api_client):
    """A job submitted through the API that fal has started (nobody asked about it since)."""
    job_id = submit(api_client)["job_id"]
    wait_for(lambda: Job.objects.get(pk=job_id).state == JobState.IN_PROGRESS, message="the run to start")
    return job_id


@pytest.fixture
def expected_seconds(settings):
    def expect(seconds):
        settings.JOB_EXPECTED_SECONDS = seconds
        return seconds

    return expect


def test_a_job_whose_webhook_arrives_makes_at_most_three_status_calls(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds
):
    expected_seconds(8.0)
    fal_engine.faults.set_timing(processing_seconds=3.0)  # plus the render: about its expected end on a busy machine

    ids = [submit(api_client)["job_id"] for _ in range(2)]
    jobs = [finished_job(job_id) for job_id in ids]

    for job in jobs:
        assert job.state == JobState.COMPLETED and job.fal_finished_by == "webhook"
        # The queue check after the submit, the one at the expected end if the run went on
        # that long, and the status read that fetches the result.
        assert status_calls(fal_engine, job) <= 3


def test_a_lost_webhook_is_noticed_within_an_eighth_of_the_run_of_fal_finishing(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds
):
    expected = expected_seconds(4.0)
    fal_engine.faults.set_timing(processing_seconds=4.0)  # the run ends after its expected end
    fal_engine.faults.drop_next_webhooks(1)

    job = finished_job(submit(api_client)["job_id"])

    assert job.state == JobState.COMPLETED and job.fal_finished_by == "poll"
    assert noticed_late_by(fal_engine, job) <= expected * schedule.LATE_CHECK_FRACTION + LATENCY  # 60 s of 8 minutes


def test_a_job_overtaken_by_a_later_one_has_its_lost_webhook_noticed_long_before_its_end_check(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds, settings
):
    expected = expected_seconds(120.0)  # unwatched, its end check would come two minutes in
    settings.ENGINE_CONCURRENCY = 1  # fal runs the queue in order: the first job ends first
    fal_engine.faults.set_timing(processing_seconds=4.0)  # still running at the check after its submit
    fal_engine.faults.drop_next_webhooks(1)  # the first job's
    first = submit(api_client)["job_id"]
    # Sent later by more than the margin within which two jobs may just run side by side.
    margin = timedelta(seconds=schedule.overtaken_check_delay(Job.objects.get(pk=first)) + 0.5)
    wait_for(
        lambda: Job.objects.filter(pk=first, submit_started_at__lt=timezone.now() - margin).exists(),
        message="the first job to be at fal a while",
    )

    second = submit(api_client)["job_id"]
    first_job, second_job = finished_job(first, timeout=150), finished_job(second, timeout=150)

    assert first_job.fal_finished_by == "poll" and second_job.fal_finished_by == "webhook"
    # Noticed within 60 s of an 8-minute run (an eighth of it) of fal finishing, once the
    # second job's webhook showed fal had moved past it; not at its end check, minutes in.
    assert noticed_late_by(fal_engine, first_job) <= expected * schedule.LATE_CHECK_FRACTION + LATENCY
    assert first_job.fal_finished_at < first_job.created_at + timedelta(seconds=expected / 2)
    assert first_job.overtaken_at and not second_job.overtaken_at
    # The check after the submit, the one the overtaking brought forward, the result read.
    assert status_calls(fal_engine, first_job) <= 3 and status_calls(fal_engine, second_job) <= 3


def test_only_unfinished_jobs_sent_earlier_with_no_longer_clips_count_as_overtaken_and_only_once(user):
    now = timezone.now()
    end_check = now + timedelta(minutes=7)

    def sent(seconds_ago, clip=4.0, **fields):
        job = make_job(
            user,
            JobState.IN_PROGRESS,
            request_id=f"req-{seconds_ago}-{clip}",
            submit_started_at=now - timedelta(seconds=seconds_ago),
            next_poll_at=end_check,
            **fields,
        )
        Job.objects.filter(pk=job.pk).update(audio_duration=clip)
        job.audio_duration = clip
        return job

    earlier, longer, later, alongside = sent(60), sent(50, clip=9.0), sent(10), sent(25)
    elsewhere = sent(40, fal_origin="http://another-fal")
    done = sent(30, fal_finished_at=now, fal_finished_by="webhook")
    finished = sent(20, clip=5.0)
    due_at = now + timedelta(seconds=8)

    margin = timedelta(seconds=8)
    assert Job.objects.check_overtaken(finished, due_at=due_at, margin=margin) == 1
    assert Job.objects.check_overtaken(finished, due_at=due_at, margin=margin) == 0  # once per job

    moved = {job.pk for job in Job.objects.filter(next_poll_at=due_at)}
    assert moved == {earlier.pk}
    assert not {longer.pk, later.pk, alongside.pk, elsewhere.pk, done.pk} & moved


def test_a_watched_job_shows_queue_position_and_logs_live(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds, settings
):
    expected_seconds(30.0)  # unwatched, the first check after the queue's would be at 30 s
    settings.ENGINE_CONCURRENCY = 1
    fal_engine.faults.set_timing(processing_seconds=3.0)
    ahead = running(api_client)
    job_id = submit(api_client)["job_id"]
    seen = []

    def watched_until_finished():
        shown = api_client.get(f"/api/v1/jobs/{job_id}").json()  # someone is polling our API
        seen.append((shown["status"], shown["queue_position"], len(shown["logs"])))
        return shown["status"] == "completed"

    wait_for(watched_until_finished, timeout=60, interval=0.1, message="the watched job to complete")

    assert ("in_queue", 0, 0) in seen  # waiting behind the job ahead, and shown so
    lines_while_running = {lines for status, _, lines in seen if status == "in_progress" and lines}
    assert len(lines_while_running) >= 2  # log lines arrived while it ran, not all at the end
    assert Job.objects.get(pk=ahead).state == JobState.COMPLETED


def test_a_job_that_becomes_watched_is_checked_at_once(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds
):
    expected_seconds(600.0)
    fal_engine.faults.set_timing(processing_seconds=600.0)
    job_id = running(api_client)
    job = Job.objects.get(pk=job_id)
    assert job.next_poll_at > timezone.now() + timedelta(minutes=5)  # the sparse plan: at the expected end
    calls = status_calls(fal_engine, job)

    assert api_client.get(f"/api/v1/jobs/{job_id}").status_code == 200  # someone polls our API

    wait_for(lambda: status_calls(fal_engine, job) > calls, message="a check brought forward")
    job.refresh_from_db()
    assert schedule.poll_plan(job) == "live"
    assert job.next_poll_at <= timezone.now() + timedelta(seconds=schedule.LIVE_MAX_SECONDS)


def test_an_open_job_page_stream_makes_the_job_watched(
    client, user, api_client, fal_engine, task_worker, proven_webhooks, expected_seconds
):
    expected_seconds(600.0)
    fal_engine.faults.set_timing(processing_seconds=600.0)
    job_id = running(api_client)
    client.force_login(user)

    stream = client.get(f"/videos/{job_id}/events/")
    events = iter(stream.streaming_content)
    next(events), next(events)  # the reconnect delay, then the panel: the page is watching
    job = Job.objects.get(pk=job_id)
    stream.close()

    assert schedule.poll_plan(job) == "live"
    assert job.next_poll_at <= timezone.now() + timedelta(seconds=schedule.LIVE_MAX_SECONDS)


def test_status_calls_through_the_fal_proxy_make_the_job_watched(user, settings):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    settings.PUBLIC_BASE_URL = "https://avatars.example.com"
    job = make_job(user, JobState.IN_PROGRESS, request_id="req-running")
    Job.objects.filter(pk=job.pk).update(
        next_poll_at=timezone.now() + timedelta(minutes=7)
    )  # the sparse plan's end check
    proxy = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    answer = proxy.get(
        "/api/fal/proxy", HTTP_X_FAL_TARGET_URL=f"https://queue.fal.run/fal-ai/kling-video/requests/{job.id}/status"
    )

    assert answer.json()["status"] == "IN_PROGRESS"
    job.refresh_from_db()
    assert schedule.is_watched(job) and job.next_poll_at <= timezone.now()  # due now: a worker checks it at once


def test_a_lost_webhook_of_a_watched_job_is_noticed_within_its_live_interval(
    api_client, fal_engine, task_worker, proven_webhooks, expected_seconds
):
    expected = expected_seconds(8.0)
    fal_engine.faults.set_timing(processing_seconds=1.0)  # ends long before its expected end
    fal_engine.faults.drop_next_webhooks(1)
    job_id = submit(api_client)["job_id"]

    def watched_until_finished():
        api_client.get(f"/api/v1/jobs/{job_id}")
        return Job.objects.get(pk=job_id).is_finished

    wait_for(watched_until_finished, interval=0.2, message="the watched job to finish")
    job = Job.objects.get(pk=job_id)

    assert job.fal_finished_by == "poll"
    # 10 s of 8 minutes; unwatched, it would have waited for its expected end, seconds away.
    assert noticed_late_by(fal_engine, job) <= expected / 48 + LATENCY


def test_unhealthy_webhooks_switch_every_job_to_the_dense_schedule_and_readyz_says_so(
    client, api_client, fal_engine, task_worker, proven_webhooks, expected_seconds, settings
):
    assert client.get("/readyz").json()["webhooks"]["state"] == "healthy"
    expected = expected_seconds(60.0)
    settings.ENGINE_CONCURRENCY = 5
    fal_engine.faults.set_timing(processing_seconds=600.0)
    slow = running(api_client)
    assert Job.objects.get(pk=slow).next_poll_at > timezone.now() + timedelta(
        seconds=expected / 2
    )  # sparse: at its end

    # Four jobs whose webhooks are lost, watched so that polls notice them at once.
    fal_engine.faults.set_timing(processing_seconds=0.5)
    fal_engine.faults.drop_next_webhooks(4)
    lost = [submit(api_client)["job_id"] for _ in range(4)]

    def all_noticed():
        for job_id in lost:
            api_client.get(f"/api/v1/jobs/{job_id}")
        return all(Job.objects.get(pk=job_id).is_finished for job_id in lost)

    wait_for(all_noticed, timeout=60, interval=0.2, message="the jobs with lost webhooks to finish")
    assert {Job.objects.get(pk=job_id).fal_finished_by for job_id in lost} == {"poll"}

    said = client.get("/readyz").json()
    assert said["status"] == "ready"  # said, never a reason to take the process out of service
    assert said["webhooks"]["state"] == "unhealthy" and said["webhooks"]["noticed_by_webhook"] == 1
    # The slow job left its sparse wait at once and follows the dense schedule.
    assert schedule.poll_plan(Job.objects.get(pk=slow)) == "dense"
    wait_for(
        lambda: (
            Job.objects.get(pk=slow).next_poll_at
            <= timezone.now() + timedelta(seconds=expected * schedule.SPARSE_FRACTION)
        ),
        message="the slow job's check brought forward",
    )


def noticed(user, *sources, minutes_ago=0):
    """Completed jobs fal's end was noticed for by `sources` in turn (oldest first), the
    newest `minutes_ago`."""
    newest = timezone.now() - timedelta(minutes=minutes_ago)
    for n, source in enumerate(sources):
        at = newest - timedelta(seconds=len(sources) - 1 - n)
        make_job(
            user,
            JobState.COMPLETED,
            request_id=f"req-{source}-{at.timestamp()}",
            fal_finished_at=at,
            fal_finished_by=source,
        )


@pytest.fixture
def webhook_url(settings):
    settings.PUBLIC_BASE_URL = "https://avatars.example.com"


def test_webhooks_are_unhealthy_once_under_half_of_the_newest_completions_came_by_webhook(user, webhook_url):
    noticed(user, "webhook", "webhook", "poll", "poll", "cancel")
    assert measure_webhook_health().state == "healthy"  # 2 of 4 (a cancel counts as neither)

    noticed(user, "poll")
    health = measure_webhook_health()

    assert health.state == "unhealthy" and (health.by_webhook, health.sample) == (2, 5)


def test_only_the_newest_completions_count(user, webhook_url, settings):
    settings.WEBHOOK_HEALTH_SAMPLE = 4
    noticed(user, "poll", "poll", "poll", minutes_ago=60)
    noticed(user, "webhook", "webhook", "poll", "webhook")

    assert measure_webhook_health().state == "healthy"


def test_webhooks_are_unhealthy_when_silent_while_polls_notice_completions(user, webhook_url, settings):
    settings.WEBHOOK_SILENCE_SECONDS = 600
    noticed(user, *["webhook"] * 10, minutes_ago=20)
    noticed(user, "poll", minutes_ago=5)
    assert measure_webhook_health().state == "healthy"  # one lost webhook is no silence

    noticed(user, "poll", minutes_ago=1)
    health = measure_webhook_health()

    assert health.state == "unhealthy" and health.polls_since_last_webhook == 2
    assert health.seconds_since_last_webhook() > 600


def test_without_a_verified_webhook_or_a_webhook_url_every_job_is_polled_densely(user, settings):
    settings.PUBLIC_BASE_URL = "https://avatars.example.com"
    noticed(user, "poll", "poll")
    assert measure_webhook_health().state == "unproven"

    settings.PUBLIC_BASE_URL = ""  # (a command-line run's process: nothing can call it back)
    noticed(user, "webhook")
    assert measure_webhook_health().state == "off"
    assert webhook_health().state == "off"
    settings.PUBLIC_BASE_URL = "https://avatars.example.com"
    assert webhook_health().state == "healthy"  # one process without a webhook URL is not the fleet's measure


def test_the_dashboard_says_whether_webhooks_are_healthy(client, user, webhook_url):
    client.force_login(make_user("root", is_staff=True))
    noticed(user, "webhook", "poll", "poll", "poll")

    html = client.get("/admin/monitoring/").content.decode()

    assert "fal webhooks: unhealthy" in html and "every job densely" in html
