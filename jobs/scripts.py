"""What a job made from a script costs, and how long its speech may be.

A script job runs two fal models: the text-to-speech model (speech.registry.SPEECH_MODEL,
priced per 1,000 characters) and then the avatar model (priced per second of video). Its hold
covers both: the speech, and the avatar for the longest the speech can last (the text's upper
bound, capped at the longest a video may be: a long video's MAX_LONG_AUDIO_SECONDS). Speech
longer than one request of the model takes makes the job a long video (jobs.long_audio).
It is settled once, when the job ends
(jobs.state.charge_for): the speech is charged once it was made, the video once it is stored.
"""

from django.conf import settings

from credits import prices
from speech.registry import SPEECH_MODEL, longest_speech_seconds


def speech_credits(script: str) -> int:
    """Credits for speaking `script`."""
    return credits_for_characters(len(script))


def credits_for_characters(characters: int) -> int:
    return prices.credits_for_characters(characters, SPEECH_MODEL.credits_per_1000_characters)


def dollars_for_characters(characters: int):
    return prices.dollars_for_characters(characters, SPEECH_MODEL.price_per_1000_characters)


def audio_limit_seconds(model, params=None) -> float:
    """The longest speech `model` is given with these parameters: the one place the limit for
    a script's speech is decided (the hold's upper bound and the check once the speech is
    measured both ask here). Speech past what one request takes makes a long video, so this
    is the longest a long video may be (MAX_LONG_AUDIO_SECONDS), or one request's limit if higher."""
    return max(model.audio_limits(params)[1], settings.MAX_LONG_AUDIO_SECONDS)


def estimated_video_seconds(model, characters: int, params=None) -> float:
    """The video length a script of `characters` characters is held for before its speech is measured."""
    return min(longest_speech_seconds(characters), audio_limit_seconds(model, params))


def script_hold(model, script: str, params=None) -> int:
    """Credits held when a script job is created: the speech, and the avatar for the longest
    the speech can last."""
    return hold_for_characters(model, len(script), params)


def measured_hold(model, script: str, speech_seconds: float, params=None) -> int:
    """What a script job holds once its speech is measured: the speech and a video that long."""
    return speech_credits(script) + model.estimate_credits(speech_seconds, params)


def hold_for_characters(model, characters: int, params=None) -> int:
    return credits_for_characters(characters) + model.credits_for(estimated_video_seconds(model, characters, params))


def cost_for_characters(model, characters: int, params=None):
    """fal's price of the same upper bound, in dollars (shown beside credits with real fal)."""
    seconds = estimated_video_seconds(model, characters, params)
    return dollars_for_characters(characters) + model.estimate_cost(seconds)
