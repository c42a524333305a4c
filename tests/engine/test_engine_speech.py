"""The engine's text-to-speech model (fal's Kokoro endpoint), reached with the unmodified
fal-client over real HTTP: it really speaks the text, offline, in fal's input and output shape."""

import io
import wave

import fal_client
import httpx
import numpy as np
import pytest

from engine.speech import ENGINE_VOICES
from speech.registry import SPEECH_MODEL
from speech.voices import VOICES

KOKORO = SPEECH_MODEL.endpoint_id


def spoken(fal, text, voice="af_heart"):
    output = fal.subscribe(KOKORO, {"prompt": text, "voice": voice})
    audio = output["audio"]
    content = httpx.get(audio["url"]).content
    assert audio["content_type"] == "audio/wav" and audio["file_size"] == len(content)
    with wave.open(io.BytesIO(content)) as speech:
        samples = np.frombuffer(speech.readframes(speech.getnframes()), dtype=np.int16)
        return samples.astype(float) / 32768, speech.getframerate()


def test_speech_lasts_as_long_as_its_words_and_is_not_silence(fal):
    short, rate = spoken(fal, "Hello there.")
    long, _ = spoken(fal, "Hello there. This sentence is a good deal longer, so saying it takes more time.")

    assert 0.3 < len(short) / rate < 2.0
    assert len(long) / rate > 3 * len(short) / rate
    # Speech: loud enough, and loud and quiet by turns (syllables and the gaps between words).
    frames = long[: len(long) // 441 * 441].reshape(-1, 441)  # 20 ms windows
    loudness = np.sqrt((frames**2).mean(axis=1))
    assert loudness.max() > 0.05
    assert (loudness < 0.2 * loudness.max()).mean() > 0.1


def test_voices_sound_different(fal):
    female, rate = spoken(fal, "Good morning to you.", "af_bella")
    male, _ = spoken(fal, "Good morning to you.", "am_adam")

    assert not np.array_equal(female[: len(male)], male[: len(female)])


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"voice": "af_heart"}, "prompt"),
        ({"prompt": "Hi", "voice": "robot"}, "voice"),
        ({"prompt": "Hi", "voice": "af_heart", "speed": 9}, "speed"),
    ],
)
def test_invalid_input_is_refused_as_fal_does(fal, arguments, field):
    with pytest.raises(fal_client.client.FalClientHTTPError) as refused:
        fal.subscribe(KOKORO, arguments)

    assert refused.value.status_code == 422
    assert refused.value.response.json()["detail"][0]["loc"] == ["body", field]


def test_the_engine_imitates_every_voice_the_app_offers():
    assert set(ENGINE_VOICES) == set(VOICES)
