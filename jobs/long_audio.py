"""Audio longer than a model takes: such a job is a long video, made of segment jobs.

Every door creates jobs through jobs.services.submission.create_job; audio longer than the
model's segment limit (and at most MAX_LONG_AUDIO_SECONDS, which jobs.media enforces) is
handed to the maker the `longform` app registers here when it is ready, so `jobs` never
imports the app that splits and stitches (it sits on a floor above).
"""

_maker: dict = {}


def segment_limit(model, params=None) -> float:
    """The most audio one fal request of `model` takes with these parameters, in seconds: the
    longest segment a long video is split into (the registry's limit for the model)."""
    return float(model.audio_limits(params)[1])


def needs_segments(model, audio_seconds: float | None, params=None) -> bool:
    return audio_seconds is not None and audio_seconds > segment_limit(model, params)


def register_maker(maker) -> None:
    """`maker(user=, model=, image=, audio=, prompt=, title=, agreement=, model_params=)` creates a long
    video inside the caller's transaction and returns its parent job."""
    _maker["long"] = maker


def create_long_job(**arguments):
    return _maker["long"](**arguments)


def refuse_in_batch(model, audio, params=None) -> None:
    """A batch's clips each make one video of at most one segment: raise MediaError for a
    longer one (a long recording is a video of its own)."""
    from .media import MediaError

    if needs_segments(model, audio.duration, params):
        limit = segment_limit(model, params)
        raise MediaError(
            f"A batch's clips may last at most {limit:g} seconds each; this one lasts {audio.duration:.1f} s. "
            "Make a longer recording a video of its own."
        )
