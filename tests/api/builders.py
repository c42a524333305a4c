"""Batches in any outcome for API tests, written straight to the database and storage
(settings.MEDIA_ROOT should be a tmp dir)."""

from django.utils import timezone

from batches.models import Batch, BatchItem
from jobs.models import JobState
from tests.avatars.builders import PRO, completed_job, make_job


def finished_batch(
    user, outcomes=(JobState.COMPLETED, JobState.FAILED, JobState.COMPLETED), *, video=b"not really an mp4"
):
    """A batch whose items ended as `outcomes` say; completed ones have `video` stored."""
    batch = Batch.objects.create(user=user, endpoint_id=PRO.endpoint_id)
    for position, outcome in enumerate(outcomes):
        job = completed_job(user, video=video) if outcome == JobState.COMPLETED else make_job(user, outcome)
        BatchItem.objects.create(batch=batch, job=job, position=position)
    Batch.objects.filter(pk=batch.pk).update(finished_at=timezone.now())
    batch.refresh_from_db()
    return batch
