"""The fal models Avatar Studio can drive.

Adding a model (say an image-to-video-with-audio endpoint) is one entry here: how to build
its input, where its output video lives, what a second costs and how long a run takes. The
forms' choices, the API's and the CLI's names, their help texts and the OpenAPI enum all come
from this list; the local engine, a separate service, keeps its own list of the endpoints it
serves, which tests/engine/test_registry.py holds equal to this one.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from credits import prices


@dataclass(frozen=True)
class FalModel:
    key: str  # our short name, used in forms and the API
    endpoint_id: str
    label: str
    price_setting: str  # name of the setting that holds the USD price per output second
    credits_setting: str  # name of the setting that holds our price in credits per output second
    expected_seconds: float  # typical processing time, drives the polling schedule
    default_prompt: str = "."

    @property
    def price_per_second(self) -> Decimal:
        return Decimal(str(getattr(settings, self.price_setting)))

    @property
    def credits_per_second(self) -> int:
        return int(getattr(settings, self.credits_setting))

    def estimate_credits(self, audio_seconds: float | None) -> int:
        """Credits to hold for a video as long as the audio (rounded up)."""
        return self.credits_for(self.priced_seconds(audio_seconds))

    def priced_seconds(self, audio_seconds: float | None) -> float:
        """The video length a job is priced on: its audio's, or the longest allowed when that is
        unknown (only a job made before audio given by URL was measured)."""
        return settings.MAX_AUDIO_SECONDS if audio_seconds is None else audio_seconds

    def credits_for(self, video_seconds: float) -> int:
        """What `video_seconds` of output cost in credits (credits.prices has the rule)."""
        return prices.credits_for(video_seconds, self.credits_per_second)

    def build_input(self, *, image_url: str, audio_url: str, prompt: str = "") -> dict:
        return {"image_url": image_url, "audio_url": audio_url, "prompt": prompt or self.default_prompt}

    def output_video(self, output: dict) -> dict:
        """The {url, content_type, file_name, file_size} part of the model's output."""
        video = output.get("video")
        if not isinstance(video, dict) or not video.get("url"):
            raise ValueError("The model's output has no video URL.")
        return video

    def output_duration(self, output: dict) -> float | None:
        duration = output.get("duration")
        return float(duration) if isinstance(duration, (int, float)) else None

    def estimate_cost(self, audio_seconds: float | None) -> Decimal | None:
        """The fal price of a video as long as the audio, in dollars (credits.prices)."""
        if audio_seconds is None:
            return None
        return prices.dollars_for(audio_seconds, self.price_per_second)


MODELS = {
    model.key: model
    for model in (
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
DEFAULT_MODEL_KEY = "kling-avatar-pro"
MODELS_BY_ENDPOINT = {model.endpoint_id: model for model in MODELS.values()}
# The short names the API and the CLI accept, beside the full keys.
MODEL_ALIASES = {"pro": "kling-avatar-pro", "standard": "kling-avatar-standard"}
MODEL_NAMES = sorted([*MODELS, *MODEL_ALIASES])
DEFAULT_MODEL_NAME = "pro"  # what the API and the CLI take when no model is given
MODEL_NAMES_HELP = (
    "One of "
    + ", ".join(f"`{alias}` ({MODELS[key].label})" for alias, key in MODEL_ALIASES.items())
    + f", or a full key ({', '.join(f'`{key}`' for key in MODELS)}); `{DEFAULT_MODEL_NAME}` by default."
)


def find_model(name: str) -> FalModel:
    """A model by key or short alias ("pro", "standard")."""
    return MODELS[MODEL_ALIASES.get(name, name)]


def model_for_endpoint(endpoint_id: str) -> FalModel:
    return MODELS_BY_ENDPOINT[endpoint_id]
