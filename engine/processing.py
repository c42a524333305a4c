"""One run of the avatar model: fetch the inputs, render, and take as long as a real run would.

The engine's runners call `run_avatar_model`; it reports progress through a RunControl and
returns an Outcome. A run lasts its real render time plus the simulated processing time,
spread over the render as it reports its frames. Input problems end the run the way fal's
models do: a 422 whose body is a list of {loc, msg, type} errors.
"""

import base64
import binascii
import shutil
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
import httpx
from django.conf import settings

from core.public_urls import UnsafeURL, open_public

from . import storage
from .avatar_models import ENGINE_MODELS, EngineModel
from .records import ModelRequest, Outcome, failure_outcome
from .render import NoFaceFound, UnreadableAudio, UnreadableImage, render_avatar_video

AVATAR_ENDPOINTS = frozenset(ENGINE_MODELS)
REQUIRED_INPUTS = ("image_url", "audio_url")
MAX_INPUT_BYTES = 100 * 1024 * 1024
MAX_REDIRECTS = 5
DOWNLOAD_FAILED = "Failed to download the file"
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Each model's limits on the audio (engine/avatar_models.py): outside them fal's run ends in
# a 422 (audio_duration_too_short / audio_duration_too_long), and no video is made.
# Progress lines come every tenth of a second up to a cap, so any run longer than a few
# seconds overflows the status endpoint's log window, as long runs do on fal. A render
# reports a line per frame up to the same cap.
SECONDS_PER_PROGRESS_LINE = 0.1
MAX_PROGRESS_LINES = 40


class Stopped(Exception):
    """The run was cancelled or the engine was reset; the engine has already ended it."""


class ModelFailure(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.error)
        self.outcome = outcome


class RunControl(Protocol):
    def log(self, message: str) -> None: ...

    def pause(self, seconds: float) -> None:
        """Sleep, raising Stopped at once if the run is cancelled meanwhile."""


@dataclass(frozen=True)
class RunInputs:
    image_path: Path
    audio_path: Path
    audio_seconds: float


def is_supported_endpoint(endpoint: str) -> bool:
    return endpoint in AVATAR_ENDPOINTS


def run_avatar_model(request: ModelRequest, control: RunControl, processing_seconds: float) -> Outcome:
    """Run the model for one request; the run lasts its render time plus processing_seconds.

    A cancelled run stops within a frame and leaves no output behind.
    """
    started = time.monotonic()
    model = ENGINE_MODELS[request.endpoint]
    try:
        arguments = validated_arguments(request.arguments, model)
        processing_seconds = model.processing_seconds(arguments, processing_seconds)
        with tempfile.TemporaryDirectory(prefix="fal-engine-") as workdir:
            inputs = fetch_inputs(
                arguments, Path(workdir), control, own_files=f"{request.base_url}/cdn/files/", model=model
            )
            if request.injected_failure:
                spend_remaining_time(control, started, processing_seconds, "Running face detection")
                return request.injected_failure
            name, output_path = storage.new_output_path("output.mp4")
            pacing = RenderPacing(control, processing_seconds)
            prompt = arguments.get("prompt") or ""
            duration = render_output(inputs, prompt, output_path, pacing, long_side=model.long_side(arguments))
            control.log("Encoding finished (h264 yuv420p, aac)")
            control.log("Uploading result")
    except ModelFailure as failure:
        control.log(f"Error: {failure.outcome.error}")
        return failure.outcome
    video = {
        "url": f"{request.base_url}/cdn/files/{name}",
        "content_type": "video/mp4",
        "file_name": "output.mp4",
        "file_size": output_path.stat().st_size,
    }
    return Outcome(200, {"video": video, "duration": duration})


def validated_arguments(arguments: Any, model: EngineModel | None = None) -> dict:
    if not isinstance(arguments, dict):
        raise ModelFailure(input_error([], "Input should be a valid dictionary", "dict_type", arguments))
    errors = []
    for field in REQUIRED_INPUTS:
        value = arguments.get(field)
        if value is None:
            errors.append(error_item(field, "field required", "value_error.missing"))
        elif not isinstance(value, str) or not value.strip():
            errors.append(error_item(field, "Input should be a non-empty string", "string_type", value))
    prompt = arguments.get("prompt", ".")
    if prompt is not None and not isinstance(prompt, str):
        errors.append(error_item("prompt", "Input should be a valid string", "string_type", prompt))
    for name, choice in (model.inputs if model else {}).items():
        if name in arguments and (problem := choice_error(name, choice, arguments[name])):
            errors.append(problem)
    if errors:
        raise ModelFailure(failure_outcome(422, {"detail": errors}))
    return arguments


