"""The fal models Avatar Studio can drive.

Adding a model (say an image-to-video-with-audio endpoint) is one entry here: its endpoint,
its price settings, the extra input parameters it takes (with their choices and defaults),
its audio limits (which may depend on those parameters) and how long a run takes. The
forms' choices and parameter fields, the API's and the CLI's names, their help texts and
the OpenAPI document all come from this list; the local engine, a separate service, keeps
its own list of the endpoints it serves and their rules, which tests/jobs/test_registry.py
holds equal to this one. Sources for each entry's figures: docs/models.md.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from credits import prices


class InvalidModelParameters(ValueError):
    """Parameters a model does not take, or values outside its choices: {field: [why]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(why)}" for name, why in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ModelParameter:
    """One extra input of a model, sent to fal under `name` (fal's own field name)."""

    name: str
    label: str
    default: str | bool
    choices: tuple = ()  # the values it may take; (False, True) for a switch
    help_text: str = ""

    @property
    def is_switch(self) -> bool:
        return isinstance(self.default, bool)

    def clean(self, value) -> str | bool:
        """The value as fal takes it; raises ValueError naming the choices."""
        if self.is_switch:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "off"):
                return value.lower() in ("true", "1", "on")
            raise ValueError("Must be true or false.")
        if value not in self.choices:
            raise ValueError(f"“{value}” is not one of {', '.join(map(str, self.choices))}.")
        return value


