import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jobs import services

from .verification import InvalidWebhook, verify_fal_signature

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def fal_webhook(request, job_id):
    """fal's completion callback. Verified against the raw body before anything is parsed;
    answers in milliseconds because the real work (fetching the result, storing the video)
    runs in a task."""
    try:
        request_id = verify_fal_signature(request.headers, request.body)
    except InvalidWebhook as exc:
        logger.warning("Rejected fal callback for job %s: %s", job_id, exc)
        return JsonResponse({"detail": str(exc)}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    # Even for an unknown job we answer 2xx: the delivery was genuine, and an error would
    # only make fal retry it for two hours.
    services.record_webhook(job_id, request_id=request_id, body=body)
    return JsonResponse({"ok": True})
