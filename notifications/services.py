"""Owing and sending the e-mails that say a job or a batch is done."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobState

from .models import JobChoice, Notification, Preference

logger = logging.getLogger(__name__)

# A user cancelling their own job knows it ended; these endings are news.
NEWS_STATES = {JobState.COMPLETED: "is ready", JobState.FAILED: "failed", JobState.TIMED_OUT: "timed out"}
# An e-mail is tried this often, the waits between tries growing, then given up (and logged).
MAX_ATTEMPTS = 6
CLAIM_SECONDS = 120  # longer than any SMTP conversation: a claim older than this was lost


def email_when_done(user) -> bool:
    preference = Preference.objects.filter(user=user).first()
    return bool(preference and preference.email_when_done)


def set_email_when_done(user, wanted: bool) -> None:
    Preference.objects.update_or_create(user=user, defaults={"email_when_done": wanted})


def choose_for_job(job, notify: bool | None) -> None:
    """Record a job's own choice (`notify` on the API); None leaves it to the user's default.
    Call in the transaction that creates the job."""
    if notify is not None:
        JobChoice.objects.create(job=job, notify=notify)


def _job_wants_email(job) -> bool:
    choice = JobChoice.objects.filter(job=job).values_list("notify", flat=True).first()
    if choice is not None:
        return choice
    # A batch's items are told about once, by the batch's e-mail, unless a job asked itself.
    return not hasattr(job, "batch_item") and email_when_done(job.user)


def record_job_finished(job) -> Notification | None:
    """Owe the job's e-mail if its ending is news and its owner wants it. Runs inside the
    transaction that finishes the job, so the e-mail is owed exactly when the ending commits.
    A long video's segments owe none: the e-mail is its parent's."""
    news = NEWS_STATES.get(job.state)
    if news is None or job.parent_id or not job.user.email or not _job_wants_email(job):
        return None
    link = site_url(reverse("avatars:job", kwargs={"job_id": job.id}))
    context = {"job": job, "news": news, "link": link}
    return _owe(
        job.user,
        Notification.Kind.JOB,
        {"job": job},
        f"Your video “{job.display_title}” {news}",
        "notifications/job_email.txt",
        context,
    )


def record_batch_finished(batch) -> Notification | None:
    if not batch.user.email or not email_when_done(batch.user):
        return None
    totals = batch.totals()
    link = site_url(reverse("avatars:batch", kwargs={"batch_id": batch.id}))
    subject = f"Your batch of {totals['total']} videos finished: {totals['completed']} made"
    context = {"batch": batch, "totals": totals, "link": link}
    return _owe(
        batch.user, Notification.Kind.BATCH, {"batch": batch}, subject, "notifications/batch_email.txt", context
    )


def _owe(user, kind, subject_of, subject, template, context):
    try:
        with transaction.atomic():  # a savepoint: a second ending of the same job owes nothing
            return Notification.objects.create(
                user=user, kind=kind, subject=subject[:250], body=render_to_string(template, context), **subject_of
            )
    except IntegrityError:
        return None


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_due(limit: int = 20) -> int:
    """Send up to `limit` owed e-mails that are due; returns how many were tried."""
    now = timezone.now()
    due = list(Notification.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    tried = 0
    for notification_id in due:
        if Notification.objects.claim(notification_id, until=timezone.now() + timedelta(seconds=CLAIM_SECONDS)):
            send(Notification.objects.select_related("user").get(pk=notification_id))
            tried += 1
    return tried


def send(notification) -> bool:
    """One try at a claimed e-mail: sent, or booked for a later try (given up after MAX_ATTEMPTS)."""
    message = EmailMessage(
        notification.subject,
        notification.body,
        to=[notification.user.email],
        headers={"Message-ID": notification.message_id},
    )
    try:
        message.send()
    except Exception as exc:  # any mail backend's failure: try again later
        failed = notification.attempt_count >= MAX_ATTEMPTS
        retry_at = None if failed else timezone.now() + timedelta(seconds=30 * 2**notification.attempt_count)
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=retry_at, last_error=str(exc)[:300])
        logger.warning(
            "E-mail %s to user %s failed (try %s): %s",
            notification.pk,
            notification.user_id,
            notification.attempt_count,
            exc,
        )
        return False
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), next_attempt_at=None, last_error="")
    return True
