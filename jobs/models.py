import functools
import uuid
from typing import cast

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone


class JobState(models.TextChoices):
    # A job made from a script speaks it first (jobs.services.speaking), then waits as any job.
    SPEAKING = "speaking", "Speaking the script"
    PENDING = "pending", "Pending"
    IN_QUEUE = "in_queue", "In queue"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    TIMED_OUT = "timed_out", "Timed out"


TERMINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT})
UNFINISHED_STATES = frozenset({JobState.SPEAKING, JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS})

# Admission asks two questions on every pending job shown and every claim: how many jobs
# hold a slot at fal, and which jobs wait for one. Each is one fixed condition, written once
# here and used both by the query and by the partial index that answers it, so the database
# reads only the few rows that match (at most MAX_JOBS_AT_FAL and the waiting jobs), never
# the whole table. The states are a list in a fixed order: the planners match a query to a
# partial index by comparing the conditions, and a set's order changes from run to run.
AT_FAL = Q(state__in=[JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS], submit_started_at__isnull=False)
WAITING_FOR_SLOT = Q(state=JobState.PENDING, request_id="", submit_started_at__isnull=True)
# Asked on every submit, under the user's row lock (MAX_ACTIVE_JOBS_PER_USER): read from an
# index of only the unfinished jobs, not from all of a long history's.
UNFINISHED = Q(state__in=[JobState.SPEAKING, JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS])

# The only moves the pipeline may make. A finished job never moves again, so a late or
# replayed webhook can't drag it backwards. Skipping ahead is allowed: a fast request can
# finish before we ever saw it queued. A script job whose speech is longer than its model
# takes goes from `speaking` straight to `in_queue`: the parent of a long video (jobs.long_audio).
ALLOWED_TRANSITIONS = {
    JobState.SPEAKING: {JobState.PENDING, JobState.IN_QUEUE, *TERMINAL_STATES},
    JobState.PENDING: {JobState.IN_QUEUE, JobState.IN_PROGRESS, *TERMINAL_STATES},
    JobState.IN_QUEUE: {JobState.IN_PROGRESS, *TERMINAL_STATES},
    JobState.IN_PROGRESS: set(TERMINAL_STATES),
    **{state: set() for state in TERMINAL_STATES},
}

# The timestamp each state stamps when a job enters it.
STATE_TIMESTAMP_FIELD = {
    JobState.PENDING: "speech_finished_at",  # entered only from speaking: the speech is ready
    JobState.IN_QUEUE: "queued_at",
    JobState.IN_PROGRESS: "started_at",
    JobState.COMPLETED: "finished_at",
    JobState.FAILED: "finished_at",
    JobState.CANCELLED: "finished_at",
    JobState.TIMED_OUT: "finished_at",
}


def input_upload_path(job, filename):
    return f"inputs/{job.user_id}/{job.id}/{filename}"


def output_upload_path(job, filename):
    return f"videos/{job.user_id}/{job.id}/{filename}"


