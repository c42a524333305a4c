"""Queries the browser views need. Every job query is scoped to its owner."""

from django.shortcuts import get_object_or_404

from batches.models import Batch
from jobs.models import Job


def owned_batch(user, batch_id) -> Batch:
    return get_object_or_404(Batch.objects.filter(user=user), pk=batch_id)


def owned_job(user, job_id) -> Job:
    """The user's job, or 404 (another user's job does not exist for them)."""
    return get_object_or_404(Job.objects.filter(user=user), pk=job_id)


# What a gallery tile shows; fal's logs and output alone can be kilobytes a job.
GALLERY_COLUMNS = ("id", "state", "prompt", "poster", "video_duration", "created_at")


def gallery_jobs(user, status=""):
    """The user's jobs for the gallery, newest first, with only the columns a tile shows."""
    jobs = Job.objects.filter(user=user).only(*GALLERY_COLUMNS).order_by("-created_at")
    return jobs.filter(state=status) if status else jobs
