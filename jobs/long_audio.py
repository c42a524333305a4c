"""Audio longer than a model takes: such a job is a long video, made of segment jobs.

Every door creates jobs through jobs.services.submission.create_job; audio longer than the
model's segment limit (and at most MAX_LONG_AUDIO_SECONDS, which jobs.media enforces) is
handed to the maker the `longform` app registers here when it is ready, so `jobs` never
imports the app that splits and stitches (it sits on a floor above). A job made from a script
learns its audio's length only once its speech is made (jobs.services.speaking): speech longer
than the model takes makes that same job a long video's parent, by the adopter registered here.
"""

_maker: dict = {}


def segment_limit(model, params=None) -> float:
    """The most audio one fal request of `model` takes with these parameters, in seconds: the
    longest segment a long video is split into (the registry's limit for the model)."""
    return float(model.audio_limits(params)[1])


def needs_segments(model, audio_seconds: float | None, params=None) -> bool:
    return audio_seconds is not None and audio_seconds > segment_limit(model, params)


def register_maker(maker, *, adopter) -> None:
    """`maker(user=, model=, image=, audio=, prompt=, title=, agreement=, model_params=)`
    creates a long video inside the caller's transaction and returns its parent job. `adopter(job, audio,
    message=, event_data=, **fields)` makes an existing job the parent of a long video of
    `audio` (see adopt_long_job)."""
    _maker["long"] = maker
    _maker["adopt"] = adopter


def create_long_job(**arguments):
    return _maker["long"](**arguments)


def adopt_long_job(job, audio, *, message="", event_data=None, **fields):
    """Make `job` (row-locked by the caller, inside its transaction; its `audio` measured and
    stored as the job's) the parent of a long video: `audio` is split at pauses, the job moves
    to `in_queue` with its `segment_count` (writing `fields` too) and its segment jobs are
    created, as for a new long video. Returns the job; raises media.MediaError when the audio
    cannot be split."""
    return _maker["adopt"](job, audio, message=message, event_data=event_data, **fields)
