"""The job page's live panel: rendered in one place, answered to the page's polling script
as JSON and pushed to its EventSource as server-sent events.

The event stream is bounded: it ends when the job has finished (after sending the final
panel) or after JOB_EVENTS_STREAM_SECONDS, and the browser's EventSource reconnects by itself
after the `retry:` delay. Under the production server it holds no thread (core.event_streams);
where it does (runserver, a WSGI server), at most JOB_EVENTS_MAX_STREAMS are open at once in
one process, so streams never take every thread; past that a page is answered 204, which
tells EventSource to stop, and the page polls.
Each stream also holds one of its user's MAX_STREAMS_PER_USER slots (limits.streams, counted
across processes); past that the page is answered 429, which EventSource also gives up on.
"""

import asyncio
import json
import threading
import time

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from core.event_streams import holds_a_thread, read
from jobs.models import Job, JobState
from jobs.previews import job_previews
from jobs.services.watching import note_watched
from limits import streams
from speech.voices import VOICES

from . import selectors
from .progress import progress_for

# How long the browser waits before reconnecting after a stream ends (milliseconds).
RECONNECT_MILLISECONDS = 2000


def job_panel(job, request, **extra_context) -> dict:
    """What the live panel shows: the job's state, whether it has finished, and its HTML."""
    context = {"job": job, "progress": progress_for(job), "credits": selectors.job_credits(job), **extra_context}
    if job.state == JobState.COMPLETED:
        context["inputs"] = [preview for preview in job_previews(job, request) if preview.kind != "video"]
    if job.script:
        context["voice_label"] = VOICES[job.voice].label if job.voice in VOICES else job.voice
        if job.audio_file and job.state != JobState.COMPLETED:  # a completed job shows it with its inputs
            context["speech"] = job_previews(job, request)[2]
    html = render_to_string("avatars/_job_status.html", context, request=request)
    return {"state": job.state, "finished": job.is_finished, "html": html}


class _OpenStreams:
    """How many event streams this process is serving, up to JOB_EVENTS_MAX_STREAMS."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0

    def take(self) -> bool:
        with self._lock:
            if self.count >= settings.JOB_EVENTS_MAX_STREAMS:
                return False
            self.count += 1
            return True

    def give_back(self):
        with self._lock:
            self.count -= 1


OPEN_STREAMS = _OpenStreams()


class _Stream:
    """The held events of one stream, giving its thread's place back when the server closes
    the response: after the last event, or when the browser went away."""

    def __init__(self, held):
        self._held = held
        self._open = True

    def __aiter__(self):
        return aiter(self._held)

    def close(self):
        self._held.close()
        if self._open:
            self._open = False
            OPEN_STREAMS.give_back()


def job_event_stream(job, request):
    """The job's panel as server-sent events: one `status` event now and one each time the
    panel changes, a comment now and then while nothing does, and the end once the job has
    finished or the stream's time is up. None when this process serves all the thread-holding
    streams it may; streams.TooManyStreams when the user has all theirs open already."""
    # One token for the whole stream: {% csrf_token %} masks it afresh on every render, which
    # would make every render differ and send an event a second. Asked for here, before the
    # response starts, so the CSRF cookie is still set on it.
    csrf_token = get_token(request)
    held = streams.hold(
        request.user, _events(job.pk, request, csrf_token, time.monotonic() + settings.JOB_EVENTS_STREAM_SECONDS)
    )
    if not holds_a_thread(request):
        return held
    if not OPEN_STREAMS.take():
        held.close()  # gives the user's slot back
        return None
    return _Stream(held)


async def _events(job_id, request, csrf_token, deadline):
    yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
    sent, quiet_since = None, time.monotonic()
    while True:
        panel = await read(_current_panel, job_id, request, csrf_token)
        if panel is None:
            return  # deleted meanwhile; a reconnect is answered 404
        if panel != sent:
            yield f"event: status\ndata: {json.dumps(panel)}\n\n"
            sent, quiet_since = panel, time.monotonic()
            if panel["finished"]:
                return
        elif time.monotonic() - quiet_since >= settings.JOB_EVENTS_HEARTBEAT_SECONDS:
            yield ": still here\n\n"
            quiet_since = time.monotonic()
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(settings.JOB_EVENTS_CHECK_SECONDS)


def _current_panel(job_id, request, csrf_token) -> dict | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    note_watched(job)  # someone follows it live: it is polled live (jobs.schedule)
    return job_panel(job, request, csrf_token=csrf_token)
