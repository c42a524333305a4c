"""What the job page says about a job in flight: elapsed time, expectation, a progress figure.

The percentage is an honest estimate, not a measurement: fal reports no progress, so it
follows elapsed run time against the model's usual run time and never claims to be done
before the video is stored.
"""

from dataclasses import dataclass

from django.utils import timezone

from jobs.models import JobState
from jobs.schedule import expected_run_seconds, run_started_at, submitted_at
from jobs.services import admission
from longform import selectors as longform

QUEUED_PERCENT = 5
RUN_PERCENT = 90  # the share of the bar the run itself fills
STORING_PERCENT = 97


@dataclass(frozen=True)
class JobProgress:
    elapsed_seconds: float
    expected_seconds: float
    percent: int
    overdue: bool
    storing: bool  # fal has finished; the video is being copied into our storage
    waiting_ahead: int | None = None  # waiting for a free slot at fal, behind this many jobs
    segments: str = ""  # a long video's: "segment 3 of 7", "stitching 7 segments"


def progress_for(job, now=None) -> JobProgress:
    now = now or timezone.now()
    expected = expected_run_seconds(job)
    started = submitted_at(job)
    ended = job.finished_at if job.is_finished and job.finished_at else now
    elapsed = max((ended - started).total_seconds(), 0.0)
    storing = bool(job.fal_finished_at) and not job.is_finished
    overdue = False
    if job.state == JobState.COMPLETED:
        percent = 100
    elif job.is_finished:
        percent = 0
    elif storing:
        percent = STORING_PERCENT
    elif job.is_long:
        # A long video's bar follows its segments: each made one fills its share of the run.
        made = longform.progress_of(job) or {"done": 0, "total": 1}
        percent = QUEUED_PERCENT + int(RUN_PERCENT * made["done"] / made["total"])
    elif job.state == JobState.IN_PROGRESS:
        running = max((now - run_started_at(job)).total_seconds(), 0.0)
        overdue = running > expected
        percent = QUEUED_PERCENT + int(RUN_PERCENT * min(running / expected, 1.0)) if expected else QUEUED_PERCENT
    elif job.state == JobState.IN_QUEUE:
        percent = QUEUED_PERCENT
    else:
        percent = 1
    return JobProgress(
        elapsed, expected, percent, overdue, storing, admission.jobs_ahead(job), longform.progress_text(job)
    )
