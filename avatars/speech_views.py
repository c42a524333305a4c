"""The create page's script field: a sample of each voice, made by the speech model the first
time it is asked for and kept (jobs.services.speaking.voice_preview), and what a script costs."""

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from core.ranged_files import ranged_file_response
from credits import services as credits
from jobs import fal, media, scripts
from jobs.registry import MODELS
from jobs.services import speaking
from speech.voices import VOICES

logger = logging.getLogger(__name__)


@login_required
@require_safe
def voice_preview(request, voice):
    """A few seconds of `voice` speaking a fixed sentence (audio), or 503 when it cannot be made now."""
    if voice not in VOICES:
        raise Http404("There is no such voice.")
    try:
        name = speaking.voice_preview(voice)
    except (fal.FalError, media.MediaError) as exc:
        logger.warning("Voice preview %s could not be made: %s", voice, exc)
        return HttpResponse("The sample could not be made just now; try again later.", status=503)
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:  # storage without local paths (S3): send it whole
        with default_storage.open(name) as sample:
            response = HttpResponse(sample.read(), content_type="audio/wav")
    else:
        response = ranged_file_response(request, path)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_safe
def script_estimate(request):
    """What a script of `?characters=N` would cost at most with each model: its speech, and
    the avatar for the longest the speech can last (jobs.scripts, the rule the hold uses)."""
    value = request.GET.get("characters", "")
    limit = settings.MAX_SCRIPT_CHARACTERS
    if not value.isdigit() or not 0 < int(value) <= limit:
        detail = f"Give the script's length in characters (characters=…), from 1 to {limit}."
        return JsonResponse({"detail": detail, "code": "invalid"}, status=400)
    characters = int(value)
    models = {
        key: {
            "credits": scripts.hold_for_characters(model, characters),
            "dollars": f"{scripts.cost_for_characters(model, characters):f}",
            "seconds": scripts.estimated_video_seconds(model, characters),
        }
        for key, model in MODELS.items()
    }
    speech = {"credits": scripts.credits_for_characters(characters)}
    balance = credits.account_for(request.user).balance
    return JsonResponse({"characters": characters, "speech": speech, "models": models, "balance": balance})
