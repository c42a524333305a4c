"""Admission control: how much work one user may have, and which waiting job goes to fal next.

fal never refuses queued work, it queues it; so the cap on jobs at fal (MAX_JOBS_AT_FAL) is
ours, to keep users' work out of a long fal queue and to share it fairly. Jobs over the cap
wait in our own `pending` state and start as slots free, round-robin across users (the
user with the fewest jobs at fal goes first) and oldest first within a user.

Slots are never counted in memory: a job holds one from its submission claim until it
finishes, so every terminal path frees it, and a crashed worker leaks nothing.
"""

import heapq
from collections import defaultdict, deque

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery

from jobs import queue
from jobs.models import FalCapacity, Job, JobState


class TooManyActiveJobs(Exception):
    """The user already has MAX_ACTIVE_JOBS_PER_USER unfinished jobs."""

    code = "too_many_active_jobs"

    def __init__(self, limit):
        self.limit = limit
        super().__init__(
            f"You already have {limit} unfinished jobs, the most you can run at once. "
            "Wait for one to finish, or cancel one."
        )


def refuse_if_too_many_active(user, *, counting=None):
    """Raise TooManyActiveJobs when the user may not add another job (`counting`: the new
    job, already saved in this transaction). Call inside the transaction that creates the
    job, as late as possible: it locks the user's row until the commit so two requests can't
    both take the last place. (FOR NO KEY UPDATE, like every row lock here: rows inserted
    meanwhile that point at the user, such as a ledger entry settling another job, must not
    wait for it, or the two transactions deadlock over the credit account.)"""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()
    active = Job.objects.unfinished().filter(user=user)
    if counting is not None:
        active = active.exclude(pk=counting.pk)
    if active.count() >= settings.MAX_ACTIVE_JOBS_PER_USER:
        raise TooManyActiveJobs(settings.MAX_ACTIVE_JOBS_PER_USER)


def claim_slot(job_id) -> bool:
    """Claim the submission of a waiting job if a slot at fal is free and it is this job's
    turn. Otherwise wake the jobs whose turn it is and return False (the job waits)."""
    with transaction.atomic():
        FalCapacity.lock()
        free = settings.MAX_JOBS_AT_FAL - Job.objects.at_fal().count()
        if free <= 0:
            return False
        turn = [str(waiting_id) for waiting_id in fair_order(limit=free)]
        if str(job_id) in turn:
            return Job.objects.claim_submission(job_id)
    for waiting_id in turn:
        queue.queue_turn(waiting_id)
    return False


def admit_waiting_jobs():
    """A slot may have freed: wake the waiting jobs whose turn it is (each claims its own)."""
    free = settings.MAX_JOBS_AT_FAL - Job.objects.at_fal().count()
    for job_id in fair_order(limit=max(free, 0)):
        queue.queue_turn(job_id)


def jobs_ahead(job) -> int | None:
    """How many waiting jobs start before this one while every slot at fal is taken (None
    when it isn't waiting for a slot)."""
    return places_in_line([job]).get(job.pk)


def places_in_line(jobs) -> dict:
    """{job id: how many waiting jobs start before it} for those of `jobs` that wait while
    every slot at fal is taken. One fair order serves a whole page of jobs, and a page with
    no waiting job asks the database nothing."""
    waiting = [
        job.pk for job in jobs if job.state == JobState.PENDING and not job.request_id and not job.submit_started_at
    ]
    if not waiting or Job.objects.at_fal().count() < settings.MAX_JOBS_AT_FAL:
        return {}
    place = {job_id: n for n, job_id in enumerate(fair_order())}
    return {job_id: place[job_id] for job_id in waiting if job_id in place}


def fair_order(limit=None) -> list:
    """Ids of waiting jobs in the order they would start: round-robin by user, oldest first
    within a user. A user's turn comes by (jobs at fal now, when we last started one of
    theirs, how long their oldest job has waited), so after each start the user goes to the
    back of the line, and a restart (the order lives in the rows) changes nothing."""
    by_user: defaultdict[int, deque] = defaultdict(deque)
    for job_id, user_id in Job.objects.waiting_for_slot().order_by("created_at", "id").values_list("id", "user_id"):
        by_user[user_id].append(job_id)
    if not by_user:
        return []
    at_fal = dict(
        Job.objects.at_fal().order_by().values("user_id").annotate(n=Count("id")).values_list("user_id", "n")
    )
    # Each waiting user's latest start, read from the end of their (user, submit_started_at)
    # index entries rather than from all of a long history's started jobs.
    latest = Job.objects.filter(user=OuterRef("pk"), submit_started_at__isnull=False).order_by("-submit_started_at")
    users = get_user_model().objects.filter(pk__in=by_user).order_by()
    users = users.annotate(last=Subquery(latest.values("submit_started_at")[:1])).filter(last__isnull=False)
    last_started = dict(users.values_list("pk", "last"))
    never = (0, 0)
    turns = [
        (
            at_fal.get(user_id, 0),
            (1, last_started[user_id].timestamp()) if user_id in last_started else never,
            rank,
            user_id,
        )
        for rank, user_id in enumerate(by_user)  # rank: by oldest waiting job
    ]
    heapq.heapify(turns)
    order: list = []
    while turns and (limit is None or len(order) < limit):
        count, _, rank, user_id = heapq.heappop(turns)
        order.append(by_user[user_id].popleft())
        if by_user[user_id]:
            heapq.heappush(turns, (count + 1, (2, len(order)), rank, user_id))  # after every real start
    return order
