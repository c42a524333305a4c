"""Queries the browser views need. Every job query is scoped to its owner."""

import uuid
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404

from batches.models import Batch
from credits.models import LedgerEntry
from jobs.models import UNFINISHED_STATES, Job, JobState
from jobs.registry import MODELS


def owned_batch(user, batch_id) -> Batch:
    return get_object_or_404(Batch.objects.filter(user=user), pk=batch_id)


def user_batches(user):
    """The user's batches, newest first, each with its items counted by stage (the keys of
    Batch.totals() that Batch.status_from reads) and its first item's title, in one query."""
    item_state = "items__job__state"
    return (
        Batch.objects.filter(user=user)
        .order_by("-created_at")
        .annotate(
            total=Count("items"),
            queued=Count("items", filter=Q(**{f"{item_state}__in": [JobState.PENDING, JobState.IN_QUEUE]})),
            running=Count("items", filter=Q(**{item_state: JobState.IN_PROGRESS})),
            completed=Count("items", filter=Q(**{item_state: JobState.COMPLETED})),
            failed=Count("items", filter=Q(**{f"{item_state}__in": [JobState.FAILED, JobState.TIMED_OUT]})),
            cancelled=Count("items", filter=Q(**{item_state: JobState.CANCELLED})),
            first_title=Min("items__job__title", filter=Q(items__position=0)),
        )
    )


def batch_of(job) -> Batch | None:
    """The batch the job was made in, if any (its page links back to it)."""
    return Batch.objects.filter(items__job=job).first()


def owned_job(user, job_id) -> Job:
    """The user's job, or 404 (another user's job does not exist for them)."""
    return get_object_or_404(Job.objects.filter(user=user), pk=job_id)


def portrait_job(user, job_id) -> Job | None:
    """The user's job whose portrait a new job may reuse (`?portrait=<id>` on the create
    page), or None when the id is malformed, missing, another user's, or has no portrait."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        return None
    has_portrait = ~Q(image_file="") | ~Q(image_url="")
    return Job.objects.filter(has_portrait, user=user, pk=job_id).first()


def downloadable_job(user, job_id) -> Job:
    """The user's finished job that has a stored video, or 404 (nothing to download yet)."""
    finished = Job.objects.filter(user=user, state=JobState.COMPLETED).exclude(video="")
    return get_object_or_404(finished, pk=job_id)


# The states a person tells apart in the gallery: waiting, queued and rendering are all
# "in progress" to them. Keys are what ?status= takes.
GALLERY_STATES = {
    "in_progress": ("In progress", UNFINISHED_STATES),
    "completed": ("Completed", {JobState.COMPLETED}),
    "failed": ("Failed", {JobState.FAILED}),
    "cancelled": ("Cancelled", {JobState.CANCELLED}),
    "timed_out": ("Timed out", {JobState.TIMED_OUT}),
}

# What a gallery tile shows; fal's logs and output alone can be kilobytes a job.
GALLERY_COLUMNS = ("id", "title", "state", "endpoint_id", "poster", "video", "video_duration", "created_at")


def gallery_jobs(user, *, search="", model="", status=""):
    """The user's jobs for the gallery, newest first, with only the columns a tile shows.

    `search` matches anywhere in the title (any case), `model` is a registry key and
    `status` a GALLERY_STATES key; an empty one does not filter.
    """
    jobs = Job.objects.listed().filter(user=user).only(*GALLERY_COLUMNS).order_by("-created_at", "-id")
    if search:
        jobs = jobs.filter(title__icontains=search)
    if model:
        jobs = jobs.filter(endpoint_id=MODELS[model].endpoint_id)
    if status:
        jobs = jobs.filter(state__in=GALLERY_STATES[status][1])
    return jobs


class GalleryPaginator(Paginator):
    """Pages of jobs found by id first: the jobs skipped to reach a late page are counted
    off in the (user, created_at, id) index alone, and only the page's own jobs are read
    from the table (an OFFSET over the rows read every job before the page)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        jobs = {job.pk: job for job in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([jobs[pk] for pk in ids if pk in jobs], number, self)


@dataclass(frozen=True)
class JobCredits:
    held: int  # reserved when the job was created (less a lowering: credits.services.lower_hold)
    charged: int
    released: int  # given back to the balance when the job ended


def job_credits(job) -> JobCredits | None:
    """What the job's hold came to, from its ledger entries (None for a job from before credits)."""
    kinds = [*LedgerEntry.JOB_KINDS, LedgerEntry.Kind.LOWER]
    amounts = dict(LedgerEntry.objects.filter(job=job, kind__in=kinds).values_list("kind", "amount"))
    if LedgerEntry.Kind.RESERVE not in amounts:
        return None
    return JobCredits(
        # A script job's hold is lowered to its exact price once its speech is measured.
        amounts[LedgerEntry.Kind.RESERVE] - amounts.get(LedgerEntry.Kind.LOWER, 0),
        amounts.get(LedgerEntry.Kind.CAPTURE, 0),
        amounts.get(LedgerEntry.Kind.RELEASE, 0),
    )
