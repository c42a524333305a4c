"""Make the create page's samples: a drawn portrait and a spoken greeting, both made here.

    .venv/bin/python scripts/make_samples.py

writes static/samples/portrait.jpg and static/samples/speech.ogg with the renderer
fixtures' drawing and voice (tests/fixtures/make_fixtures.py: Pillow and NumPy draw a face
the Haar cascades find; Debian's `espeak-ng` speaks, PyAV encodes Opus). They are small
(tens of KB) because every visitor who presses "Try the samples" downloads them. Both are
dedicated to the public domain (static/samples/LICENSE). Run it again only to change them.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.make_fixtures import portrait, speech_ogg  # noqa: E402

SAMPLES = ROOT / "static" / "samples"
PORTRAIT = SAMPLES / "portrait.jpg"
SPEECH = SAMPLES / "speech.ogg"
GREETING_SSML = (
    '<speak>Hi! I am the Avatar Studio sample. <break time="600ms"/> '
    "Swap in your own photo and voice, and I will say anything you like.</speak>"
)


def main() -> None:
    portrait(512, 640).save(PORTRAIT, quality=84, optimize=True)
    SPEECH.write_bytes(speech_ogg(GREETING_SSML, bit_rate=16000))
    for path in (PORTRAIT, SPEECH):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