class JobQuerySet(models.QuerySet):
    """The pipeline's claims: conditional updates that exactly one concurrent caller wins.

    Beside the state machine (jobs.state), these fields say which step may run next:
    `submit_started_at` (a submission is in flight), `next_poll_at` (the due time of the one
    poll chain), `watched_until` (someone follows the job live: it is polled densely),
    `fal_finished_at` (fal has ended the request; ingest it) and `ingest_started_at` (an
    ingest is running).
    """

    def unfinished(self):
        return self.filter(UNFINISHED)

    def listed(self):
        """Jobs people see as videos: not the segments of a long video (they show under it)."""
        return self.filter(parent__isnull=True)

    def at_fal(self):
        """Jobs holding a slot at fal: a submission claimed (or a request made) and not finished."""
        return self.filter(AT_FAL)

    def waiting_for_slot(self):
        """Pending jobs no submission has claimed yet."""
        return self.filter(WAITING_FOR_SLOT)

    def claim_submission(self, job_id) -> bool:
        """Only one caller may submit a pending job that has no request and no submission in flight."""
        claimable = self.filter(WAITING_FOR_SLOT, pk=job_id)
        return claimable.update(submit_attempts=F("submit_attempts") + 1, submit_started_at=timezone.now()) == 1

    def count_failed_upload(self, job_id):
        """Uploading the inputs is a submission's first step: a failed upload counts as an
        attempt, so its retries back off and end like a refused submit's."""
        self.filter(pk=job_id).update(submit_attempts=F("submit_attempts") + 1)

    def count_refusal(self, job_id):
        """fal definitely refused a submission (it answered with an error): only a few of
        those are retried, however many attempts found fal out of reach."""
        self.filter(pk=job_id).update(submit_refusals=F("submit_refusals") + 1)

    def release_submission(self, job_id):
        """Only after fal definitely refused (nothing exists there) may a submission be claimed
        again, by any process: the job was sent to no fal after all."""
        self.filter(pk=job_id).update(submit_started_at=None, fal_origin="")

    def sent_to(self, fal_origin):
        """Jobs whose request, if any, the fal at `fal_origin` holds (see Job.fal_origin): those
        sent to it, and those that name no fal (not sent yet, or sent before it was recorded)."""
        return self.filter(fal_origin__in=["", fal_origin])

    def schedule_poll(self, job_id, due_at):
        """A job has one next status check: a new due time replaces the old one."""
        self.filter(pk=job_id).update(next_poll_at=due_at)

    def watch(self, job_id, *, until, due_by):
        """Someone follows the job live until `until`: its next check, if booked later than
        `due_by` (on the sparse plan), is made due now. An unsubmitted or finished job keeps
        no check (none is booked), so only the mark is written."""
        now = timezone.now()
        bring_forward = Case(When(next_poll_at__gt=due_by, then=Value(now)), default=F("next_poll_at"))
        watchable = self.filter(pk=job_id, fal_finished_at__isnull=True).exclude(state__in=TERMINAL_STATES)
        watchable.update(watched_until=until, next_poll_at=bring_forward)

    def check_all_now(self):
        """Every booked check becomes due now (the fleet's webhooks just turned unhealthy:
        jobs waiting on the sparse plan go back to the dense one at once); how many moved."""
        now = timezone.now()
        return self.filter(next_poll_at__gt=now).update(next_poll_at=now)

    def check_overtaken(self, finished, *, due_at, margin):
        """fal ended `finished`'s request: each unfinished job sent to the same fal queue at
        least `margin` earlier (closer, the two may simply run side by side), with a clip no
        longer (fal's run time grows with the clip), not yet overtaken and whose check is
        booked after `due_at`, is checked at `due_at` instead: fal starts a queue's requests
        in order, so that job's run should have ended first, and its webhook may be the lost
        one. Once per job; one UPDATE; how many moved."""
        if not finished.submit_started_at or not finished.request_id:
            return 0
        jobs = self
        if finished.audio_duration is not None:
            jobs = self.filter(Q(audio_duration__isnull=True) | Q(audio_duration__lte=finished.audio_duration))
        overtaken = jobs.filter(
            fal_origin=finished.fal_origin,
            endpoint_id=finished.endpoint_id,
            submit_started_at__lt=finished.submit_started_at - margin,
            fal_finished_at__isnull=True,
            overtaken_at__isnull=True,
            next_poll_at__gt=due_at,
        ).exclude(state__in=TERMINAL_STATES)
        return overtaken.update(overtaken_at=timezone.now(), next_poll_at=due_at)

    def due_for_poll(self, now):
        """Jobs whose status check is due, oldest first (workers poll them: poll_due_jobs)."""
        due = self.filter(next_poll_at__lte=now, fal_finished_at__isnull=True).exclude(state__in=TERMINAL_STATES)
        return due.exclude(request_id="").order_by("next_poll_at")

    def claim_due_polls(self, now, *, fal_origin, limit, next_due) -> list:
        """Take up to `limit` of the jobs sent to `fal_origin` whose status check is due,
        oldest first, for the caller alone; returns them (with POLL_FIELDS loaded). The claim
        books each job's following check at `next_due(job)`, so a worker dying mid-check
        loses nothing: the job is simply due again then.

        One transaction per batch, two statements written once (see _due_polls_sql): on
        PostgreSQL the due rows are locked with SKIP LOCKED, so concurrent workers each take
        other jobs instead of racing for the same ones; SQLite has no row locks, but its
        IMMEDIATE transactions take the write lock at the start, so claims run one at a time."""
        connection = connections[self.db]
        with transaction.atomic(using=self.db):
            skip_locked = connection.features.has_select_for_update_skip_locked
            jobs = cast(
                "list[Job]",
                list(self.raw(_due_polls_sql(skip_locked), [now, *_TERMINAL_STATE_LIST, fal_origin, limit])),
            )
            if not jobs:
                return jobs
            id_field, due_field = Job._meta.pk, Job._meta.get_field("next_poll_at")
            params, ids = [], []
            for job in jobs:
                job.next_poll_at = next_due(job)
                job_id = id_field.get_db_prep_value(job.pk, connection)
                params += [job_id, due_field.get_db_prep_value(job.next_poll_at, connection)]
                ids.append(job_id)
            with connection.cursor() as cursor:
                cursor.execute(_book_polls_sql(len(jobs)), params + ids)
        return jobs

    def mark_fal_finished(self, job_id, *, source) -> bool:
        """Only the first notice that fal ended an unfinished job's request passes; polling
        stops. `source` (webhook, poll, cancel) is kept: the fleet's webhook health is the
        share of recent completions a webhook noticed first."""
        noticed = self.filter(pk=job_id, fal_finished_at__isnull=True).exclude(state__in=TERMINAL_STATES)
        return noticed.update(fal_finished_at=timezone.now(), fal_finished_by=source, next_poll_at=None) == 1

    def claim_ingest(self, job_id, *, stale_after) -> bool:
        """Only one ingest runs for a job fal finished; a claim older than `stale_after` is presumed dead."""
        stale = timezone.now() - stale_after
        claimable = self.filter(pk=job_id, fal_finished_at__isnull=False).exclude(state__in=TERMINAL_STATES)
        claimable = claimable.filter(Q(ingest_started_at__isnull=True) | Q(ingest_started_at__lt=stale))
        return claimable.update(ingest_started_at=timezone.now()) == 1

    def release_ingest(self, job_id):
        """After a failed ingest attempt (or a dead worker) the next one may claim at once."""
        self.filter(pk=job_id).update(ingest_started_at=None)


