"""Test media: the shared portrait and voice of tests.factories, the voice in every audio format
the product takes (made with PyAV, in memory), and files whose headers lie about their length."""

import io
import struct
from pathlib import Path

import av

from tests.factories import portrait_png, speech_wav

# Each audio format the product accepts: container, codec, sample rate, channel layout.
AUDIO_FORMATS = {
    "wav": ("wav", "pcm_s16le", 16000, "mono"),
    "mp3": ("mp3", "libmp3lame", 44100, "mono"),
    "m4a": ("ipod", "aac", 44100, "mono"),
    "ogg-vorbis": ("ogg", "vorbis", 44100, "stereo"),  # FFmpeg's own Vorbis encoder takes stereo only
    "ogg-opus": ("ogg", "libopus", 48000, "mono"),
    "adts-aac": ("adts", "aac", 44100, "mono"),
}
CONTAINERS_BY_SUFFIX = {".wav": "wav", ".mp3": "mp3", ".m4a": "ipod", ".ogg": "ogg", ".aac": "adts"}


def make_png(path: Path, size=(320, 400), color=(200, 140, 110)) -> Path:
    path.write_bytes(portrait_png(*size, color=color))
    return path


def make_wav(path: Path, seconds: float = 2.0, rate: int = 16000, frequency: float = 220.0) -> Path:
    path.write_bytes(speech_wav(seconds=seconds, rate=rate, frequency=frequency))
    return path


def voice_in(audio_format: str, seconds: float = 3.0) -> bytes:
    """The test voice, `seconds` long, as a file of one of AUDIO_FORMATS."""
    # 8 kHz keeps long voices quick to make; every codec here resamples anyway.
    return encode_audio(speech_wav(seconds=seconds, rate=8000), *AUDIO_FORMATS[audio_format])


def encode_audio(wav: bytes, container_format: str, codec: str, rate: int = 44100, layout: str = "mono") -> bytes:
    output = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(output, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        resampler = av.AudioResampler(
            format=stream.codec_context.codec.audio_formats[0].name, layout=layout, rate=rate
        )
        for frame in [*source.decode(audio=0), None]:
            for resampled in resampler.resample(frame):
                container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))
    return output.getvalue()


def transcode_audio(source: Path, destination: Path, codec: str, rate: int = 44100) -> Path:
    """Re-encode a WAV with PyAV (e.g. mp3 -> .mp3, aac -> .m4a), to prove other formats decode."""
    container_format = CONTAINERS_BY_SUFFIX[destination.suffix]
    destination.write_bytes(encode_audio(source.read_bytes(), container_format, codec, rate))
    return destination


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.codec_context.sample_rate


def header_seconds(data: bytes) -> float:
    """How long the file's header says it plays, as FFmpeg reads it."""
    with av.open(io.BytesIO(data)) as container:
        return container.duration / av.time_base


def m4a_claiming(m4a: bytes, seconds: float) -> bytes:
    """The M4A with a header claiming `seconds`, its samples untouched.

    The movie's duration (mvhd) and its edit list (elst) are set to `seconds`, and the track's
    clock (mdhd's timescale) is changed so that mdhd's duration reads `seconds` too. Changing
    mdhd's duration field alone would do to shorten the claim, but FFmpeg caps it by the sample
    table, so a longer claim needs the clock.
    """
    data = bytearray(m4a)
    boxes = dict(_box_tree(data))
    mvhd, mdhd = boxes[b"moov/mvhd"], boxes[b"moov/trak/mdia/mdhd"]
    movie_timescale, movie_duration = _clock(data, mvhd)
    stretch = seconds * movie_timescale / movie_duration
    _set_clock(data, mvhd, duration=round(seconds * movie_timescale))
    _set_clock(data, mdhd, timescale=round(_clock(data, mdhd)[1] / seconds))
    if elst := boxes.get(b"moov/trak/edts/elst"):
        # Entries are (segment duration, media time, rate), the duration in the movie's timescale.
        entry_format = ">QqI" if data[elst] == 1 else ">IiI"
        (count,) = struct.unpack_from(">I", data, elst + 4)
        for offset in range(elst + 8, elst + 8 + count * struct.calcsize(entry_format), struct.calcsize(entry_format)):
            duration, media_time, rate = struct.unpack_from(entry_format, data, offset)
            struct.pack_into(entry_format, data, offset, round(duration * stretch), media_time, rate)
    return bytes(data)


def _box_tree(data, start=0, end=None, parent=b""):
    """(path, body offset) of every ISO-BMFF box down to the media header, e.g. (b"moov/mvhd", 40)."""
    end = len(data) if end is None else end
    while start < end:
        size, kind = struct.unpack_from(">I4s", data, start)
        body = start + 8
        if size == 1:  # a 64-bit size follows the type
            size, body = struct.unpack_from(">Q", data, body)[0], body + 8
        elif size == 0:  # the box runs to the end of its parent
            size = end - start
        path = parent + kind
        yield path, body
        if kind in (b"moov", b"trak", b"mdia", b"edts"):
            yield from _box_tree(data, body, start + size, path + b"/")
        start += size


def _clock_fields(data, body):
    """Offsets of an mvhd or mdhd body's timescale and duration, and the duration's format.

    Both start with version and flags, then creation and modification times: 32-bit in
    version 0, 64-bit in version 1, as is the duration.
    """
    if data[body] == 1:
        return body + 20, body + 24, ">Q"
    return body + 12, body + 16, ">I"


def _clock(data, body) -> tuple[int, int]:
    timescale_at, duration_at, duration_format = _clock_fields(data, body)
    return struct.unpack_from(">I", data, timescale_at)[0], struct.unpack_from(duration_format, data, duration_at)[0]


def _set_clock(data, body, timescale=None, duration=None):
    timescale_at, duration_at, duration_format = _clock_fields(data, body)
    if timescale is not None:
        struct.pack_into(">I", data, timescale_at, timescale)
    if duration is not None:
        struct.pack_into(duration_format, data, duration_at, duration)


def mp3_claiming(mp3: bytes, seconds: float) -> bytes:
    """The MP3 with its Xing/Info header's frame count claiming `seconds` (an MPEG-1 file: 1152 samples a frame)."""
    data = bytearray(mp3)
    tag = max(data.find(b"Xing", 0, 1024), data.find(b"Info", 0, 1024))
    assert tag > 0 and struct.unpack_from(">I", data, tag + 4)[0] & 1, "no Xing/Info frame count to patch"
    with av.open(io.BytesIO(mp3)) as container:
        rate = container.streams.audio[0].rate
    struct.pack_into(">I", data, tag + 8, round(seconds * rate / 1152))
    return bytes(data)


def wav_claiming(wav: bytes, seconds: float) -> bytes:
    """The WAV with its RIFF and data chunk sizes claiming `seconds` (a plain PCM WAV as speech_wav makes)."""
    data = bytearray(wav)
    data_chunk = data.find(b"data", 12)
    byte_rate, block_align = struct.unpack_from("<IH", data, 28)
    size = round(seconds * byte_rate) // block_align * block_align
    struct.pack_into("<I", data, data_chunk + 4, size)
    struct.pack_into("<I", data, 4, data_chunk + size)  # RIFF size: all that follows its own 8 bytes
    return bytes(data)
