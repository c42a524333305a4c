import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import json_bodies
from core.log_context import about_job
from jobs.services import tracking

from .services import forget_delivery, remember_delivery
from .signals import webhook_rejected
from .verification import InvalidWebhook, verify_fal_signature

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def fal_webhook(request, job_id):
    """fal's completion callback. Verified against the raw body before anything is parsed;
    answers in milliseconds because the real work (fetching the result, storing the video)
    runs in a task."""
    try:
        delivery = verify_fal_signature(request.headers, request.body)
    except InvalidWebhook as exc:
        webhook_rejected.send(InvalidWebhook, reason=exc.reason)
        logger.warning(
            "Rejected fal callback for job %s: %s", job_id, exc, extra={"job_id": str(job_id), "reason": exc.reason}
        )
        return JsonResponse({"detail": str(exc)}, status=401)
    if not remember_delivery(delivery, job_id):
        # A replay of a message we already handled: genuine, so 2xx, but nothing to do.
        return JsonResponse({"ok": True, "duplicate": True})
    try:
        body = json_bodies.loads(request.body)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    # Even for an unknown job we answer 2xx: the delivery was genuine, and an error would
    # only make fal retry it for two hours.
    try:
        with about_job(job_id, delivery.request_id):
            tracking.record_webhook(job_id, request_id=delivery.request_id, body=body)
    except Exception:
        forget_delivery(delivery)  # fal retries a failed delivery; let that retry in
        raise
    return JsonResponse({"ok": True})