# What a status check reads of a job (jobs.services.tracking and the schedule it follows).
POLL_FIELDS = (
    "id",
    "endpoint_id",
    "request_id",
    "state",
    "logs",
    "queue_position",
    "next_poll_at",
    "created_at",
    "submit_started_at",
    "queued_at",
    "started_at",
    "fal_finished_at",
    "audio_duration",
    "fal_origin",
    "watched_until",
)
_TERMINAL_STATE_LIST = sorted(TERMINAL_STATES)


# The status-check claim runs several times a second in every worker, and building it with
# the ORM cost more CPU than the check's own HTTP call (bench/worker_load.py): so its two
# statements are written here once, by hand, and only their parameters change. They say
# what due_for_poll says; tests/jobs/test_polling.py holds the two to the same jobs.
@functools.cache
def _due_polls_sql(skip_locked: bool) -> str:
    meta = Job._meta
    # Every name in POLL_FIELDS is a concrete column of Job, never a relation's reverse side.
    columns = ", ".join(meta.get_field(name).column for name in POLL_FIELDS)  # type: ignore[union-attr, misc]
    states = ", ".join(["%s"] * len(_TERMINAL_STATE_LIST))
    return (
        f"SELECT {columns} FROM {meta.db_table} WHERE next_poll_at <= %s AND fal_finished_at IS NULL"
        f" AND state NOT IN ({states}) AND request_id <> '' AND fal_origin IN ('', %s)"
        f" ORDER BY next_poll_at LIMIT %s{' FOR UPDATE SKIP LOCKED' if skip_locked else ''}"
    )


@functools.cache
def _book_polls_sql(count: int) -> str:
    """One UPDATE booking the next check of `count` claimed jobs (one per batch size seen:
    at most POLL_CONCURRENCY of them)."""
    cases = " ".join(["WHEN %s THEN %s"] * count)
    ids = ", ".join(["%s"] * count)
    return (
        f"UPDATE {Job._meta.db_table} SET next_poll_at = CASE id {cases} END, status_polls = status_polls + 1"
        f" WHERE id IN ({ids})"
    )


