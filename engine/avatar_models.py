"""The avatar models the engine serves, with each one's rules as fal's model pages give them
(docs/models.md): the extra inputs it takes, the audio it accepts, and the size of its video.

The engine stands in for fal, so it keeps this list itself rather than reading the app's
registry (jobs/registry.py); tests/jobs/test_registry.py holds the two equal.
"""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class Choice:
    """An input that takes one of `choices` (a switch: (False, True)), `default` when left out."""

    default: str | bool
    choices: tuple


@dataclass(frozen=True)
class EngineModel:
    endpoint: str
    inputs: dict[str, Choice] = field(default_factory=dict)
    audio_seconds: tuple[float, float] = (2.0, 60.0)
    # When the longest audio depends on an input: (its name, {value: longest seconds}).
    max_audio_seconds_by: tuple[str, dict] | None = None
    # When the video's size depends on an input: (its name, {value: lines}); the engine draws
    # at a scale (ENGINE_RENDER_LONG_SIDE stands for the largest), so 720p is 2/3 of 1080p.
    lines_by: tuple[str, dict] | None = None
    # How much faster a run is with turbo_mode on.
    turbo_speedup: float = 1.0

    def with_defaults(self, arguments: dict) -> dict:
        return {**{name: choice.default for name, choice in self.inputs.items()}, **arguments}

    def max_audio_seconds(self, arguments: dict) -> float:
        low, high = self.audio_seconds
        if self.max_audio_seconds_by is not None:
            name, by_value = self.max_audio_seconds_by
            high = by_value.get(self.with_defaults(arguments).get(name), high)
        return high

    def long_side(self, arguments: dict) -> int:
        """The long side of the video drawn for these inputs, in pixels."""
        if self.lines_by is None:
            return settings.ENGINE_RENDER_LONG_SIDE
        name, by_value = self.lines_by
        lines = by_value[self.with_defaults(arguments)[name]]
        return max(64, round(settings.ENGINE_RENDER_LONG_SIDE * lines / max(by_value.values())))

    def processing_seconds(self, arguments: dict, seconds: float) -> float:
        return seconds / self.turbo_speedup if self.with_defaults(arguments).get("turbo_mode") else seconds


ENGINE_MODELS = {
    model.endpoint: model
    for model in (
        EngineModel("fal-ai/kling-video/v1/pro/ai-avatar"),
        EngineModel("fal-ai/kling-video/v1/standard/ai-avatar"),
        EngineModel("fal-ai/kling-video/ai-avatar/v2/pro"),
        EngineModel("fal-ai/kling-video/ai-avatar/v2/standard"),
        EngineModel(
            "fal-ai/bytedance/omnihuman/v1.5",
            inputs={"resolution": Choice("1080p", ("720p", "1080p")), "turbo_mode": Choice(False, (False, True))},
            max_audio_seconds_by=("resolution", {"1080p": 30.0, "720p": 60.0}),
            lines_by=("resolution", {"720p": 720, "1080p": 1080}),
            turbo_speedup=2.0,
        ),
    )
}
