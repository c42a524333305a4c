"""The first step of a job made from a script: fal's text-to-speech model speaks it, and the
speech becomes the job's audio input, kept in our storage like an upload.

A script job is created `speaking` (submission.create_job). Each call of `speak_script` (the
speak task; it queues itself again until the step ends) takes the step one move further:

1. submit the text to the speech model, once: the intent is claimed on the row
   (`speech_started_at`) before fal is called and the request id recorded when it answers;
   a submit that sent nothing, or was refused with a retryable answer, is released and
   tried again (at most MAX_SPEECH_ATTEMPTS); an answer lost after sending fails the job,
   since no callback names a speech request (the job's credits all come back);
2. follow the request by status checks (speech takes seconds, so no webhook is asked for);
3. download the speech through the same guarded path as audio given by URL, measure it
   (jobs.media), check it against the longest a script's speech may be
   (scripts.audio_limit_seconds), store it as the job's `audio_file` and move the job to
   `pending` under its row lock, with the avatar's submission queued in the same transaction;
   speech longer than one request of the model takes makes the job itself (same id) the
   parent of a long video instead (jobs.long_audio.adopt_long_job): `in_queue`, its speech
   split at pauses into segment jobs in the same transaction.

A failure at any point fails the job; jobs.state.charge_for then releases everything, the
speech having not been made. A job cancelled or timed out meanwhile is left as it is.
"""

import hashlib

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from credits import services as credits
from jobs import downloads, fal, long_audio, media, queue, schedule
from jobs.models import Job, JobEvent, JobState
from jobs.scripts import audio_limit_seconds, measured_hold
from jobs.state import fail_job, record_event, transition
from speech.registry import SPEECH_MODEL
from speech.voices import PREVIEW_TEXT, VOICES

from .deadlines import time_out_job

# Speech takes a second or two at fal: its status is asked this often until it ends.
SPEECH_CHECK_SECONDS = 0.5
# A refused speech submit (or one that could not be sent) is tried this many times in all.
MAX_SPEECH_ATTEMPTS = 3
SPEECH_FAILED = "speech_failed"
# How long a voice's preview may take to make (it is made once, the first time it is asked for).
PREVIEW_SECONDS = 30.0


def speak_script(job_id):
    """Take a speaking job's speech step one move further (see the module's docstring)."""
    job = Job.objects.get(pk=job_id)
    if job.state != JobState.SPEAKING:
        return job
    if schedule.deadline_passed(job):
        return time_out_job(job.id)
    if job.speech_request_id:
        return _follow(job)
    if job.speech_started_at:
        return job  # a submit is in flight, or its answer was lost (that one fails the job)
    return _submit(job)


def _submit(job):
    claimed = Job.objects.filter(
        pk=job.pk, state=JobState.SPEAKING, speech_started_at__isnull=True, speech_request_id=""
    ).update(speech_started_at=timezone.now(), fal_origin=fal.storage_origin())
    if not claimed:
        return job
    arguments = SPEECH_MODEL.build_input(text=job.script, voice=job.voice)
    try:
        request_id = fal.submit(
            SPEECH_MODEL.endpoint_id, arguments, webhook_url=None, start_timeout=schedule.start_timeout(job)
        )
    except fal.FalError as exc:
        return _after_submit_failed(job, exc)
    Job.objects.filter(pk=job.pk).update(speech_request_id=request_id)
    job.speech_request_id = request_id
    voice = VOICES[job.voice].label if job.voice in VOICES else job.voice
    record_event(
        job,
        JobEvent.Kind.SUBMIT,
        f"Speaking the script ({len(job.script)} characters, voice {voice}) with {SPEECH_MODEL.label}.",
        step="speech",
        request_id=request_id,
    )
    queue.queue_speak(job.id, delay=SPEECH_CHECK_SECONDS)
    return job


def _after_submit_failed(job, exc):
    record_event(job, JobEvent.Kind.ERROR, f"Speech submit failed: {exc.message}", step="speech")
    if exc.outcome_unknown:
        return _fail(job, f"fal's answer to the speech request was lost: {exc.message}")
    attempts = job.events.filter(kind=JobEvent.Kind.ERROR, data__step="speech").count()
    if (exc.nothing_sent or exc.retryable) and attempts < MAX_SPEECH_ATTEMPTS:
        Job.objects.filter(pk=job.pk).update(speech_started_at=None)
        queue.queue_speak(job.id, delay=schedule.submit_retry_delay(attempts))
        return job
    return _fail(job, f"fal refused the speech request: {exc.message}", error_type=exc.error_type)


