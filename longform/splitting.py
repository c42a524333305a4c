"""Splitting long audio at pauses: where each segment starts and ends, and its sound.

The audio is decoded once to mono PCM (SAMPLE_RATE, 16-bit: 19 MB for 10 minutes), its
loudness measured in WINDOW_SECONDS windows, and each cut placed at the quietest point of a
stretch around an even share of what is left, so no cut falls inside a word when a pause is
near, and every segment lasts between the model's least and most.
"""

import io
import math
import wave
from dataclasses import dataclass

import av
import numpy as np

SAMPLE_RATE = 16000  # what talking-avatar models listen at; the stitched video keeps the original
WINDOW_SECONDS = 0.02
# Loudness is smoothed over this much before the quietest point is sought, so a cut lands in
# the middle of a real pause (a breath, a sentence's end) rather than in the short gap
# between two words or on a quiet sample between two syllables.
SMOOTHING_SECONDS = 0.3
LOUDNESS_CHUNK = 3000  # windows measured at a time (a minute of audio)
# How far from the even share a cut may move to find a pause.
SEARCH_SECONDS = 8.0


class UnreadableAudio(ValueError):
    pass


@dataclass(frozen=True)
class Piece:
    start: float  # seconds into the audio
    end: float
    wav: bytes  # the piece as 16-bit mono WAV at SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return self.end - self.start


def decode_mono(source) -> np.ndarray:
    """The audio's first stream as mono 16-bit samples at SAMPLE_RATE (`source`: a path or a
    file object read from its start)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks = []
    try:
        with av.open(source, mode="r") as container:
            for frame in container.decode(container.streams.audio[0]):
                chunks.extend(resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(frame))
        chunks.extend(resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(None))
    except av.FFmpegError as exc:
        raise UnreadableAudio(str(exc)) from exc
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def loudness(samples: np.ndarray) -> np.ndarray:
    """RMS of each WINDOW_SECONDS window, smoothed over SMOOTHING_SECONDS."""
    size = round(WINDOW_SECONDS * SAMPLE_RATE)
    windows = samples[: samples.size // size * size].reshape(-1, size)
    rms = np.empty(len(windows))
    for first in range(0, len(windows), LOUDNESS_CHUNK):  # a minute at a time: no copy of the whole
        chunk = windows[first : first + LOUDNESS_CHUNK].astype(np.float64)
        rms[first : first + LOUDNESS_CHUNK] = np.sqrt(np.mean(chunk * chunk, axis=1))
    span = max(1, round(SMOOTHING_SECONDS / WINDOW_SECONDS))
    return np.convolve(rms, np.ones(span) / span, mode="same")


def cut_points(energy: np.ndarray, total: float, *, longest: float, shortest: float) -> list[float]:
    """Seconds at which to cut audio lasting `total` so every piece lasts from `shortest` to
    `longest`: each cut at the quietest window near an even share of what remains."""
    if longest < 2 * shortest:
        raise ValueError("A segment's longest must be at least twice its shortest.")
    cuts: list[float] = []
    start = 0.0
    while total - start > longest:
        left = total - start
        target = start + left / math.ceil(left / longest)
        low = max(start + shortest, target - SEARCH_SECONDS)
        high = min(start + longest, target + SEARCH_SECONDS, total - shortest)
        first, last = math.ceil(low / WINDOW_SECONDS), math.floor(high / WINDOW_SECONDS) - 1
        if last < first or last >= energy.size:
            cut = target
        else:
            # Among equally quiet windows (silence is silence), the one nearest the even share.
            distance = np.abs(np.arange(first, last + 1) * WINDOW_SECONDS - target) / SEARCH_SECONDS
            quietest = first + int(np.argmin(energy[first : last + 1] + 1e-6 * distance))
            cut = (quietest + 0.5) * WINDOW_SECONDS  # the middle of the quietest window
        cuts.append(round(min(max(cut, low), high), 3))
        start = cuts[-1]
    return cuts


def split(source, *, longest: float, shortest: float) -> list[Piece]:
    """The audio in `source` cut at pauses into pieces of `shortest` to `longest` seconds."""
    samples = decode_mono(source)
    total = samples.size / SAMPLE_RATE
    cuts = cut_points(loudness(samples), total, longest=longest, shortest=shortest)
    bounds = [0.0, *cuts, total]
    return [
        Piece(start=start, end=end, wav=_wav(samples[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]))
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]


def _wav(samples: np.ndarray) -> bytes:
    pcm = samples.astype("<i2", copy=False)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
