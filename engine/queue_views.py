"""fal's queue API: submit, status (polling and SSE), result, cancel; plus synchronous run."""

import json
import time
import urllib.parse

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from .gateway import PUBLIC, account_of, engine_route, error_response, json_response, mount_url, parse_json_body
from .processing import AVATAR_ENDPOINTS, is_supported_endpoint
from .records import COMPLETED, ModelRequest
from .speech import SPEECH_ENDPOINTS, is_speech_endpoint
from .state import ENGINE, QueueFull

TRUE_VALUES = {"1", "true"}
STREAM_POLL_SECONDS = 0.1
STREAM_PING_SECONDS = 10.0


@engine_route("index", ("GET",), credentials=PUBLIC)
def index(request: HttpRequest) -> HttpResponse:
    base = mount_url(request)
    return json_response(
        {
            "engine": "Avatar Studio local fal-compatible engine",
            "endpoints": sorted(AVATAR_ENDPOINTS | SPEECH_ENDPOINTS),
            "queue_url": f"{base}/queue/",
            "jwks_url": f"{base}/rest/.well-known/jwks.json",
        }
    )


@engine_route("submit", ("POST",))
def submit(request: HttpRequest, endpoint: str) -> HttpResponse:
    request_or_error = submit_from_http(request, endpoint)
    if isinstance(request_or_error, HttpResponse):
        return request_or_error
    queued = request_or_error
    return json_response(ENGINE.submit_answer(queued, mount_url(request)), request_id=queued.request_id)


@engine_route("submit", ("POST",))
def run(request: HttpRequest, endpoint: str) -> HttpResponse:
    """fal.run: the same model, answered in the call itself (fal_client.run)."""
    request_or_error = submit_from_http(request, endpoint)
    if isinstance(request_or_error, HttpResponse):
        return request_or_error
    ENGINE.wait_until_completed(request_or_error)
    return result_response(request_or_error)


def submit_from_http(request: HttpRequest, endpoint: str) -> ModelRequest | HttpResponse:
    endpoint = endpoint.strip("/")
    if not (is_supported_endpoint(endpoint) or is_speech_endpoint(endpoint)):
        return error_response(404, f"Application '{endpoint}' not found")
    try:
        arguments = parse_json_body(request)
        start_timeout = optional_float(request.headers.get("X-Fal-Request-Timeout"))
        max_queue_length = optional_int(request.GET.get("fal_max_queue_length"))
    except ValueError as exc:
        return error_response(400, f"Bad request: {exc}", error_type="bad_request")
    if start_timeout is not None and start_timeout <= 0:
        return error_response(400, "X-Fal-Request-Timeout must be positive", error_type="bad_request")
    webhook_url = request.GET.get("fal_webhook") or None
    if webhook_url and urllib.parse.urlsplit(webhook_url).scheme not in ("http", "https"):
        return error_response(400, "fal_webhook must be an http(s) URL", error_type="bad_request")
    try:
        return ENGINE.submit(
            endpoint,
            arguments,
            mount_url(request),
            webhook_url=webhook_url,
            account=account_of(request),
            start_timeout=start_timeout,
            low_priority=request.headers.get("X-Fal-Queue-Priority", "").lower() == "low",
            max_queue_length=max_queue_length,
        )
    except QueueFull as exc:
        return error_response(429, str(exc), error_type="queue_full")


@engine_route("status", ("GET",))
def status(request: HttpRequest, app: str, request_id: str) -> HttpResponse:
    queued = find_request(request, app, request_id)
    if queued is None:
        return not_found(request_id)
    body = ENGINE.status_of(queued, mount_url(request), with_logs=wants_logs(request))
    return json_response(body, 200 if body["status"] == COMPLETED else 202, request_id=request_id)


@engine_route("stream", ("GET",))
def status_stream(request: HttpRequest, app: str, request_id: str) -> HttpResponse:
    queued = find_request(request, app, request_id)
    if queued is None:
        return not_found(request_id)
    events = status_events(queued, mount_url(request), wants_logs(request))
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["x-fal-request-id"] = request_id
    return response


def status_events(queued: ModelRequest, base_url: str, with_logs: bool):
    """One `data:` event per change of the status body, pings meanwhile; ends after COMPLETED."""
    last_sent, last_activity = None, time.monotonic()
    while True:
        body = ENGINE.status_of(queued, base_url, with_logs=with_logs, count_call=False)
        encoded = json.dumps(body, separators=(",", ":"))
        if encoded != last_sent:
            yield f"data: {encoded}\n\n"
            last_sent, last_activity = encoded, time.monotonic()
        if body["status"] == COMPLETED or ENGINE.get(queued.request_id) is not queued:
            return
        if time.monotonic() - last_activity > STREAM_PING_SECONDS:
            yield ": ping\n\n"
            last_activity = time.monotonic()
        time.sleep(STREAM_POLL_SECONDS)


@engine_route("result", ("GET",))
def result(request: HttpRequest, app: str, request_id: str) -> HttpResponse:
    queued = find_request(request, app, request_id)
    if queued is None:
        return not_found(request_id)
    if queued.state != COMPLETED:
        return json_response({"detail": "Request is still in progress"}, 400, request_id=request_id)
    return result_response(queued)


def result_response(queued: ModelRequest) -> HttpResponse:
    """The model's own status and body: 200 and the output, or the failure it ended with."""
    outcome = queued.outcome
    return json_response(outcome.body, outcome.status_code, request_id=queued.request_id, headers=outcome.headers)


@engine_route("cancel", ("PUT",))
def cancel(request: HttpRequest, app: str, request_id: str) -> HttpResponse:
    queued = find_request(request, app, request_id)
    if queued is None:
        return not_found(request_id)
    if ENGINE.cancel(queued):
        return json_response({"status": "CANCELLATION_REQUESTED"}, 202, request_id=request_id)
    return json_response({"status": "ALREADY_COMPLETED"}, 400, request_id=request_id)


def find_request(request: HttpRequest, app: str, request_id: str) -> ModelRequest | None:
    """The request, if it exists under this app (status URLs use owner/alias, or the full
    endpoint) and belongs to the caller's account: as on fal, another account's request is
    simply not found."""
    queued = ENGINE.get(request_id)
    if queued is None or app.strip("/") not in (queued.owner_alias, queued.endpoint):
        return None
    if queued.account != account_of(request):
        return None
    return queued


def not_found(request_id: str) -> HttpResponse:
    body = {"detail": f"Request {request_id} not found", "status": "NOT_FOUND"}
    return json_response(body, 404, request_id=request_id)


def wants_logs(request: HttpRequest) -> bool:
    # fal-client sends logs=true/false, the JS client logs=1/0.
    return request.GET.get("logs", "").strip().lower() in TRUE_VALUES


def optional_float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


def optional_int(value: str | None) -> int | None:
    return None if value in (None, "") else int(value)