def _follow(job):
    try:
        status = fal.status(SPEECH_MODEL.endpoint_id, job.speech_request_id)
    except fal.FalError as exc:
        if exc.status_code == 404:
            return _fail(job, "fal no longer knows the speech request.", error_type="request_lost")
        return _check_again(job, exc)  # a failed status check is fal's trouble, never the model's
    if status.state != "COMPLETED":
        queue.queue_speak(job.id, delay=SPEECH_CHECK_SECONDS)
        return job
    try:
        output = fal.result(SPEECH_MODEL.endpoint_id, job.speech_request_id).output
    except fal.FalError as exc:
        # As the avatar's ingest: fal out of reach or busy is asked again; any other answer,
        # a model's 5xx included, is the run's outcome.
        if exc.retryable and exc.status_code in (None, 408, 409, 429):
            return _check_again(job, exc)
        message = fal.error_message_from_body(exc.body) or exc.message
        return _fail(job, f"The speech model failed: {message}", error_type=exc.error_type)
    try:
        url = SPEECH_MODEL.output_audio(output)["url"]
        speech = downloads.download_input(url, "audio")
    except (ValueError, media.MediaError) as exc:
        message = exc.message if isinstance(exc, media.MediaError) else str(exc)
        advice = " Change the script's length." if "seconds" in message else ""
        return _fail(job, f"The speech could not drive the avatar: {message}{advice}", error_type="speech_unusable")
    limit = audio_limit_seconds(job.model, job.model_params)
    if (speech.duration or 0.0) > limit:
        return _fail(
            job,
            f"The script takes {speech.duration:.1f} seconds to say; "
            f"a video from {job.model_label} takes at most {limit:g} seconds of speech.",
            error_type="script_too_long",
        )
    try:
        return _keep_speech(job, speech)
    except media.MediaError as exc:  # a long video's speech that could not be split
        return _fail(job, f"The speech could not drive the avatar: {exc.message}", error_type="speech_unusable")


def _check_again(job, exc):
    """Ask about the speech request again a little later (the job's budget bounds it all)."""
    record_event(job, JobEvent.Kind.POLL, f"Speech status check failed: {exc.message}", step="speech")
    queue.queue_speak(job.id, delay=SPEECH_CHECK_SECONDS * 4)
    return job


def _keep_speech(job, speech):
    """Store the speech as the job's audio and hand the job to the avatar step, once: as one
    job, or as the parent of a long video when the speech is longer than the model takes."""
    with transaction.atomic():
        locked = Job.objects.select_for_update(no_key=True).get(pk=job.pk)
        if locked.state != JobState.SPEAKING:
            return locked  # cancelled or timed out meanwhile: its credits are settled already
        locked.audio_file.save(f"speech.{speech.file_name.rsplit('.', 1)[-1]}", speech.content_file(), save=False)
        move = {
            "message": f"Speech ready: {speech.duration:.1f} s, kept as the job's audio.",
            "event_data": {"step": "speech", "speech_seconds": speech.duration},
            "audio_file": locked.audio_file.name,
            "audio_duration": speech.duration,
        }
        try:
            if long_audio.needs_segments(locked.model, speech.duration, locked.model_params):
                # The same job (its owner is watching it) becomes the long video's parent. Like
                # any parent it is sent to no fal (its segments are), so no fal's workers own it:
                # its origin, the speech's fal, is cleared (jobs.services.deadlines' stranded jobs).
                locked = long_audio.adopt_long_job(
                    locked, speech, speech_finished_at=timezone.now(), fal_origin="", **move
                )
            else:
                locked, _ = transition(job.id, JobState.PENDING, **move)
                queue.queue_submit(job.id)
        except media.MediaError:
            locked.audio_file.delete(save=False)  # the rows roll back: no file is left behind either
            raise
        # The hold was for the longest the speech could last: now it is the exact price.
        exact = measured_hold(locked.model, locked.script, speech.duration, locked.model_params)
        returned = credits.lower_hold(locked, exact, note=f"speech measured: {speech.duration:.1f} s")
        if returned:
            record_event(locked, JobEvent.Kind.NOTE, f"Hold lowered to {exact} credits ({returned} given back).")
    return locked


def _fail(job, message, *, error_type=""):
    job, _ = fail_job(job.id, message, error_type=error_type or SPEECH_FAILED)
    return job


def voice_preview(voice: str) -> str:
    """The stored name of a short sample of `voice` (PREVIEW_TEXT), made by the speech model
    the first time it is asked for and kept: one per voice for each fal (the local engine's
    voices are not fal's). Raises KeyError for an unknown voice, fal.FalError or
    media.MediaError when it cannot be made now."""
    VOICES[voice]  # noqa: B018 - only known voices reach fal or storage
    origin = hashlib.sha256(fal.storage_origin().encode()).hexdigest()[:12]
    name = f"voices/{origin}/{voice}.wav"
    if default_storage.exists(name):
        return name
    output = fal.run(
        SPEECH_MODEL.endpoint_id, SPEECH_MODEL.build_input(text=PREVIEW_TEXT, voice=voice), timeout=PREVIEW_SECONDS
    )
    try:
        url = SPEECH_MODEL.output_audio(output)["url"]
    except ValueError as exc:
        raise media.MediaError(str(exc)) from None
    sample = downloads.download_input(url, "audio")
    if not default_storage.exists(name):  # two first askers: the first one's sample stays
        default_storage.save(name, sample.content_file())
    return name
