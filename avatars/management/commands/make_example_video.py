"""Render the home page's example video with the local engine, from the bundled samples."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from avatars.example import EXAMPLE_POSTER, EXAMPLE_PROMPT, EXAMPLE_VIDEO, SAMPLES
from jobs import media


class Command(BaseCommand):
    help = "Make the home page's example video (static/samples rendered by the local engine), unless it exists."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Render it again even if it exists.")
        parser.add_argument(
            "--long-side", type=int, default=512, help="The video's longer side in pixels (default 512)."
        )

    def handle(self, *args, force=False, long_side=512, **options):
        # Like the CLI that starts the engine, this command runs the engine in this process:
        # an example made offline, at setup, with nothing listening yet.
        from engine.render import render_avatar_video

        folder = Path(settings.EXAMPLE_VIDEO_DIR)
        video, poster = folder / EXAMPLE_VIDEO, folder / EXAMPLE_POSTER
        if video.exists() and poster.exists() and not force:
            self.stdout.write(f"The example video exists ({video.stat().st_size} bytes); --force makes it again.")
            return
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{EXAMPLE_VIDEO}.partial"
        seconds = render_avatar_video(
            SAMPLES / "portrait.jpg", SAMPLES / "speech.ogg", partial, prompt=EXAMPLE_PROMPT, long_side=long_side
        )
        # Written whole before it is given its name: the page never offers half a video.
        poster.write_bytes(media.poster_frame(str(partial)))
        partial.replace(video)
        self.stdout.write(f"Made the example video: {seconds:.1f} s, {video.stat().st_size} bytes.")
