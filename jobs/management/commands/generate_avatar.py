"""python manage.py generate_avatar --image face.jpg (--audio speech.mp3 | --script "Hello!" [--voice am_adam])
                                   [--prompt ...] [--out video.mp4]

Runs the whole pipeline from the command line with nothing else started: in local mode it
starts the fal-compatible engine in this process, and it drives the job's tasks itself,
relying on polling since no webhook can reach a command-line process.

It may share its database (and task queue) with a running server and worker, whose engine is
elsewhere. So it puts its job's tasks on a queue of its own, which only it runs: the server's
workers never take them (nor it theirs), and the job is followed by this process, the only
one that can reach the engine it was sent to (see Job.fal_origin).
"""

import logging
import shutil
import signal
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from credits import services as credits
from jobs import media, schedule
from jobs.models import Job, JobState
from jobs.registry import (
    DEFAULT_MODEL_NAME,
    MODEL_NAMES,
    MODEL_NAMES_HELP,
    MODEL_PARAMETERS,
    InvalidModelParameters,
    check_model_inputs,
    find_model,
)
from jobs.services import admission, lifecycle, submission
from jobs.worker import in_process_worker
from speech.registry import ScriptError, checked_script
from speech.voices import DEFAULT_VOICE, VOICES
from workers.services import discard_queue

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Turn a portrait and a speech recording into a talking-avatar MP4."

    def add_arguments(self, parser):
        parser.add_argument("--image", required=True, help="Portrait image (JPEG, PNG or WebP).")
        speech = parser.add_mutually_exclusive_group(required=True)
        speech.add_argument("--audio", help="Speech audio (MP3, WAV, M4A, OGG or AAC).")
        speech.add_argument(
            "--script",
            help="Instead of --audio: what the avatar says, spoken first by fal's text-to-speech model "
            f"(up to {settings.MAX_SCRIPT_CHARACTERS} characters).",
        )
        parser.add_argument(
            "--voice", choices=sorted(VOICES), default=DEFAULT_VOICE, help="The voice that speaks --script."
        )
        parser.add_argument("--prompt", default="", help="Optional prompt for the model.")
        parser.add_argument(
            "--model", choices=MODEL_NAMES, default=DEFAULT_MODEL_NAME, help=MODEL_NAMES_HELP.replace("`", "")
        )
        for name, parameter in MODEL_PARAMETERS.items():
            # Each model's own inputs (registry), e.g. --resolution 720p --turbo-mode for OmniHuman.
            option = "--" + name.replace("_", "-")
            if parameter.is_switch:
                parser.add_argument(option, dest=name, action="store_true", default=None, help=parameter.help_text)
            else:
                choices = list(parameter.choices)
                parser.add_argument(option, dest=name, choices=choices, default=None, help=parameter.help_text)
        parser.add_argument("--out", default=None, help="Where to write the MP4 (default: avatar-<job id>.mp4).")
        parser.add_argument("--user", default="cli", help="Username that owns the job (created if missing).")
        parser.add_argument(
            "--verbose",
            action="store_true",
            help="Also show log lines below WARNING (hidden by default: they would break the progress bar).",
        )

    def handle(self, *args, **options):
        if not options["verbose"]:
            # The worker, the engine and the pipeline log each step at INFO on stderr, between
            # the bar's redraws; the bar and the model's log lines say it better. Warnings and
            # errors still show.
            logging.disable(logging.INFO)
        try:
            self._generate(options)
        finally:
            logging.disable(logging.NOTSET)

    def _generate(self, options):
        call_command("migrate", verbosity=0)  # first: checking a portrait reads the block list
        image = self._checked(options["image"], media.check_image)
        audio = script = None
        if options["script"] is not None:
            try:
                script = submission.Script(*checked_script(options["script"], options["voice"]))
            except ScriptError as exc:
                raise CommandError(f"--script: {exc.message}") from None
        else:
            audio = self._checked(options["audio"], media.check_audio)
        user, _ = get_user_model().objects.get_or_create(username=options["user"])
        model = find_model(options["model"])
        given = {name: options[name] for name in MODEL_PARAMETERS if options.get(name) is not None}
        try:
            params = check_model_inputs(model, given, audio.duration if audio else None, long_video_ok=True)
        except InvalidModelParameters as exc:
            raise CommandError(f"{model.label}: {exc}") from None

        with ExitStack() as stack:
            # A name per run: two runs at once each have an engine of their own.
            own_queue = f"cli-{uuid.uuid4().hex[:12]}"
            overrides = {"JOB_TASKS_QUEUE": own_queue}
            stack.callback(discard_queue, own_queue)
            if settings.FAL_MODE == "local":
                from engine.server import start_engine_server, stop_engine_server

                server, base_url = start_engine_server()
                stack.callback(stop_engine_server, server)
                overrides["FAL_ENGINE_URL"] = base_url
                overrides["PUBLIC_BASE_URL"] = ""  # nothing can call this process back
            stack.enter_context(override_settings(**overrides))

            try:
                job = submission.create_job(
                    user=user,
                    model=model,
                    image=image,
                    audio=audio,
                    script=script,
                    prompt=options["prompt"],
                    model_params=params,
                )
            except (admission.TooManyActiveJobs, credits.InsufficientCredits) as exc:
                raise CommandError(str(exc)) from None
            if script is not None:
                self.stdout.write(
                    f"Job {job.id}: {model.label}, a script of {len(script.text)} characters spoken as {script.voice}."
                )
            else:
                self.stdout.write(f"Job {job.id}: {model.label}, {audio.duration:.1f} s of audio.")
            job = self._drive(job)
            if not job.is_finished:  # interrupted (Ctrl-C)
                # While the engine still runs: once this process is gone nobody can reach it.
                job = lifecycle.abandon_job(job.id, by="the command line")
                raise CommandError(f"Interrupted: job {job.id} {job.get_state_display().lower()}.")

        if job.state != JobState.COMPLETED:
            raise CommandError(f"Job {job.id} {job.get_state_display().lower()}: {job.error or 'no reason given'}")
        out = Path(options["out"] or f"avatar-{job.id}.mp4")
        with job.video.open("rb") as source, out.open("wb") as target:
            shutil.copyfileobj(source, target)
        size_mb = (job.video_size or 0) / (1024 * 1024)
        self.stdout.write(self.style.SUCCESS(f"Saved {out} ({job.video_duration:.2f} s, {size_mb:.2f} MB)."))

    def _checked(self, path, check):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            checked = check(data)
        except media.MediaError as exc:
            raise CommandError(f"{path}: {exc.message}") from None
        checked.source_name = media.readable_name(path)  # the job's title, and its stored name
        return checked

    def _drive(self, job):
        """Run due tasks in this process until the job finishes, or until Ctrl-C, drawing
        progress as it goes. Ctrl-C is taken between rounds (a KeyboardInterrupt could land
        inside a query and leave the database connection unusable); a second one stops at once."""
        worker = in_process_worker(worker_id="generate-avatar-cli", batch=True, interval=0)
        started = time.monotonic()
        expected = schedule.expected_run_seconds(job)
        shown_logs = 0
        self._last_status = None
        interrupted = threading.Event()

        def interrupt(signum, frame):
            interrupted.set()
            signal.signal(signal.SIGINT, signal.default_int_handler)

        previous_handler = signal.signal(signal.SIGINT, interrupt)
        try:
            while True:
                worker.run()
                job = Job.objects.get(pk=job.pk)
                for entry in job.logs[shown_logs:]:
                    self._clear_line()
                    self.stdout.write(f"  log: {entry.get('message', '')}")
                shown_logs = len(job.logs)
                self._draw(job, time.monotonic() - started, expected)
                if job.is_finished or interrupted.is_set():
                    self.stdout.write("")
                    return job
                time.sleep(0.1)
        finally:
            signal.signal(signal.SIGINT, previous_handler)

    def _clear_line(self):
        if sys.stdout.isatty():
            self.stdout.write("\r\033[K", ending="")

    def _draw(self, job, elapsed, expected):
        if job.state == JobState.COMPLETED:
            fraction = 1.0
        else:
            fraction = min(elapsed / (expected * 1.2 or 1), 0.99)
        filled = int(BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        detail = job.fal_queue_detail or job.get_state_display()
        line = f"[{bar}] {fraction:4.0%} {detail} · {elapsed:5.1f}s"
        if sys.stdout.isatty():
            self.stdout.write("\r\033[K" + line, ending="")
            self.stdout.flush()
        elif (filled, detail) != self._last_status:
            # Not a terminal (a log, a pipe): a line per visible change, not per tick.
            self._last_status = (filled, detail)
            self.stdout.write(line)
