"""`/api/fal/proxy`: the `@fal-ai/client` proxyUrl protocol, for our signed-in users.

The client sends every call here with the real fal URL in `x-fal-target-url`, the same
method and body. Nothing is forwarded as it came: a queue call becomes our job (queue.py) and
an upload lands in the user's asset cache (uploads.py), both through the services the rest
of the app uses, which reach fal (or the local engine) with the key only the server holds.
"""

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from core import json_bodies
from core.event_streams import event_stream_response
from jobs.services.watching import note_watched
from limits import streams

from . import queue, targets, uploads
from .targets import TargetRefused

TARGET_HEADER = "x-fal-target-url"


def fal_json(body, status=200, *, request_id=None) -> HttpResponse:
    # JSON on every answer, errors included: the JS client only reads a JSON error body.
    response = HttpResponse(json.dumps(body, separators=(",", ":")), status=status, content_type="application/json")
    if request_id:
        response["x-fal-request-id"] = request_id  # the JS client's result().requestId
    return response


class ProxyView(APIView):
    """Authenticated like the API (session with CSRF, `Token …`, `Bearer avs_…`) and rate
    limited per call: a submit as a submit, an upload as an upload, the rest as reads."""

    http_method_names = ["get", "post", "put"]

    @property
    def throttle_scope(self):
        try:
            return targets.parse_target(self.request.headers.get(TARGET_HEADER)).throttle_scope
        except TargetRefused:
            return "read"

    @extend_schema(exclude=True)
    def get(self, request):
        return self.serve(request)

    @extend_schema(exclude=True)
    def post(self, request):
        return self.serve(request)

    @extend_schema(exclude=True)
    def put(self, request):
        return self.serve(request)

    def serve(self, request):
        try:
            target = targets.parse_target(request.headers.get(TARGET_HEADER))
        except TargetRefused as exc:
            return fal_json({"detail": exc.detail}, exc.status)
        if request.method != target.method:
            return fal_json({"detail": f"Method {request.method} not allowed for this call"}, 405)
        try:
            return getattr(self, target.call.replace("-", "_"))(request, target)
        except queue.QueueError as exc:
            return fal_json(exc.body, exc.status, request_id=getattr(target, "request_id", None) or None)
        except uploads.UploadRefused as exc:
            return fal_json({"detail": exc.detail}, exc.status)

    def json_body(self, request):
        if request.content_type != "application/json":
            raise queue.QueueError(415, {"detail": "The body must be JSON (Content-Type: application/json)"})
        try:
            return json_bodies.loads(request.body or b"{}")
        except json_bodies.TooDeeplyNested as exc:
            raise queue.QueueError(400, {"detail": str(exc)}) from None
        except ValueError:
            raise queue.QueueError(400, {"detail": "The body is not valid JSON"}) from None

    def submit(self, request, target):
        job = queue.submit(request, target.model, self.json_body(request))
        return fal_json(queue.submitted_body(job), request_id=str(job.id))

    def status(self, request, target):
        job = queue.owned_job(request.user, target.request_id)
        note_watched(job)
        body = queue.status_body(job, with_logs=target.with_logs)
        return fal_json(body, queue.status_code_for(body), request_id=str(job.id))

    def stream(self, request, target):
        job = queue.owned_job(request.user, target.request_id)
        events = queue.status_events(job, with_logs=target.with_logs, budget_seconds=settings.JOB_BUDGET_SECONDS + 60)
        try:
            held = streams.hold(request.user, events)
        except streams.TooManyStreams as exc:
            return fal_json({"detail": str(exc)}, 429, request_id=str(job.id))
        response = event_stream_response(request, held)
        response["x-fal-request-id"] = str(job.id)
        return response

    def result(self, request, target):
        job = queue.owned_job(request.user, target.request_id)
        status, body = queue.result(job, request)
        return fal_json(body, status, request_id=str(job.id))

    def cancel(self, request, target):
        job = queue.owned_job(request.user, target.request_id)
        status, body = queue.cancel(job, request.user)
        return fal_json(body, status, request_id=str(job.id))

    def initiate(self, request, target):
        return fal_json(uploads.initiate(request, self.json_body(request)))

    def initiate_multipart(self, request, target):
        uploads.refuse_multipart()


@csrf_exempt  # presigned: the signature in the URL is the credential, as on a bucket
def upload(request, upload_id):
    """The JS client's PUT of the bytes to the URL `initiate` gave it."""
    if request.method != "PUT":
        return fal_json({"detail": f"Method {request.method} not allowed"}, 405)
    try:
        pending = uploads.signed_upload(upload_id, request.GET.get("signature", ""))
        if int(request.META.get("CONTENT_LENGTH") or 0) > uploads.max_upload_bytes():
            uploads.refuse_multipart()  # the same size refusal, before reading the body
        uploads.receive(pending, request.body)
    except uploads.UploadRefused as exc:
        return fal_json({"detail": exc.detail}, exc.status)
    return fal_json({})


class FileView(APIView):
    """A file URL from `fal.storage.upload`: for its owner, the file in fal storage."""

    throttle_scope = "read"

    @extend_schema(exclude=True)
    def get(self, request, upload_id):
        found = uploads.owned_upload(request.user, upload_id)
        if found is None:
            return fal_json({"detail": "File not found"}, 404)
        return HttpResponseRedirect(found.asset.fal_url)
