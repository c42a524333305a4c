"""What every page says about where videos are made: the local engine or fal.ai."""

from django.conf import settings


def engine_mode(request):
    """`local_engine`: videos are rendered by the offline engine on this machine, so pages say
    so and show prices in credits only (a dollar figure would be for a service not in use)."""
    return {"local_engine": settings.FAL_MODE == "local"}