@dataclass(frozen=True)
class FalModel:
    key: str  # our short name, used in forms and the API
    endpoint_id: str
    label: str
    price_setting: str  # name of the setting that holds the USD price per output second
    credits_setting: str  # name of the setting that holds our price in credits per output second
    expected_seconds: float  # typical processing time, drives the polling schedule
    default_prompt: str = "."
    parameters: tuple[ModelParameter, ...] = ()
    # The audio the model takes, in seconds: (shortest, longest). When the longest depends on
    # a parameter (OmniHuman's resolution), `max_audio_seconds_by` names it and maps its values.
    audio_seconds: tuple[float, float] = (2.0, 60.0)
    max_audio_seconds_by: tuple[str, dict] | None = None

    @property
    def price_per_second(self) -> Decimal:
        return Decimal(str(getattr(settings, self.price_setting)))

    @property
    def credits_per_second(self) -> int:
        return int(getattr(settings, self.credits_setting))

    # --- Parameters and limits ------------------------------------------------------------

    def default_params(self) -> dict:
        return {parameter.name: parameter.default for parameter in self.parameters}

    def clean_params(self, params: dict | None) -> dict:
        """Every parameter of this model with its value (defaults filled in); raises
        InvalidModelParameters naming each field it does not take or whose value is out of range."""
        given = dict(params or {})
        cleaned, errors = self.default_params(), {}
        for parameter in self.parameters:
            if given.get(parameter.name) is not None:
                try:
                    cleaned[parameter.name] = parameter.clean(given.pop(parameter.name))
                except ValueError as exc:
                    errors[parameter.name] = [str(exc)]
            given.pop(parameter.name, None)
        for name in given:
            errors[name] = [f"{self.label} takes no “{name}”."]
        if errors:
            raise InvalidModelParameters(errors)
        return cleaned

    def audio_limits(self, params: dict | None = None) -> tuple[float, float]:
        """(shortest, longest) audio in seconds one job of this model takes with `params`.

        The one place a job's per-model limit is computed: within the model's own range
        (and the parameter it depends on), and within MIN_AUDIO_SECONDS/MAX_AUDIO_SECONDS."""
        low, high = self.audio_seconds
        if self.max_audio_seconds_by is not None:
            name, by_value = self.max_audio_seconds_by
            value = (params or {}).get(name, self.default_params().get(name))
            high = by_value.get(value, high)
        return max(low, settings.MIN_AUDIO_SECONDS), min(high, settings.MAX_AUDIO_SECONDS)

    def image_limits(self) -> dict:
        """The pictures this model takes: every model takes ours (JPEG, PNG, WebP within these
        sizes); fal documents no tighter limit for any of them (docs/models.md)."""
        return {
            "max_bytes": settings.MAX_IMAGE_BYTES,
            "min_side": settings.MIN_IMAGE_SIDE,
            "max_side": settings.MAX_IMAGE_SIDE,
        }

    def audio_problem(self, seconds: float, params: dict | None = None, *, long_video_ok: bool = False) -> str:
        """Why audio of `seconds` can't make one video with these parameters ("" when it can).
        With `long_video_ok`, audio longer than one request takes, up to MAX_LONG_AUDIO_SECONDS,
        fits too: it makes a long video of segments (jobs.long_audio)."""
        low, high = self.audio_limits(params)
        if long_video_ok:
            high = max(high, settings.MAX_LONG_AUDIO_SECONDS)
        if seconds > high:
            return f"The audio lasts {seconds:.1f} seconds; {self.describe(params)} takes at most {high:g} seconds."
        if seconds < low:
            return f"The audio lasts {seconds:.1f} seconds; {self.describe(params)} needs at least {low:g} seconds."
        return ""

    def describe(self, params: dict | None = None) -> str:
        """The model's name with the parameter its limit depends on ("OmniHuman v1.5 at 1080p")."""
        if self.max_audio_seconds_by is None:
            return self.label
        name, _ = self.max_audio_seconds_by
        value = (params or {}).get(name, self.default_params().get(name))
        return f"{self.label} at {value}"

    # --- Prices ---------------------------------------------------------------------------

    def estimate_credits(self, audio_seconds: float | None, params: dict | None = None) -> int:
        """Credits to hold for a video as long as the audio (rounded up)."""
        return self.credits_for(self.priced_seconds(audio_seconds, params))

    def priced_seconds(self, audio_seconds: float | None, params: dict | None = None) -> float:
        """The video length a job is priced on: its audio's, or the longest allowed when that is
        unknown (only a job made before audio given by URL was measured)."""
        return self.audio_limits(params)[1] if audio_seconds is None else audio_seconds

    def credits_for(self, video_seconds: float) -> int:
        """What `video_seconds` of output cost in credits (credits.prices has the rule)."""
        return prices.credits_for(video_seconds, self.credits_per_second)

    def estimate_cost(self, audio_seconds: float | None) -> Decimal | None:
        """The fal price of a video as long as the audio, in dollars (credits.prices)."""
        if audio_seconds is None:
            return None
        return prices.dollars_for(audio_seconds, self.price_per_second)

    # --- fal's input and output -----------------------------------------------------------

    def build_input(self, *, image_url: str, audio_url: str, prompt: str = "", params: dict | None = None) -> dict:
        """fal's input: the two media, the prompt (left out when empty and the model has no
        default of its own), and every parameter of this model."""
        arguments: dict = {"image_url": image_url, "audio_url": audio_url}
        if prompt or self.default_prompt:
            arguments["prompt"] = prompt or self.default_prompt
        return {**arguments, **self.clean_params(params)}

    def output_video(self, output: dict) -> dict:
        """The {url, content_type, file_name, file_size} part of the model's output."""
        video = output.get("video")
        if not isinstance(video, dict) or not video.get("url"):
            raise ValueError("The model's output has no video URL.")
        return video

    def output_duration(self, output: dict) -> float | None:
        duration = output.get("duration")
        return float(duration) if isinstance(duration, (int, float)) else None


OMNIHUMAN_RESOLUTION = ModelParameter(
    name="resolution",
    label="Resolution",
    default="1080p",
    choices=("720p", "1080p"),
    help_text="1080p takes audio up to 30 seconds; 720p up to 60 seconds, and renders faster.",
)
OMNIHUMAN_TURBO = ModelParameter(
    name="turbo_mode",
    label="Turbo mode",
    default=False,
    choices=(False, True),
    help_text="Faster, at a slight cost in quality.",
)

