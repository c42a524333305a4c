"""The home page's example video: the bundled samples (static/samples) rendered by the local
engine at setup (`manage.py make_example_video`), served from EXAMPLE_VIDEO_DIR to anyone."""

from pathlib import Path

from django.conf import settings

SAMPLES = Path(settings.BASE_DIR) / "static" / "samples"
EXAMPLE_VIDEO = "example.mp4"
EXAMPLE_POSTER = "example.jpg"
EXAMPLE_FILES = (EXAMPLE_VIDEO, EXAMPLE_POSTER)
# Words the engine's motion reads (engine.motion.style_for_prompt), so the example shows them.
EXAMPLE_PROMPT = "cheerful and expressive"


def example_exists() -> bool:
    return all((Path(settings.EXAMPLE_VIDEO_DIR) / name).exists() for name in EXAMPLE_FILES)


def example_path(name) -> Path | None:
    """The example file called `name`, or None (another name, or not made yet)."""
    path = Path(settings.EXAMPLE_VIDEO_DIR) / name
    return path if name in EXAMPLE_FILES and path.exists() else None
