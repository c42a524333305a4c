"""An e-mail when a job or a batch ends: opt-in, sent by the worker after the ending has
committed, once, retried when the mail server fails."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from jobs.models import Job, JobState
from jobs.state import fail_job
from notifications import services
from notifications.models import Notification
from tests.avatars.builders import make_job
from tests.conftest import wait_for
from tests.factories import data_uri, portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def submit_v1(api_client, **extra):
    body = {
        "image_url": data_uri(portrait_png(), "image/png"),
        "audio_url": data_uri(speech_wav(2.0), "audio/wav"),
        **extra,
    }
    answer = api_client.post("/api/v1/jobs", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def finished(job_id):
    return wait_for(
        lambda: Job.objects.filter(pk=job_id, state__in=[JobState.COMPLETED, JobState.FAILED]).first(),
        message="the job's end",
    )


def test_a_job_that_asked_is_mailed_once_after_it_completes_with_a_link_to_its_page(
    api_client, user, fal_engine, task_worker, settings, mailoutbox
):
    settings.SITE_URL = "https://avatars.example.com"
    job_id = submit_v1(api_client, notify=True)
    job = finished(job_id)

    [email] = wait_for(lambda: list(mailoutbox), message="the e-mail")
    assert job.state == JobState.COMPLETED
    assert email.to == [user.email] and "is ready" in email.subject
    assert f"https://avatars.example.com/videos/{job_id}/" in email.body
    assert email.extra_headers["Message-ID"] == f"<{Notification.objects.get().id}@avatar-studio>"
    # The ending heard again (a late webhook, a replayed poll) owes nothing more.
    fail_job(job_id, "late news")
    assert services.send_due() == 0 and len(mailoutbox) == 1


def test_nothing_is_mailed_to_a_user_who_did_not_opt_in(api_client, fal_engine, task_worker, mailoutbox):
    finished(submit_v1(api_client))
    finished(submit_v1(api_client, notify=False))

    assert services.send_due() == 0 and mailoutbox == [] and not Notification.objects.exists()


def test_the_users_setting_is_the_default_and_a_job_may_decline(api_client, user, client, mailoutbox):
    client.force_login(user)
    client.post("/settings/notifications/", {"email_when_done": "on"})
    wanted, declined = make_job(user, JobState.IN_PROGRESS), make_job(user, JobState.IN_PROGRESS)
    services.choose_for_job(declined, False)

    fail_job(wanted.id, "fal refused it")
    fail_job(declined.id, "fal refused it")
    services.send_due()

    [email] = mailoutbox
    assert "failed" in email.subject and "fal refused it" in email.body and "Nothing was charged" in email.body


def test_the_email_is_owed_only_when_the_ending_commits_and_sent_only_by_the_worker(user, mailoutbox):
    services.set_email_when_done(user, True)
    job = make_job(user, JobState.IN_PROGRESS)

    with pytest.raises(RuntimeError), transaction.atomic():
        fail_job(job.id, "rolled back")
        raise RuntimeError
    assert not Notification.objects.exists()

    fail_job(job.id, "for real")
    assert mailoutbox == []  # the ending's transaction sends nothing itself
    assert services.send_due() == 1 and len(mailoutbox) == 1


def test_a_cancelled_job_is_no_news(user, mailoutbox):
    services.set_email_when_done(user, True)
    job = make_job(user, JobState.IN_PROGRESS)

    fail_job(job.id, "cancelled by alice", state=JobState.CANCELLED)

    assert services.send_due() == 0 and mailoutbox == []


def test_a_batch_is_mailed_once_and_its_items_not_at_all(api_client, user, fal_engine, task_worker, mailoutbox):
    services.set_email_when_done(user, True)
    clip = data_uri(speech_wav(2.0), "audio/wav")
    answer = api_client.post(
        "/api/v1/batches",
        {"image_url": data_uri(portrait_png(), "image/png"), "audio_urls": [clip, clip, clip]},
        format="json",
    )
    assert answer.status_code == 201, answer.content

    [email] = wait_for(lambda: list(mailoutbox), timeout=60, message="the batch's e-mail")
    assert "batch of 3 videos" in email.subject and f"/batches/{answer.json()['id']}/" in email.body
    assert Notification.objects.count() == 1


class Inbox:
    """A real SMTP server (aiosmtpd) on a free port, refusing the first `refuse` messages
    with a temporary error, as a busy mail server does."""

    def __init__(self, refuse=0):
        self.refuse, self.received, self.lock = refuse, [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    def start(refuse=0):
        inbox = Inbox(refuse)
        with socket.socket() as probe:  # a free port (aiosmtpd does not report the one it got for 0)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
            }
        }
        return inbox

    servers = []
    yield start
    for controller in servers:
        controller.stop()


def test_a_real_smtp_server_gets_the_email_after_a_refusal_and_only_once(user, smtp_server):
    inbox = smtp_server(refuse=1)
    services.set_email_when_done(user, True)
    job = make_job(user, JobState.IN_PROGRESS, title="Hello from Ada")
    fail_job(job.id, "no face found")

    assert services.send_due() == 1 and inbox.received == []
    notification = Notification.objects.get()
    assert (
        notification.sent_at is None and "451" in notification.last_error and notification.next_attempt_at is not None
    )
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=notification.created_at
    )  # the retry is due now

    assert services.send_due() == 1 and services.send_due() == 0
    [envelope] = inbox.received
    assert envelope.rcpt_tos == [user.email]
    text = envelope.content.decode()
    assert "Hello from Ada" in text and f"Message-ID: <{notification.id}@avatar-studio>" in text
