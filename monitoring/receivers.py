"""How the pipeline's news becomes counts: each receiver adds to this process's tally
(monitoring.recorder) and does nothing else. Connected in MonitoringConfig.ready()."""

from django.db import transaction

from jobs.models import TERMINAL_STATES, JobState

from . import catalog, recorder


def model_label(job) -> str:
    return job.model.key if job.model else job.endpoint_id


def count_fal_call(sender, *, operation, outcome, seconds, **kwargs):
    recorder.count(catalog.FAL_CALLS, operation=operation, outcome=outcome)
    recorder.observe(catalog.FAL_CALL_SECONDS, seconds, operation=operation)


def count_finish_noticed(sender, *, source, **kwargs):
    recorder.count(catalog.FINISHES_NOTICED, source=source)


def count_webhook_rejected(sender, *, reason, **kwargs):
    recorder.count(catalog.WEBHOOK_REJECTIONS, reason=reason)


def count_job_finished(sender, *, job, to_state, **kwargs):
    """A job reached its end (exactly once: jobs.state.transition). Its steps' durations and
    its video's size are counted when that transaction commits, so a rolled-back ending
    counts nothing."""
    if to_state not in TERMINAL_STATES:
        return
    model = model_label(job)
    steps = []
    if to_state == JobState.COMPLETED:
        steps = [
            (catalog.SLOT_WAIT_SECONDS, job.created_at, job.queued_at),
            (catalog.QUEUE_SECONDS, job.queued_at, job.started_at),
            (catalog.PROGRESS_SECONDS, job.started_at, job.fal_finished_at),
            (catalog.INGEST_SECONDS, job.fal_finished_at, job.finished_at),
        ]
    video_size = job.video_size if to_state == JobState.COMPLETED else None
    longer_than_priced = to_state == JobState.COMPLETED and job.delivered_longer_than_priced

    def count():
        recorder.count(catalog.JOBS_FINISHED, state=to_state, model=model)
        # A fast job can skip a state (fal finished before we saw it start): no such step.
        for metric, began, ended in steps:
            if began and ended:
                recorder.observe(metric, (ended - began).total_seconds(), model=model)
        if video_size:
            recorder.count(catalog.INGESTED_BYTES, video_size, model=model)
        if longer_than_priced:
            recorder.count(catalog.DELIVERED_LONGER_THAN_PRICED, model=model)

    transaction.on_commit(count)