class Job(models.Model):
    """One talking-avatar generation: inputs, fal's request, state and the stored video."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    endpoint_id = models.CharField(max_length=200)
    # What the owner calls it; new jobs take the audio file's name (see display_title).
    title = models.CharField(max_length=200, blank=True)
    # Which fal the job was sent to (jobs.fal.storage_origin at submit): only that fal knows
    # its request id, so only a process pointed at it may ask about the request.
    fal_origin = models.CharField(max_length=300, blank=True)

    # Inputs. A *_url is what fal receives; a *_file is our own copy of an uploaded input,
    # sent to fal storage by the submit task when no URL is known yet.
    image_url = models.TextField(blank=True)
    audio_url = models.TextField(blank=True)
    image_file = models.FileField(upload_to=input_upload_path, blank=True, max_length=300)
    audio_file = models.FileField(upload_to=input_upload_path, blank=True, max_length=300)
    prompt = models.TextField(blank=True)
    # The model's own inputs beside the portrait, speech and prompt (OmniHuman's resolution
    # and turbo_mode), every one with its value, checked against the registry when the job is
    # made (jobs.registry.FalModel.clean_params) and sent to fal as they are.
    model_params = models.JSONField(default=dict, blank=True)
    # A job made from a script: the text fal's text-to-speech model speaks in `voice` (a key of
    # speech.voices.VOICES); the speech then becomes the job's audio input (audio_file).
    script = models.TextField(blank=True)
    voice = models.CharField(max_length=30, blank=True)
    # The speech step's fal request: its submit claimed (before fal is called), its id, and
    # when the speech was stored as the job's audio.
    speech_started_at = models.DateTimeField(null=True, blank=True)
    speech_request_id = models.CharField(max_length=100, blank=True)
    speech_finished_at = models.DateTimeField(null=True, blank=True)
    audio_duration = models.FloatField(null=True, blank=True)

    # A long video (jobs.long_audio): the parent is made of `segment_count` segment jobs and is
    # never sent to fal itself; its segments name it as `parent`, are hidden from lists, send
    # no webhooks or e-mails of their own, and hold no credits (the parent holds for all).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="segments", editable=False
    )
    segment_count = models.PositiveSmallIntegerField(default=0)

    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING, db_index=True)
    request_id = models.CharField(max_length=100, blank=True, db_index=True)
    # Counts deliberate submissions. It is bumped *before* fal is called, so a crash
    # between the two leaves evidence that a request may exist at fal.
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    submit_refusals = models.PositiveSmallIntegerField(default=0)  # attempts fal answered with an error
    submit_started_at = models.DateTimeField(null=True, blank=True)
    queue_position = models.PositiveIntegerField(null=True, blank=True)
    logs = models.JSONField(default=list, blank=True)

    # fal has reported the request finished (by webhook or poll) and here is its outcome;
    # the job completes once the video is in our storage.
    fal_finished_at = models.DateTimeField(null=True, blank=True)
    # How we first learned it: "webhook", "poll" or "cancel" (empty before issue 22's change).
    fal_finished_by = models.CharField(max_length=20, blank=True)
    fal_output = models.JSONField(null=True, blank=True)
    ingest_started_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    status_polls = models.PositiveIntegerField(default=0)
    # Someone follows the job live (its page's stream, the proxy's stream, status calls to our
    # API) until then: it is polled densely meanwhile (jobs.services.watching).
    watched_until = models.DateTimeField(null=True, blank=True)
    # A job sent after this one to the same fal queue finished while this one had not: fal
    # starts requests in order, so this one's webhook may be lost. Checked once, soon (see
    # JobQuerySet.check_overtaken); set once per job, so a slow run costs one extra check at most.
    overtaken_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    video = models.FileField(upload_to=output_upload_path, blank=True, max_length=300)
    poster = models.ImageField(upload_to=output_upload_path, blank=True, max_length=300)
    video_duration = models.FloatField(null=True, blank=True)
    video_size = models.BigIntegerField(null=True, blank=True)
    video_content_type = models.CharField(max_length=100, blank=True)
    # The stored video plays longer than the audio the job was priced on (audio_duration):
    # fal rendered, and charged us for, more than we held for. Set by ingest; never expected.
    delivered_longer_than_priced = models.BooleanField(default=False)

    error = models.TextField(blank=True)
    error_type = models.CharField(max_length=100, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A user's jobs newest first, in the order of the v1 list's pages (created_at, id);
            # a late gallery page skips its predecessors in this index alone, and a list
            # filtered by state or model tells its rows apart here before reading them.
            models.Index(
                fields=["user", "-created_at", "-id"],
                include=["state", "endpoint_id"],
                name="jobs_job_user_newest_idx",
            ),
            # A user's jobs in one state, newest first: the v1 list filtered by a rare status
            # (failed, cancelled) reads that state's rows alone instead of every job until it
            # has a page; a list of several states merges a few short ranges.
            models.Index(fields=["user", "state", "-created_at", "-id"], name="jobs_job_user_state_newest_idx"),
            # Admission's fair order asks when each waiting user last had a job started.
            models.Index(fields=["user", "submit_started_at"]),
            # The admin's job list filtered by state, newest first: without it a state's
            # jobs are all read and sorted to show the first page.
            models.Index(fields=["state", "-created_at"]),
            # Monitoring: the dashboard's windows are ranges of finished_at (counted by state
            # from the index alone), and /metrics counts jobs by state and model.
            models.Index(fields=["finished_at", "state"], name="jobs_job_finished_state_idx"),
            models.Index(fields=["state", "endpoint_id"], name="jobs_job_state_endpoint_idx"),
            # Admission (see AT_FAL): the jobs at fal counted, and counted by user, from an
            # index of only those jobs; the waiting jobs read oldest first from theirs.
            models.Index(fields=["user"], condition=AT_FAL, name="jobs_job_at_fal_idx"),
            models.Index(fields=["created_at", "id", "user"], condition=WAITING_FOR_SLOT, name="jobs_job_waiting_idx"),
            models.Index(fields=["user"], condition=UNFINISHED, name="jobs_job_unfinished_idx"),
            # Webhook health (jobs.services.webhook_health): the newest completions noticed by
            # webhook, and by poll, each read from the end of its own range.
            models.Index(fields=["fal_finished_by", "fal_finished_at"], name="jobs_job_finished_by_idx"),
        ]

    def __str__(self):
        return f"{self.id} ({self.state})"

    @property
    def is_finished(self):
        return self.state in TERMINAL_STATES

    @property
    def is_long(self) -> bool:
        """Made of segments (see `parent`), never sent to fal itself."""
        return self.segment_count > 0

    @property
    def display_title(self) -> str:
        return self.title or f"Talking avatar of {timezone.localtime(self.created_at):%-d %b %Y, %H:%M}"

    @property
    def fal_queue_detail(self) -> str:
        """Where the job stands in fal's queue, in words that agree with `queue_position`:
        both count from 0 as fal does, the number being how many requests start first."""
        if self.state != JobState.IN_QUEUE or self.queue_position is None:
            return ""
        if self.queue_position == 0:
            return "in fal's queue (position 0: next to start)"
        return f"in fal's queue (position {self.queue_position}: {self.queue_position} ahead)"

    @property
    def model(self):
        """The registry entry of this job's fal endpoint (None for an endpoint since removed)."""
        from .registry import MODELS_BY_ENDPOINT

        return MODELS_BY_ENDPOINT.get(self.endpoint_id)

    @property
    def model_label(self) -> str:
        return self.model.label if self.model else self.endpoint_id

    @property
    def model_settings(self) -> str:
        """The model's own inputs in words ("resolution 720p, turbo mode on"); "" when none."""
        words = []
        for name, value in sorted(self.model_params.items()):
            shown = ("on" if value else "off") if isinstance(value, bool) else value
            words.append(f"{name.replace('_', ' ')} {shown}")
        return ", ".join(words)

    @property
    def estimated_cost(self):
        """USD, from the audio's length and the model's price per second, and a script's speech
        (None if unknown)."""
        cost = self.model.estimate_cost(self.audio_duration) if self.model else None
        if cost is not None and self.script:
            from .scripts import dollars_for_characters

            cost += dollars_for_characters(len(self.script))
        return cost


