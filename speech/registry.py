"""The text-to-speech model a script is spoken by, as one entry like the avatar models' in
jobs/registry.py: its endpoint, its input and output shapes, and the settings that price it.

fal's Kokoro (fal-ai/kokoro/american-english) takes `prompt` (the text) and `voice`, answers
`{"audio": {"url", "content_type", "file_name", "file_size"}}` and costs $0.02 per 1,000
characters (docs/speech.md has the sources).
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .voices import DEFAULT_VOICE, VOICES


class ScriptError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SpeechModel:
    endpoint_id: str
    label: str
    # Settings holding fal's USD price, and our price in credits, per 1,000 characters.
    price_setting: str
    credits_setting: str

    @property
    def price_per_1000_characters(self) -> Decimal:
        return Decimal(str(getattr(settings, self.price_setting)))

    @property
    def credits_per_1000_characters(self) -> int:
        return int(getattr(settings, self.credits_setting))

    def build_input(self, *, text: str, voice: str) -> dict:
        return {"prompt": text, "voice": voice}

    def output_audio(self, output) -> dict:
        """The {url, content_type, file_name, file_size} part of the model's output."""
        audio = output.get("audio") if isinstance(output, dict) else None
        if not isinstance(audio, dict) or not isinstance(audio.get("url"), str) or not audio["url"]:
            raise ValueError("The speech model's output has no audio URL.")
        return audio


SPEECH_MODEL = SpeechModel(
    endpoint_id="fal-ai/kokoro/american-english",
    label="Kokoro TTS (American English)",
    price_setting="SPEECH_PRICE_PER_1000_CHARACTERS",
    credits_setting="SPEECH_CREDITS_PER_1000_CHARACTERS",
)


def checked_script(text, voice=None) -> tuple[str, str]:
    """The script as it will be spoken (spaces at the ends trimmed) and its voice; raises
    ScriptError naming what is wrong. The voice defaults to fal's own default."""
    text = (text or "").strip()
    if not text:
        raise ScriptError("Write what the avatar should say.")
    if len(text) > settings.MAX_SCRIPT_CHARACTERS:
        raise ScriptError(
            f"The script has {len(text)} characters; the limit is {settings.MAX_SCRIPT_CHARACTERS:,} characters."
        )
    voice = voice or DEFAULT_VOICE
    if voice not in VOICES:
        raise ScriptError(f"There is no voice called “{voice}”.")
    return text, voice


def longest_speech_seconds(characters: int) -> float:
    """How long speaking `characters` characters can take at most (to a tenth of a second):
    what a job is held for until its speech is measured. Speech runs at about 15 characters a
    second; SPEECH_MIN_CHARACTERS_PER_SECOND (8 by default) bounds it from below, pauses included."""
    return math.ceil(characters / settings.SPEECH_MIN_CHARACTERS_PER_SECOND * 10) / 10
