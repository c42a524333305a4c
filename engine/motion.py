"""How the avatar moves, frame by frame: the mouth from the speech's loudness, blinks, head
sway and breathing, in a style the prompt picks.

Everything here is a pure function of the loudness envelope, the style and a seed, so the
same inputs always give the same motion.
"""

import re
from dataclasses import dataclass

import numpy as np

FRAMES_PER_SECOND = 25
# Loudness below the clip's speaking level by more than this is silence (a closed mouth).
SPEECH_RANGE_DB = 30.0
SILENT_CLIP_DB = -60.0
# One blink: the lids close fast and open a little slower (closure per frame at 25 fps).
BLINK_SHAPE = np.array([0.5, 0.92, 1.0, 1.0, 0.78, 0.5, 0.25, 0.08])


@dataclass(frozen=True)
class MotionStyle:
    name: str
    mouth_gain: float  # how far a loud syllable opens the mouth (1 = as wide as it goes)
    attack_seconds: float  # how quickly the jaw follows a rise in loudness
    release_seconds: float  # and a fall
    onset_boost: float  # extra opening at a syllable's onset
    blink_every_seconds: float  # mean interval
    sway_degrees: float  # head roll
    sway_shift: float  # sideways drift, as a fraction of the face's width
    nod_shift: float  # how far speech lifts the head, as a fraction of the face's height
    breath_shift: float  # breathing's rise and fall, as a fraction of the face's height
    breath_seconds: float


STYLES = {
    "calm": MotionStyle("calm", 0.75, 0.05, 0.16, 0.15, 5.0, 0.8, 0.006, 0.004, 0.006, 5.0),
    "natural": MotionStyle("natural", 0.9, 0.04, 0.12, 0.3, 3.6, 1.1, 0.008, 0.008, 0.007, 4.2),
    "lively": MotionStyle("lively", 1.0, 0.03, 0.09, 0.5, 2.8, 2.4, 0.016, 0.016, 0.008, 3.6),
}
DEFAULT_STYLE = "natural"
# Words in the prompt that pick a style; whichever kind appears more often wins (a tie, or
# none, keeps the default). The README lists them.
STYLE_WORDS = {
    "calm": (
        "calm",
        "calmly",
        "serene",
        "relaxed",
        "gentle",
        "gently",
        "quiet",
        "quietly",
        "soft",
        "softly",
        "still",
        "subtle",
        "composed",
        "soothing",
        "peaceful",
        "slow",
        "slowly",
        "professional",
        "serious",
    ),
    "lively": (
        "lively",
        "energetic",
        "excited",
        "exciting",
        "enthusiastic",
        "animated",
        "expressive",
        "cheerful",
        "dynamic",
        "upbeat",
        "playful",
        "passionate",
        "vivid",
        "bubbly",
        "fast",
        "loud",
        "joyful",
        "happy",
    ),
}


def style_for_prompt(prompt: str) -> MotionStyle:
    """The motion style a prompt asks for (see STYLE_WORDS)."""
    words = re.findall(r"[a-z]+", (prompt or "").lower())
    counts = {name: sum(word in vocabulary for word in words) for name, vocabulary in STYLE_WORDS.items()}
    if counts["calm"] == counts["lively"]:
        return STYLES[DEFAULT_STYLE]
    return STYLES["calm" if counts["calm"] > counts["lively"] else "lively"]


@dataclass(frozen=True)
class Motion:
    """Per frame: mouth opening and lid closure (0..1), head roll (degrees), head shift
    (fractions of the face's width and height) and breathing (-1..1)."""

    mouth: np.ndarray
    blink: np.ndarray
    roll: np.ndarray
    shift_x: np.ndarray
    shift_y: np.ndarray
    breath: np.ndarray

    def __len__(self) -> int:
        return len(self.mouth)


def plan_motion(loudness: np.ndarray, style: MotionStyle, seed: int) -> Motion:
    """The motion for a clip whose per-frame RMS loudness is `loudness` (linear, any scale)."""
    frames = len(loudness)
    rng = np.random.default_rng(seed)
    times = np.arange(frames) / FRAMES_PER_SECOND
    mouth = mouth_opening(loudness, style)
    # Speech lifts the head a little, slowly: the opening's slow average, not each syllable.
    emphasis = follow(mouth, attack_seconds=0.4, release_seconds=0.9)
    breath = np.sin(2 * np.pi * times / style.breath_seconds + rng.uniform(0, 2 * np.pi))
    return Motion(
        mouth=mouth,
        blink=blinks(frames, style, rng),
        roll=style.sway_degrees * wander(times, rng, (0.11, 0.23, 0.37)),
        shift_x=style.sway_shift * wander(times, rng, (0.07, 0.17)),
        shift_y=style.breath_shift * breath - style.nod_shift * emphasis,
        breath=breath,
    )


def mouth_opening(loudness: np.ndarray, style: MotionStyle) -> np.ndarray:
    """Opening per frame: loudness in decibels relative to the clip's speaking level, with a
    push at each onset, followed by a jaw that rises faster than it falls."""
    level = 20 * np.log10(np.asarray(loudness, dtype=np.float64) + 1e-9)
    if level.size == 0 or level.max() < SILENT_CLIP_DB:
        return np.zeros(level.size)
    speaking = np.percentile(level, 95)
    target = np.clip((level - (speaking - SPEECH_RANGE_DB)) / SPEECH_RANGE_DB, 0.0, 1.0) ** 1.4
    onsets = np.maximum(0.0, np.diff(target, prepend=0.0))
    target = np.clip(target + style.onset_boost * onsets, 0.0, 1.0)
    return np.clip(style.mouth_gain * follow(target, style.attack_seconds, style.release_seconds), 0.0, 1.0)


def follow(target: np.ndarray, attack_seconds: float, release_seconds: float) -> np.ndarray:
    """A one-pole follower with separate rise and fall times."""
    attack = 1 - np.exp(-1 / (FRAMES_PER_SECOND * attack_seconds))
    release = 1 - np.exp(-1 / (FRAMES_PER_SECOND * release_seconds))
    followed = np.empty(len(target))
    value = 0.0
    for index, goal in enumerate(target):
        value += (attack if goal > value else release) * (goal - value)
        followed[index] = value
    return followed


def blinks(frames: int, style: MotionStyle, rng: np.random.Generator) -> np.ndarray:
    """Lid closure per frame: blinks at varied intervals (now and then a double blink)."""
    closure = np.zeros(frames)
    at = rng.uniform(0.5, min(2.0, style.blink_every_seconds))
    while (start := int(at * FRAMES_PER_SECOND)) < frames:
        shape = BLINK_SHAPE[: frames - start]
        closure[start : start + len(shape)] = np.maximum(closure[start : start + len(shape)], shape)
        if rng.random() < 0.12:
            at += 0.45
            continue
        at += float(np.clip(rng.gamma(4.0, style.blink_every_seconds / 4.0), 1.2, 3 * style.blink_every_seconds))
    return closure


def wander(times: np.ndarray, rng: np.random.Generator, frequencies: tuple[float, ...]) -> np.ndarray:
    """A smooth, never-repeating drift in -1..1: a few slow sines at jittered rates and phases."""
    weights = rng.uniform(0.5, 1.0, len(frequencies))
    total = sum(
        weight * np.sin(2 * np.pi * frequency * rng.uniform(0.8, 1.25) * times + rng.uniform(0, 2 * np.pi))
        for weight, frequency in zip(weights, frequencies)
    )
    return total / weights.sum()