def choice_error(name: str, choice, value: Any) -> dict | None:
    """The 422 item fal's (pydantic) validation gives for a value outside an input's choices."""
    if isinstance(choice.default, bool):
        if isinstance(value, bool):
            return None
        return error_item(name, "Input should be a valid boolean", "bool_type", value)
    if value in choice.choices:
        return None
    expected = " or ".join(f"'{option}'" for option in choice.choices)
    item = error_item(name, f"Input should be {expected}", "literal_error", value)
    item["ctx"] = {"expected": expected}
    return item


def fetch_inputs(
    arguments: dict, workdir: Path, control: RunControl, *, own_files: str, model: EngineModel | None = None
) -> RunInputs:
    control.log("Downloading inputs")
    image_path = download_input(arguments["image_url"], "image_url", workdir / "image", own_files=own_files)
    audio_path = download_input(arguments["audio_url"], "audio_url", workdir / "audio", own_files=own_files)
    control.log("Analysing audio")
    audio_seconds = probe_audio_seconds(audio_path, arguments["audio_url"])
    control.log(f"Audio duration: {audio_seconds:.2f}s")
    model = model or ENGINE_MODELS["fal-ai/kling-video/v1/pro/ai-avatar"]
    check_audio_length(
        audio_seconds, arguments["audio_url"], model.audio_seconds[0], model.max_audio_seconds(arguments)
    )
    return RunInputs(image_path, audio_path, audio_seconds)


