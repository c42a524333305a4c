"""fal's queue, answered from our own jobs.

A submit through the proxy is an ordinary job (jobs.services.submission.create_job: the same
admission, credits and job rows as the API), and the request id the client gets back is our
job's id. fal's own request id does not exist yet when we answer (the worker submits a
moment later) and would let nothing in our app check ownership, so status, result, cancel
and the status stream for that id are all served from the job row, to its owner only; the
result points at our stored copy of the video.
"""

import asyncio
import json
import time
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError

from core.event_streams import read_shared
from credits import services as credits
from jobs.inputs import SubmitSerializer, agreement
from jobs.models import Job, JobState
from jobs.outputs import video_output
from jobs.registry import MODEL_PARAMETERS
from jobs.services import admission, lifecycle, submission
from jobs.services.watching import note_watched

from . import uploads
from .targets import owner_alias

QUEUE_BASE = "https://queue.fal.run"
STREAM_CHECK_SECONDS = 1.0  # as the job page's stream: a change is sent within a second
STREAM_PING_SECONDS = 10.0


class QueueError(Exception):
    """An answer fal would give instead: the status and JSON body to send."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("detail"))
        self.status = status
        self.body = body


def submit(request, model, arguments) -> Job:
    """Create the job for a queue submit, or raise QueueError with fal's refusal."""
    if not isinstance(arguments, dict):
        raise QueueError(422, validation_body({"body": ["The input must be a JSON object."]}))
    data = {"prompt": arguments.get("prompt") or "", "model": model.key, "consent": arguments.get("consent") is True}
    # The model's own inputs, as fal's client sends them (OmniHuman's resolution, turbo_mode).
    data.update({name: arguments[name] for name in MODEL_PARAMETERS if name in arguments})
    for field in ("image_url", "audio_url"):
        try:
            data[field] = uploads.resolve_input_url(request, arguments.get(field))
        except uploads.UploadRefused as exc:
            raise QueueError(exc.status, validation_body({field: [exc.detail]})) from None
    serializer = SubmitSerializer(data={k: v for k, v in data.items() if v is not None}, context={"request": request})
    if not serializer.is_valid():
        raise QueueError(422, validation_body(serializer.errors))
    checked = serializer.validated_data["checked"]
    try:
        return submission.create_job(
            user=request.user,
            model=model,
            image=checked["image"],
            audio=checked["audio"],
            prompt=serializer.validated_data["prompt"],
            agreement=agreement(request, serializer.validated_data),
            model_params=serializer.validated_data["model_params"],
        )
    except admission.TooManyActiveJobs as exc:
        raise QueueError(429, {"detail": str(exc), "error_type": exc.code, "limit": exc.limit}) from None
    except credits.InsufficientCredits as exc:
        # fal answers an exhausted balance with 403 (and the JS client does not retry it).
        body = {"detail": str(exc), "error_type": exc.code, "balance": exc.balance, "price": exc.price}
        raise QueueError(403, body) from None


def validation_body(errors) -> dict:
    """DRF's field errors in the FastAPI shape fal's 422s have (the JS client's ValidationError)."""
    detail = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            loc = ["body"] if field in ("body", "non_field_errors") else ["body", field]
            detail.append({"loc": loc, "msg": str(message), "type": "value_error"})
    return {"detail": detail}


def submitted_body(job) -> dict:
    urls = request_urls(job)
    return {
        "status": "IN_QUEUE",
        "request_id": str(job.id),
        "gateway_request_id": str(job.id),
        "queue_position": 0,
        **urls,
    }


def request_urls(job) -> dict:
    # fal's URLs, as fal would give them: the client sends them back through the proxy.
    base = f"{QUEUE_BASE}/{owner_alias(job.endpoint_id)}/requests/{job.id}"
    return {"response_url": base, "status_url": f"{base}/status", "cancel_url": f"{base}/cancel"}


