"""Test media as files: the shared portrait and voice of tests.factories, and other audio
formats made with PyAV."""

from pathlib import Path

import av

from tests.factories import portrait_png, speech_wav


def make_png(path: Path, size=(320, 400), color=(200, 140, 110)) -> Path:
    path.write_bytes(portrait_png(*size, color=color))
    return path


def make_wav(path: Path, seconds: float = 2.0, rate: int = 16000, frequency: float = 220.0) -> Path:
    path.write_bytes(speech_wav(seconds=seconds, rate=rate, frequency=frequency))
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