def download_input(url: str, field: str, destination: Path, *, own_files: str = "") -> Path:
    """Fetch an http(s) URL or decode a data: URI into destination, as fal's runners do.
    Files in the engine's own storage (`own_files` prefix) are read from it directly."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "data":
        destination.write_bytes(decode_data_uri(url, field))
    elif own_files and url.startswith(own_files):
        stored = storage.stored_file(url[len(own_files) :])
        if stored is None:
            raise ModelFailure(input_error([field], DOWNLOAD_FAILED, "file_download_error", url))
        shutil.copyfile(stored, destination)
    elif scheme in ("http", "https"):
        download_http(url, field, destination)
    else:
        raise ModelFailure(input_error([field], "Unsupported URL scheme", "file_download_error", url))
    return destination


def decode_data_uri(url: str, field: str) -> bytes:
    header, comma, data = url.partition(",")
    if not comma:
        raise ModelFailure(input_error([field], "Malformed data URI", "file_download_error", url))
    try:
        if header.endswith(";base64"):
            content = base64.b64decode(data, validate=False)
        else:
            content = urllib.parse.unquote_to_bytes(data)
    except (binascii.Error, ValueError) as exc:
        raise ModelFailure(input_error([field], "Malformed data URI", "file_download_error", url)) from exc
    if len(content) > MAX_INPUT_BYTES:
        raise ModelFailure(too_large(field, url))
    return content


def download_http(url: str, field: str, destination: Path) -> None:
    """Download a public URL, as fal does: every hop (redirects included) must resolve to
    public addresses (core.public_urls.open_public). Failures say only that the download
    failed: nothing about what answered, or how."""
    try:
        with open_public(
            url, allowed_hosts=settings.ALLOWED_INPUT_HOSTS, timeout=DOWNLOAD_TIMEOUT, max_redirects=MAX_REDIRECTS
        ) as response:
            if response.status_code != 200:
                raise ModelFailure(input_error([field], DOWNLOAD_FAILED, "file_download_error", url))
            _save(response, destination, field, url)
    except (httpx.HTTPError, UnsafeURL):
        raise ModelFailure(input_error([field], DOWNLOAD_FAILED, "file_download_error", url)) from None


def _save(response, destination: Path, field: str, url: str) -> None:
    received = 0
    with destination.open("wb") as output:
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > MAX_INPUT_BYTES:
                raise ModelFailure(too_large(field, url))
            output.write(chunk)


def probe_audio_seconds(audio_path: Path, url: str) -> float:
    """The audio's length from its decoded samples: container headers can lie (VBR MP3s, patched M4As).

    Each frame counts at the rate it decoded at, which need not be the header's (HE-AAC).
    """
    try:
        with av.open(str(audio_path)) as container:
            if not container.streams.audio:
                raise ModelFailure(unreadable_audio(url))
            frames = container.decode(container.streams.audio[0])
            seconds = sum(Fraction(frame.samples, frame.sample_rate) for frame in frames)
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise ModelFailure(unreadable_audio(url)) from exc
    if not seconds:
        raise ModelFailure(unreadable_audio(url))
    return float(seconds)


def check_audio_length(seconds: float, url: str, shortest: float, longest: float) -> None:
    """Refuse audio outside the model's range (Kling's 2-60 s; OmniHuman's 30 s at 1080p) as
    fal does: a 422 naming audio_url, with the limit and the length it measured in `ctx`."""
    if seconds > longest:
        message, error_type = (f"Audio duration must be at most {longest:g} seconds", "audio_duration_too_long")
        context = {"max_duration": longest, "provided_duration": round(seconds, 3)}
    elif seconds < shortest:
        message, error_type = (f"Audio duration must be at least {shortest:g} seconds", "audio_duration_too_short")
        context = {"min_duration": shortest, "provided_duration": round(seconds, 3)}
    else:
        return
    item = error_item("audio_url", message, error_type, url)
    item["ctx"] = context
    raise ModelFailure(failure_outcome(422, {"detail": [item]}))


class RenderPacing:
    """The render's progress as the run's log lines ("Generating frames 25/50 (50%)"), with the
    simulated processing time spread evenly over them; a cancel stops the render at once."""

    def __init__(self, control: RunControl, extra_seconds: float):
        self.control, self.extra_seconds = control, extra_seconds
        self.reported_steps = 0

    def log(self, message: str) -> None:
        self.control.log(message)

    def advance(self, frames_done: int, frames_total: int) -> None:
        steps = max(1, min(MAX_PROGRESS_LINES, frames_total))
        step = frames_done * steps // frames_total
        if step == self.reported_steps:
            self.control.pause(0)
            return
        self.control.pause(self.extra_seconds * (step - self.reported_steps) / steps)
        self.reported_steps = step
        self.control.log(f"Generating frames {frames_done}/{frames_total} ({100 * frames_done // frames_total}%)")


def render_output(
    inputs: RunInputs, prompt: str, output_path: Path, pacing: RenderPacing, *, long_side: int | None = None
) -> float:
    try:
        return render_avatar_video(
            inputs.image_path,
            inputs.audio_path,
            output_path,
            prompt=prompt,
            long_side=long_side,
            progress=pacing,
            require_face=True,
        )
    except NoFaceFound as exc:
        raise ModelFailure(input_error(["image_url"], str(exc), "face_detection_error", None)) from exc
    except UnreadableImage as exc:
        message = "Could not load the image; supported formats are JPEG, PNG and WebP"
        raise ModelFailure(input_error(["image_url"], message, "image_load_error", None)) from exc
    except UnreadableAudio as exc:
        raise ModelFailure(unreadable_audio(None)) from exc


def spend_remaining_time(control: RunControl, started: float, total_seconds: float, label: str) -> None:
    """Pause until total_seconds have passed since started, logging progress as a model would."""
    remaining = total_seconds - (time.monotonic() - started)
    steps = max(1, min(MAX_PROGRESS_LINES, int(total_seconds / SECONDS_PER_PROGRESS_LINE)))
    for step in range(1, steps + 1):
        control.pause(max(0.0, remaining / steps))
        control.log(f"{label} ({step}/{steps})")


def error_item(field: str | None, message: str, error_type: str, value: Any = None) -> dict:
    item = {
        "loc": ["body", field] if field else ["body"],
        "msg": message,
        "type": error_type,
        "url": f"https://docs.fal.ai/errors/#{error_type}",
    }
    if value is not None:
        # Echo the input like fal does, but never a whole data: URI.
        item["input"] = value[:200] if isinstance(value, str) else value
    return item


def input_error(loc: list[str], message: str, error_type: str, value: Any) -> Outcome:
    return failure_outcome(422, {"detail": [error_item(loc[0] if loc else None, message, error_type, value)]})


def too_large(field: str, url: str) -> Outcome:
    item = error_item(field, "File is too large", "file_too_large", url)
    item["ctx"] = {"max_size": MAX_INPUT_BYTES}
    return failure_outcome(422, {"detail": [item]})


def unreadable_audio(url: str | None) -> Outcome:
    message = "Could not decode the audio; supported formats are MP3, WAV, AAC, M4A and OGG"
    return input_error(["audio_url"], message, "unsupported_audio_format", url)
