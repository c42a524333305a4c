"""The voices a script may be spoken in: fal's Kokoro (American English) voices.

The keys are the very values fal's `voice` enum takes (fal-ai/kokoro/american-english, see
docs/speech.md); the labels are what people see. The local engine keeps its own table of how
it imitates each one (engine/speech.py), which tests/speech/test_voices.py holds equal to this.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    key: str
    label: str

    @property
    def gender(self) -> str:
        return "female" if self.key[1] == "f" else "male"


VOICES = {
    voice.key: voice
    for voice in (
        Voice("af_heart", "Heart (female)"),
        Voice("af_alloy", "Alloy (female)"),
        Voice("af_aoede", "Aoede (female)"),
        Voice("af_bella", "Bella (female)"),
        Voice("af_jessica", "Jessica (female)"),
        Voice("af_kore", "Kore (female)"),
        Voice("af_nicole", "Nicole (female)"),
        Voice("af_nova", "Nova (female)"),
        Voice("af_river", "River (female)"),
        Voice("af_sarah", "Sarah (female)"),
        Voice("af_sky", "Sky (female)"),
        Voice("am_adam", "Adam (male)"),
        Voice("am_echo", "Echo (male)"),
        Voice("am_eric", "Eric (male)"),
        Voice("am_fenrir", "Fenrir (male)"),
        Voice("am_liam", "Liam (male)"),
        Voice("am_michael", "Michael (male)"),
        Voice("am_onyx", "Onyx (male)"),
        Voice("am_puck", "Puck (male)"),
        Voice("am_santa", "Santa (male)"),
    )
}
DEFAULT_VOICE = "af_heart"  # fal's own default
VOICE_CHOICES = [(voice.key, voice.label) for voice in VOICES.values()]
# What a voice's preview says.
PREVIEW_TEXT = "Hello! This is how I sound when I read your script."
