"""Batches: made whole or refused whole, finished once, cancelled item by item."""

from django.db import transaction
from django.utils import timezone

from credits import services as credits
from jobs.models import TERMINAL_STATES, Job
from jobs.services import lifecycle, submission

from .models import Batch, BatchItem
from .signals import batch_completed


def create_batch(*, user, model, items, prompt="", webhook_url="", agreement=None, model_params=None) -> Batch:
    """Create a batch of jobs from `items`, a list of (image, audio) validated inputs.

    Every item's credits are held like a single job's; a batch the balance cannot cover is
    refused whole (InsufficientCredits, with the shortfall) and leaves nothing behind.
    """
    total = sum(model.estimate_credits(audio.duration, model_params) for _, audio in items)
    with transaction.atomic():
        credits.refuse_unless_covered(user, total, what=f"This batch of {len(items)}")
        batch = Batch.objects.create(user=user, endpoint_id=model.endpoint_id, prompt=prompt, webhook_url=webhook_url)
        jobs = submission.create_jobs_together(
            user=user, model=model, items=items, prompt=prompt, agreement=agreement, model_params=model_params
        )
        BatchItem.objects.bulk_create(
            BatchItem(batch=batch, job=job, position=index) for index, job in enumerate(jobs)
        )
    return batch


def note_item_finished(sender, *, job, to_state, **kwargs):
    """A job ended (jobs.signals.job_state_changed, inside its transaction): if it was the
    last unfinished item of its batch, the batch ends, once, whatever items end together."""
    if to_state not in TERMINAL_STATES:
        return
    batch_id = BatchItem.objects.filter(job_id=job.pk).values_list("batch_id", flat=True).first()
    if batch_id is None:
        return
    # The row lock makes items ending at once take turns here; each looks at the others'
    # states only once it holds the lock, so the last one sees every other item ended.
    batch = Batch.objects.select_for_update(no_key=True).get(pk=batch_id)
    if batch.finished_at or batch.items.exclude(job__state__in=TERMINAL_STATES).exists():
        return
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])
    batch_completed.send(sender=Batch, batch=batch)


def cancel_batch(batch, *, by=""):
    """Cancel every unfinished item; returns how many were cancelled."""
    cancelled = 0
    for job in batch.jobs.exclude(state__in=TERMINAL_STATES):
        try:
            _, done = lifecycle.cancel_job(job.pk, by=by)
        except Job.DoesNotExist:
            continue  # deleted meanwhile: nothing left to cancel
        cancelled += done
    return cancelled
