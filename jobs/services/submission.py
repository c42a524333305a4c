"""Creating jobs and submitting them to fal, exactly once per intended attempt."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from consent import services as consent
from credits import services as credits
from jobs import fal, long_audio, media, queue, schedule, scripts
from jobs.models import Job, JobEvent, JobState
from jobs.registry import FalModel, check_model_inputs, model_for_endpoint
from jobs.state import fail_job, record_event

from . import admission
from .assets import stored_in_fal
from .deadlines import time_out_job
from .fal_requests import adopt_request_id
from .tracking import schedule_poll

# A definite HTTP refusal of a submit (fal answered, nothing was created) is retried this
# many times before the job fails.
MAX_SUBMIT_ATTEMPTS = 5


@dataclass(frozen=True)
class Script:
    """What a job made from a script says, and in which voice (speech.registry.checked_script
    has checked both)."""

    text: str
    voice: str


def create_job(
    *,
    user,
    model: FalModel,
    image,
    audio=None,
    script: Script | None = None,
    prompt="",
    title="",
    agreement=None,
    model_params=None,
    savepoint=True,
) -> Job:
    """Create a pending job and queue its submission, which a worker makes at once.

    fal is never called here, so the form, the API and the CLI answer in the same short
    time whether fal is fast, slow or unreachable.

    `image`/`audio` are ValidatedInputs: callers validate first (forms, serializers). What
    is refused here (admission's TooManyActiveJobs, credits' InsufficientCredits) is refused
    inside the creating transaction, so a rejected request never leaves a half-made job.
    `agreement` (consent.services.Agreement) is the uploader's word that they may use the
    face: kept with the portrait. `model_params` are the model's own inputs (registry); they
    and the audio's length must fit the model (jobs.registry.check_model_inputs, which the
    doors call first to name the field at fault), else InvalidModelParameters is raised.
    Audio longer than the model takes with them makes a long video (jobs.long_audio): a
    parent job made of segment jobs, returned like any job.

    Given a `script` instead of `audio`, the job starts `speaking`: a worker has fal speak
    the script first (jobs.services.speaking), and the speech becomes its audio.

    `savepoint=False`: the caller's own transaction ends with any refusal raised here (the v1
    view's, which also subscribes the job's webhook), so no savepoint is made inside it (two
    round trips fewer per submit). Any other caller inside a transaction keeps the savepoint:
    after a refusal its transaction stays usable.
    """
    if audio is not None and long_audio.needs_segments(model, audio.duration, model_params):
        return long_audio.create_long_job(
            user=user,
            model=model,
            image=image,
            audio=audio,
            prompt=prompt,
            title=title,
            agreement=agreement,
            model_params=model_params,
        )
    with transaction.atomic(savepoint=savepoint):
        job = _new_job(
            user=user,
            model=model,
            image=image,
            audio=audio,
            script=script,
            prompt=prompt,
            title=title,
            agreement=agreement,
            model_params=model_params,
        )
    return job


def portrait_of(job) -> media.ValidatedInput:
    """An earlier job's portrait as a new job's input ("make another with this portrait").

    A stored file is checked again like an upload (limits may have changed since) and
    stored anew for the new job, so deleting either job never takes the other's portrait;
    the user's asset cache still sends the same bytes to fal only once. A portrait given
    as a hosted URL is reused as that URL. Raises media.MediaError when the file no longer
    passes the checks."""
    if not job.image_file:
        return media.ValidatedInput(url=job.image_url, source_name=media.file_name_in_url(job.image_url), kind="image")
    return media.check_upload(job.image_file.open("rb"), "image")


def create_jobs_together(*, user, model: FalModel, items, prompt="", agreement=None, model_params=None) -> list[Job]:
    """The jobs of one batch, each an ordinary job: call inside the caller's transaction,
    after it has checked that the balance covers them all (credits.refuse_unless_covered).

    The per-user limit on active jobs is not applied to them one by one (a batch would never
    fit); they wait their turn for fal in the fair order like any job, and count as active
    against the user's single submissions while they run.
    """
    return [
        _new_job(
            user=user,
            model=model,
            image=image,
            audio=audio,
            prompt=prompt,
            limit_active=False,
            agreement=agreement,
            model_params=model_params,
        )
        for image, audio in items
    ]


def create_long_parent(
    *, user, model, image, audio, prompt="", title="", agreement=None, model_params=None, segments: int
) -> Job:
    """The parent of a long video made of `segments` segment jobs: a job like any other to its
    owner (the portrait, the whole audio, a title, one hold for the whole audio's price), but
    queued for no submission and no deadline of its own: its segments are sent to fal, each
    with its own budget, and the `longform` app ends it. Call inside the creating transaction,
    before its segments (create_segment_job)."""
    return _new_job(
        user=user,
        model=model,
        image=image,
        audio=audio,
        prompt=prompt,
        title=title,
        agreement=agreement,
        model_params=model_params,
        segments=segments,
    )


def create_segment_job(parent, *, audio=None, like=None, title) -> Job:
    """One segment of a long video: an ordinary job with the parent's portrait and prompt and
    its own piece of the audio (`audio`, a measured ValidatedInput, or the audio of `like`, an
    earlier attempt at the same piece). It holds no credits (the parent holds for all) and
    takes no place among the user's active jobs; it waits its turn for fal like any job.
    Call inside the transaction that creates or advances the parent."""
    job = Job(
        user=parent.user,
        endpoint_id=parent.endpoint_id,
        title=title[: Job._meta.get_field("title").max_length],
        prompt=parent.prompt,
        model_params=parent.model_params,
        parent=parent,
        image_url=parent.image_url,
        image_file=parent.image_file.name,
    )
    if like is not None:
        job.audio_url, job.audio_file, job.audio_duration = like.audio_url, like.audio_file.name, like.audio_duration
    else:
        job.audio_duration = audio.duration
        job.audio_file.save(audio.stored_name, audio.content_file(), save=False)
    job.save()
    record_event(job, JobEvent.Kind.CREATED, f"Created as a segment of job {parent.id}.", parent=str(parent.id))
    queue_new_job(job)
    return job


def _new_job(
    *,
    user,
    model,
    image,
    audio,
    prompt,
    title="",
    limit_active=True,
    agreement=None,
    script=None,
    model_params=None,
    segments=0,
):
    job = Job(user=user, endpoint_id=model.endpoint_id, prompt=prompt)
    inputs = [("image", image)]
    if script is not None:
        # Its audio is the speech the speaking step makes (jobs.services.speaking).
        job.script, job.voice, job.state = script.text, script.voice, JobState.SPEAKING
        title, made_from = title or script.text, f", from a script of {len(script.text)} characters"
    elif audio.duration is None:
        # Every door measures audio first (uploads: jobs.media; references: services.inputs):
        # the limit and the hold rest on its length, so an unmeasured one is a bug, not a guess.
        raise ValueError("The audio must be measured before a job is created.")
    else:
        job.audio_duration = audio.duration
        inputs.append(("audio", audio))
        title, made_from = title or audio.source_name, ""
    # A long video's parent is longer than one request takes: its segments are checked instead.
    job.model_params = check_model_inputs(model, model_params, None if segments else job.audio_duration)
    job.title = title.strip()[: Job._meta.get_field("title").max_length]
    if segments:
        # Never `pending`: a pending job without a request waits for a slot at fal, and the
        # parent takes none (jobs.models.WAITING_FOR_SLOT).
        job.segment_count, job.state, job.queued_at = segments, JobState.IN_QUEUE, timezone.now()
    written = []
    try:
        for name, value in inputs:
            if value.url:
                setattr(job, f"{name}_url", value.url)
            else:
                getattr(job, f"{name}_file").save(value.stored_name, value.content_file(), save=False)
                written.append(getattr(job, f"{name}_file"))
        job.save()
        if agreement is not None:
            consent.record_consent(
                user=user, image_sha256=image.sha256, job_id=job.id, ip_address=agreement.ip_address
            )
        record_event(job, JobEvent.Kind.CREATED, f"Created for {model.label}{made_from}.")
        if not segments:
            queue_new_job(job)
        # Last, so the user's row locks are held only from here to the commit: a user's
        # concurrent submits write their files and rows side by side and take turns only
        # for the count of active jobs and the hold.
        if limit_active:
            admission.refuse_if_too_many_active(user, counting=job)
        credits.reserve_for_job(job, credits_to_hold(job))
    except (admission.TooManyActiveJobs, credits.InsufficientCredits):
        for stored in written:  # the rows roll back; a refusal must leave no file behind either
            stored.delete(save=False)
        raise
    return job


def credits_to_hold(job) -> int:
    """What a new job holds: its audio's length of video, or for a script job the speech and
    the longest video the speech can make (jobs.scripts)."""
    if job.script:
        return scripts.script_hold(job.model, job.script, job.model_params)
    return job.model.estimate_credits(job.audio_duration, job.model_params)


def queue_new_job(job, *, submit=True):
    """Start a new job's clock (its budget runs from creation) and, usually, its first step:
    the speech for a job that speaks its script first, else the submission."""
    if job.state == JobState.SPEAKING:
        queue.queue_deadline(job.id, delay=schedule.budget_seconds())
        queue.queue_speak(job.id)
    elif submit:
        queue.queue_deadline_and_submit(job.id, deadline_delay=schedule.budget_seconds())
    else:
        queue.queue_deadline(job.id, delay=schedule.budget_seconds())


def webhook_url_for(job) -> str | None:
    """Our callback URL. It names our job, so a callback still finds its job even when the
    submit response (and with it fal's request id) was lost."""
    if not settings.PUBLIC_BASE_URL:
        return None
    return settings.PUBLIC_BASE_URL + reverse("webhooks:fal", kwargs={"job_id": job.id})


def submit_job(job_id):
    """Submit a pending job to fal exactly once per intended attempt.

    A definite failure (fal answered with an error, or no connection could be made) releases
    the claim and retries later. An ambiguous failure (sent, but no answer) keeps the claim: a
    request may exist at fal, and its webhook (which names our job) or the deadline settles
    the job; it is never blindly resubmitted.
    """
    job = Job.objects.get(pk=job_id)
    if job.state != JobState.PENDING or job.request_id or job.submit_started_at or job.is_long:
        return job  # (a long video is never sent to fal: its segments are)
    if schedule.deadline_passed(job):
        return time_out_job(job.id)
    model = model_for_endpoint(job.endpoint_id)
    try:
        upload_local_inputs(job)
    except fal.FalError as exc:
        Job.objects.count_failed_upload(job.pk)
        return _after_submit_refused(job, exc)

    if not admission.claim_slot(job_id):
        return Job.objects.get(pk=job_id)  # waits for a free slot at fal, or another caller won
    job = Job.objects.get(pk=job_id)
    # Before fal is called: if the answer is lost, the request may still exist, and only this
    # fal can be asked about it later (every later call is made where this origin is ours).
    job.fal_origin = fal.storage_origin()
    Job.objects.filter(pk=job.pk).update(fal_origin=job.fal_origin)
    record_event(job, JobEvent.Kind.SUBMIT, f"Submitting (attempt {job.submit_attempts}).")
    arguments = model.build_input(
        image_url=job.image_url, audio_url=job.audio_url, prompt=job.prompt, params=job.model_params
    )
    try:
        request_id = fal.submit(
            job.endpoint_id, arguments, webhook_url=webhook_url_for(job), start_timeout=schedule.start_timeout(job)
        )
    except fal.FalError as exc:
        if exc.outcome_unknown:
            record_event(
                job, JobEvent.Kind.ERROR, f"Submit outcome unknown: {exc.message}. Waiting for fal's callback."
            )
            return job
        Job.objects.release_submission(job.pk)
        return _after_submit_refused(job, exc)

    job, _ = adopt_request_id(job.id, request_id, source="submit")
    if not job.is_finished:
        schedule_poll(job)
    return job


def upload_local_inputs(job):
    """Send inputs we hold as files to fal storage (fal models need URLs), through the
    user's asset cache: the same portrait or voice is uploaded once."""
    changed = []
    for name in ("image", "audio"):
        stored = getattr(job, f"{name}_file")
        if getattr(job, f"{name}_url") or not stored:
            continue
        with stored.open("rb") as handle:  # hashed and sent in chunks, never read whole
            asset = stored_in_fal(
                job.user,
                handle,
                content_type=media.content_type_for_name(stored.name),
                file_name=os.path.basename(stored.name),
                kind=name,
                duration=job.audio_duration if name == "audio" else None,
            )
        setattr(job, f"{name}_url", asset.fal_url)
        changed.append(f"{name}_url")
    if changed:
        Job.objects.filter(pk=job.pk).update(**{field: getattr(job, field) for field in changed})
        record_event(job, JobEvent.Kind.SUBMIT, "Uploaded inputs to fal storage.", fields=changed)


def _after_submit_refused(job, exc):
    record_event(job, JobEvent.Kind.ERROR, exc.message, status_code=exc.status_code)
    # fal out of reach, or asking us to slow down, is retried until the job's deadline;
    # another refusal only a few times, counted apart: the attempts made during an outage
    # must not leave a job that outlived it to fail at fal's first 500.
    refused = not (exc.nothing_sent or exc.status_code == 429)
    if refused:
        Job.objects.count_refusal(job.pk)
    job.refresh_from_db()
    if not refused or (exc.retryable and job.submit_refusals < MAX_SUBMIT_ATTEMPTS):
        queue.queue_submit(job.id, delay=schedule.submit_retry_delay(job.submit_attempts))
        return job
    job, _ = fail_job(job.id, f"fal refused the job: {exc.message}", error_type=exc.error_type or "submit_failed")
    return job
