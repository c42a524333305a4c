"""Who is watching a job: the one mark that puts it on the live polling plan (jobs.schedule).

A job counts as watched for WATCH_SECONDS after its page's event stream, the proxy's status
stream or a status call to our API (seed status, v1 job detail, the proxy's status, the job
page's polling fallback) last said so. Streams and pollers call note_watched often (every
event loop, every status call); it writes at most once per WATCH_REFRESH_SECONDS per job,
so a hundred viewers of one job cost the same as one.
"""

from datetime import timedelta

from django.utils import timezone

from jobs import schedule
from jobs.models import Job

# "Status calls to our API in the last minute."
WATCH_SECONDS = 60
# How stale the mark may grow before a viewer renews it: one UPDATE per job per this long.
WATCH_REFRESH_SECONDS = 15


def note_watched(job):
    """Someone is following `job` live: poll it on the live plan for the next WATCH_SECONDS,
    and if its next check was booked further off (the sparse plan), make it due now.

    Plain sync code with one conditional UPDATE at most, nothing when the mark is fresh
    (decided from `job.watched_until` as the caller read it); safe for a finished or
    deleted job (nothing happens)."""
    now = timezone.now()
    if job.is_finished or job.fal_finished_at:
        return
    if job.watched_until and job.watched_until > now + timedelta(seconds=WATCH_SECONDS - WATCH_REFRESH_SECONDS):
        return
    until = now + timedelta(seconds=WATCH_SECONDS)
    Job.objects.watch(job.pk, until=until, due_by=now + timedelta(seconds=schedule.live_poll_delay(job)))
    job.watched_until = until
