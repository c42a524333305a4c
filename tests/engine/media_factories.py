"""Test media made on the fly: a PNG face, a sine-wave voice, and other audio formats via PyAV."""

import math
import struct
import wave
from pathlib import Path

import av
from PIL import Image



def make_png(path: Path, size=(320, 400), color=(200, 140, 110)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def make_wav(path: Path, seconds: float = 2.0, rate: int = 16000, frequency: float = 220.0) -> Path:
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(int(rate * seconds)))
        output.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return path


def transcode_audio(source: Path, destination: Path, codec: str, rate: int = 44100) -> Path:
    """Re-encode a WAV with PyAV (e.g. mp3 -> .mp3, aac -> .m4a), to prove other formats decode."""
    with av.open(str(source)) as input_container, av.open(str(destination), "w") as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.codec_context.codec.audio_formats[0].name, layout="mono", rate=rate)
        for frame in input_container.decode(audio=0):
            for resampled in resampler.resample(frame):
                output.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            output.mux(stream.encode(resampled))
        output.mux(stream.encode(None))
    return destination


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.codec_context.sample_rate