def owned_job(user, request_id: str) -> Job:
    """The caller's job with this id; QueueError 404 for an unknown or another user's id."""
    try:
        job_id = uuid.UUID(request_id)
        return Job.objects.get(pk=job_id, user=user)
    except (ValueError, DjangoValidationError, Job.DoesNotExist):
        raise not_found(request_id) from None


def not_found(request_id) -> QueueError:
    return QueueError(404, {"detail": f"Request {request_id} not found", "status": "NOT_FOUND"})


def status_body(job, *, with_logs: bool) -> dict:
    """fal's status document for the job (there is no FAILED: every ending is COMPLETED)."""
    body = {"request_id": str(job.id), "response_url": request_urls(job)["response_url"]}
    if job.state in (JobState.PENDING, JobState.IN_QUEUE):
        ahead = admission.jobs_ahead(job) if job.state == JobState.PENDING else None
        body.update(status="IN_QUEUE", queue_position=ahead if ahead is not None else (job.queue_position or 0))
        return body
    logs = [fal_log(entry) for entry in job.logs] if with_logs else None
    if job.state == JobState.IN_PROGRESS:
        body.update(status="IN_PROGRESS", logs=logs)
        return body
    body.update(status="COMPLETED", logs=logs)
    if job.state != JobState.COMPLETED:
        body.update(error=job.error or job.get_state_display(), error_type=job.error_type or job.state)
    return body


def fal_log(entry) -> dict:
    entry = entry if isinstance(entry, dict) else {"message": str(entry)}
    return {
        "message": entry.get("message", ""),
        "timestamp": entry.get("timestamp", ""),
        "level": entry.get("level", "INFO"),
        "labels": entry.get("labels") or {},
    }


def status_code_for(body) -> int:
    return 200 if body["status"] == "COMPLETED" else 202


def result(job, request) -> tuple[int, dict]:
    """fal's result answer: the output pointing at our stored video, or how the job ended."""
    if not job.is_finished:
        return 400, {"detail": "Request is still in progress"}
    if job.state == JobState.COMPLETED:
        return 200, {"video": video_output(job, request), "duration": job.video_duration}
    if job.state == JobState.FAILED:
        return 422, {
            "detail": [
                {"loc": ["body"], "msg": job.error or "The model failed.", "type": job.error_type or "model_error"}
            ]
        }
    return 400, {
        "detail": job.error or f"Request {job.get_state_display().lower()}",
        "error_type": job.error_type or job.state,
    }


def cancel(job, user) -> tuple[int, dict]:
    try:
        _, cancelled = lifecycle.cancel_job(job.id, by=user.get_username())
    except Job.DoesNotExist:  # deleted while fal was asked to cancel it
        raise not_found(job.id) from None
    if cancelled:
        return 202, {"status": "CANCELLATION_REQUESTED"}
    return 400, {"status": "ALREADY_COMPLETED"}


async def status_events(job, *, with_logs: bool, budget_seconds: float):
    """fal's status stream: a `data:` event per change, pings meanwhile, ending after COMPLETED
    (or after `budget_seconds`, the most a job may run, so no stream is held forever)."""
    last_sent, last_activity, deadline = None, time.monotonic(), time.monotonic() + budget_seconds
    while True:
        encoded, completed = await read_shared(
            ("fal-status", job.pk, with_logs), STREAM_CHECK_SECONDS, _encoded_status, job.pk, with_logs
        )
        if encoded is None:
            return  # deleted meanwhile; asking again is answered 404
        if encoded != last_sent:
            yield f"data: {encoded}\n\n"
            last_sent, last_activity = encoded, time.monotonic()
        if completed or time.monotonic() > deadline:
            return
        if time.monotonic() - last_activity > STREAM_PING_SECONDS:
            yield ": ping\n\n"
            last_activity = time.monotonic()
        await asyncio.sleep(STREAM_CHECK_SECONDS)


def _encoded_status(job_id, with_logs) -> tuple[str | None, bool]:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None, True
    note_watched(job)  # someone follows it live: it is polled live (jobs.schedule)
    body = status_body(job, with_logs=with_logs)
    return json.dumps(body, separators=(",", ":")), body["status"] == "COMPLETED"