class FalCapacity(models.Model):
    """The one row every admission decision locks, so that MAX_JOBS_AT_FAL holds across
    processes (a count alone can't: two processes would both see a free slot)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        verbose_name_plural = "fal capacity"

    def __str__(self):
        return "fal capacity"

    @classmethod
    def lock(cls):
        """Take the lock; call inside transaction.atomic()."""
        cls.objects.get_or_create(pk=1)
        return cls.objects.select_for_update(no_key=True).get(pk=1)


class JobEvent(models.Model):
    """Append-only history of a job: every transition, webhook, poll and pipeline step."""

    class Kind(models.TextChoices):
        CREATED = "created"
        TRANSITION = "transition"
        SUBMIT = "submit"
        WEBHOOK = "webhook"
        POLL = "poll"
        INGEST = "ingest"
        CANCEL = "cancel"
        ERROR = "error"
        NOTE = "note"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind} {self.from_state}->{self.to_state}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Job events are append-only.")
        super().save(*args, **kwargs)


class Asset(models.Model):
    """An input file a user uploaded to fal storage, remembered by content hash so the same
    bytes are never uploaded twice."""

    class Kind(models.TextChoices):
        IMAGE = "image"
        AUDIO = "audio"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sha256 = models.CharField(max_length=64)
    # Which fal storage holds it (mode and host, see jobs.fal.storage_origin): a URL from
    # one fal backend is never handed to another.
    origin = models.CharField(max_length=300, default="")
    # The name the person gave the file (media.readable_name): a job made from this upload
    # is titled with it, and its fal URL ends in a safe form of it (media.safe_file_name).
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    duration = models.FloatField(null=True, blank=True)
    fal_url = models.TextField()
    # When fal storage may drop the file (fal keeps uploads about 7 days by default).
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sha256", "origin"], name="unique_asset_per_user_and_origin")
        ]

    def __str__(self):
        return f"{self.kind} {self.sha256[:12]}"