MODELS = {
    model.key: model
    for model in (
        FalModel(
            key="kling-avatar-v2-pro",
            endpoint_id="fal-ai/kling-video/ai-avatar/v2/pro",
            label="Kling AI Avatar v2 Pro",
            price_setting="KLING_V2_PRO_PRICE_PER_SECOND",
            credits_setting="KLING_V2_PRO_CREDITS_PER_SECOND",
            expected_seconds=8 * 60,
        ),
        FalModel(
            key="kling-avatar-v2-standard",
            endpoint_id="fal-ai/kling-video/ai-avatar/v2/standard",
            label="Kling AI Avatar v2 Standard",
            price_setting="KLING_V2_STANDARD_PRICE_PER_SECOND",
            credits_setting="KLING_V2_STANDARD_CREDITS_PER_SECOND",
            expected_seconds=5 * 60,
        ),
        FalModel(
            key="omnihuman-v1.5",
            endpoint_id="fal-ai/bytedance/omnihuman/v1.5",
            label="ByteDance OmniHuman v1.5",
            price_setting="OMNIHUMAN_PRICE_PER_SECOND",
            credits_setting="OMNIHUMAN_CREDITS_PER_SECOND",
            expected_seconds=5 * 60,
            default_prompt="",
            parameters=(OMNIHUMAN_RESOLUTION, OMNIHUMAN_TURBO),
            audio_seconds=(2.0, 60.0),
            max_audio_seconds_by=("resolution", {"1080p": 30.0, "720p": 60.0}),
        ),
        FalModel(
            key="kling-avatar-pro",
            endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar",
            label="Kling AI Avatar Pro",
            price_setting="KLING_PRO_PRICE_PER_SECOND",
            credits_setting="KLING_PRO_CREDITS_PER_SECOND",
            expected_seconds=8 * 60,
        ),
        FalModel(
            key="kling-avatar-standard",
            endpoint_id="fal-ai/kling-video/v1/standard/ai-avatar",
            label="Kling AI Avatar Standard",
            price_setting="KLING_STANDARD_PRICE_PER_SECOND",
            credits_setting="KLING_STANDARD_CREDITS_PER_SECOND",
            expected_seconds=5 * 60,
        ),
    )
}
# The create page's default: the newest Pro model.
DEFAULT_MODEL_KEY = "kling-avatar-v2-pro"
MODELS_BY_ENDPOINT = {model.endpoint_id: model for model in MODELS.values()}
# The short names the API and the CLI accept, beside the full keys. "pro" and "standard"
# stay Kling v1's: clients of the seed API sent them before v2 existed.
MODEL_ALIASES = {
    "pro": "kling-avatar-pro",
    "standard": "kling-avatar-standard",
    "v2-pro": "kling-avatar-v2-pro",
    "v2-standard": "kling-avatar-v2-standard",
    "omnihuman": "omnihuman-v1.5",
}
MODEL_NAMES = sorted([*MODELS, *MODEL_ALIASES])
DEFAULT_MODEL_NAME = "pro"  # what the API and the CLI take when no model is given (the seed's compatibility)
# Every parameter any model takes, by name: the doors offer each as a field of its own (the
# seed's body is fal's input shape, flat). A name means the same thing for every model.
MODEL_PARAMETERS = {parameter.name: parameter for model in MODELS.values() for parameter in model.parameters}


def _parameters_help(model: FalModel) -> str:
    return "; takes " + ", ".join(f"`{parameter.name}`" for parameter in model.parameters) if model.parameters else ""


MODEL_NAMES_HELP = (
    "One of "
    + ", ".join(
        f"`{alias}` ({MODELS[key].label}{_parameters_help(MODELS[key])})" for alias, key in MODEL_ALIASES.items()
    )
    + f", or a full key ({', '.join(f'`{key}`' for key in MODELS)}); `{DEFAULT_MODEL_NAME}` by default."
)


def find_model(name: str) -> FalModel:
    """A model by key or short alias ("pro", "v2-pro", "omnihuman")."""
    return MODELS[MODEL_ALIASES.get(name, name)]


def model_for_endpoint(endpoint_id: str) -> FalModel:
    return MODELS_BY_ENDPOINT[endpoint_id]


def check_model_inputs(
    model: FalModel, params: dict | None, audio_seconds: float | None, *, long_video_ok: bool = False
) -> dict:
    """The model's cleaned parameters, once they and the audio's length fit the model (or, with
    `long_video_ok`, make a long video of it); raises InvalidModelParameters naming the field
    at fault (`audio` for a length out of range)."""
    cleaned = model.clean_params(params)
    if audio_seconds is not None and (
        problem := model.audio_problem(audio_seconds, cleaned, long_video_ok=long_video_ok)
    ):
        raise InvalidModelParameters({"audio": [problem]})
    return cleaned
