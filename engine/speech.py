"""The local engine's text-to-speech model: fal's Kokoro endpoint, spoken offline by eSpeak NG.

eSpeak NG comes with the `espeakng-loader` package (its shared library and voice data, no
system install); it is driven through ctypes. It sounds nothing like Kokoro, but it really
speaks the text: the speech lasts as long as the words take, so the avatar that follows it
moves its mouth to real syllables, and a longer script makes a longer video.

Input validation and output shape follow fal's: `prompt` (the text) and `voice` (one of the
Kokoro voices) are required here as the model page lists them, `speed` is 0.1-5; the answer is
`{"audio": {"url", "content_type", "file_name", "file_size"}}`.
"""

import array
import ctypes
import threading
import wave

import espeakng_loader

from . import storage
from .faults import default_model_error
from .records import ModelRequest, Outcome, failure_outcome

SPEECH_ENDPOINTS = frozenset({"fal-ai/kokoro/american-english"})

# How the engine imitates each Kokoro voice: an eSpeak NG voice variant (the female and male
# variants it ships), so voices differ audibly. Kept equal to speech/voices.py by a test.
ENGINE_VOICES = {
    "af_heart": "f1",
    "af_alloy": "f2",
    "af_aoede": "f3",
    "af_bella": "f4",
    "af_jessica": "f5",
    "af_kore": "f1",
    "af_nicole": "f2",
    "af_nova": "f3",
    "af_river": "f4",
    "af_sarah": "f5",
    "af_sky": "f1",
    "am_adam": "m1",
    "am_echo": "m2",
    "am_eric": "m3",
    "am_fenrir": "m4",
    "am_liam": "m5",
    "am_michael": "m6",
    "am_onyx": "m7",
    "am_puck": "m1",
    "am_santa": "m2",
}
SYNTHESIS_FAILED = "Could not synthesize speech for this text"
NORMAL_WORDS_PER_MINUTE = 175  # eSpeak's default rate, what speed 1.0 means here

# eSpeak NG's C API, as its speak_lib.h declares it.
_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_RATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class Synthesizer:
    """One eSpeak NG instance: the library keeps global state, so speaking takes turns."""

    def __init__(self):
        self._lock = threading.Lock()
        self._library = None
        self._sample_rate = 0
        self._samples = array.array("h")
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept alive as long as the library uses it

    def _collect(self, wav, count, events):
        if count > 0:
            self._samples.frombytes(ctypes.string_at(wav, count * 2))
        return 0

    def _loaded(self):
        if self._library is None:
            library = ctypes.CDLL(espeakng_loader.get_library_path())
            library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            library.espeak_Synth.argtypes = [
                ctypes.c_char_p,
                ctypes.c_size_t,
                ctypes.c_uint,
                ctypes.c_int,
                ctypes.c_uint,
                ctypes.c_uint,
                ctypes.c_void_p,
                ctypes.c_void_p,
            ]
            library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            data_path = espeakng_loader.get_data_path().encode()
            self._sample_rate = library.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT
            )
            if self._sample_rate <= 0:
                raise RuntimeError("eSpeak NG could not start.")
            library.espeak_SetSynthCallback(self._callback)
            self._library = library
        return self._library

    def speak(self, text: str, *, variant: str, speed: float = 1.0) -> tuple[bytes, int]:
        """16-bit mono PCM of `text` spoken, and its sample rate."""
        with self._lock:
            library = self._loaded()
            if library.espeak_SetVoiceByName(f"en-us+{variant}".encode()) != 0:
                raise RuntimeError(f"eSpeak NG has no voice variant {variant}.")
            library.espeak_SetParameter(_RATE, max(80, min(450, round(NORMAL_WORDS_PER_MINUTE * speed))), 0)
            self._samples = array.array("h")
            encoded = text.encode()
            if library.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, _CHARS_UTF8, None, None) != 0:
                raise RuntimeError("eSpeak NG could not speak the text.")
            library.espeak_Synchronize()
            return self._samples.tobytes(), self._sample_rate


SYNTHESIZER = Synthesizer()


def is_speech_endpoint(endpoint: str) -> bool:
    return endpoint in SPEECH_ENDPOINTS


def run_speech_model(request: ModelRequest, control) -> Outcome:
    """Speak the request's text into a WAV file in the engine's storage."""
    arguments = request.arguments
    problems = validation_errors(arguments)
    if problems:
        control.log("Error: invalid input")
        return failure_outcome(422, {"detail": problems})
    if request.injected_failure:
        failure = request.injected_failure
        if failure.body == default_model_error(422):  # the avatar model's face error: say it as a speech model would
            failure = failure_outcome(
                422, {"detail": [_error(["prompt"], SYNTHESIS_FAILED, "speech_synthesis_error")]}
            )
        control.log(f"Error: {failure.error}")
        return failure
    text = arguments["prompt"]
    control.log(f"Speaking {len(text)} characters as {arguments['voice']}")
    pcm, rate = SYNTHESIZER.speak(text, variant=ENGINE_VOICES[arguments["voice"]], speed=arguments.get("speed", 1.0))
    name, path = storage.new_output_path("speech.wav")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    control.log(f"Spoke {len(pcm) / 2 / rate:.2f} s of audio")
    audio = {
        "url": f"{request.base_url}/cdn/files/{name}",
        "content_type": "audio/wav",
        "file_name": "speech.wav",
        "file_size": path.stat().st_size,
    }
    return Outcome(200, {"audio": audio})


def validation_errors(arguments) -> list[dict]:
    if not isinstance(arguments, dict):
        return [_error([], "Input should be a valid dictionary", "dict_type")]
    errors = []
    prompt = arguments.get("prompt")
    if prompt is None:
        errors.append(_error(["prompt"], "field required", "value_error.missing"))
    elif not isinstance(prompt, str) or not prompt.strip():
        errors.append(_error(["prompt"], "Input should be a non-empty string", "string_type"))
    voice = arguments.get("voice")
    if voice is None:
        errors.append(_error(["voice"], "field required", "value_error.missing"))
    elif voice not in ENGINE_VOICES:
        options = ", ".join(f"'{key}'" for key in ENGINE_VOICES)
        errors.append(_error(["voice"], f"Input should be {options}", "enum"))
    speed = arguments.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.1 <= speed <= 5:
        errors.append(_error(["speed"], "Input should be a number from 0.1 to 5", "value_error.number"))
    return errors


def _error(location: list, message: str, error_type: str) -> dict:
    return {"loc": ["body", *location], "msg": message, "type": error_type}
