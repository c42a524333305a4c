"""The stand-in for Kling's avatar model: turns one picture and one voice track into an MP4.

Everything the engine knows about making video lives behind `render_avatar_video`, so a
later renderer (a moving mouth) can replace the still picture without touching the queue.
"""

from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageOps, UnidentifiedImageError

FRAMES_PER_SECOND = 25
MAX_LONG_SIDE = 720
AUDIO_SAMPLE_RATE = 44100
AUDIO_LAYOUT = "stereo"


class UnreadableImage(ValueError):
    """The image file could not be decoded as a picture."""


class UnreadableAudio(ValueError):
    """The audio file could not be decoded, or holds no sound."""


def render_avatar_video(image_path: Path | str, audio_path: Path | str, output_path: Path | str) -> float:
    """Write an H.264/AAC MP4 of the picture speaking the audio; returns its duration in seconds.

    The video is exactly as long as the audio (to within one frame), its sides are even and
    its long side is at most 720 pixels. Raises UnreadableImage or UnreadableAudio, and then
    leaves no output file behind.
    """
    picture = load_picture(image_path)
    output_path = Path(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with av.open(str(output_path), "w", format="mp4") as container:
            audio_packets, audio_seconds = encode_audio_track(audio_path, add_audio_stream(container))
            write_frames(container, picture, audio_packets, audio_seconds)
    except BaseException:
        output_path.unlink(missing_ok=True)
        raise
    return round(audio_seconds, 3)


def load_picture(image_path: Path | str) -> Image.Image:
    """The upright RGB picture, scaled so the long side fits and both sides are even (yuv420p needs it)."""
    try:
        with Image.open(image_path) as opened:
            picture = flatten_transparency(ImageOps.exif_transpose(opened))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(str(exc)) from exc
    scale = min(1.0, MAX_LONG_SIDE / max(picture.size))
    width, height = (max(2, int(side * scale) // 2 * 2) for side in picture.size)
    if (width, height) != picture.size:
        picture = picture.resize((width, height), Image.Resampling.LANCZOS)
    return picture


def flatten_transparency(picture: Image.Image) -> Image.Image:
    """Transparent pixels become white rather than the black a plain RGB conversion gives."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def add_audio_stream(container):
    stream = container.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout=AUDIO_LAYOUT)
    stream.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
    return stream


def encode_audio_track(audio_path: Path | str, stream) -> tuple[list, float]:
    """Decode any audio PyAV reads and encode it into the AAC stream; returns the packets and duration.

    The packets are held back rather than muxed so the video, whose length depends on the
    audio's, can be interleaved with them afterwards.
    """
    resampler = av.AudioResampler(format="fltp", layout=AUDIO_LAYOUT, rate=AUDIO_SAMPLE_RATE)
    packets, samples = [], 0

    def encode(frames):
        nonlocal samples
        for frame in frames:
            frame.pts = samples
            samples += frame.samples
            packets.extend(stream.encode(frame))

    try:
        with av.open(str(audio_path)) as source:
            if not source.streams.audio:
                raise UnreadableAudio("the file has no audio stream")
            for decoded in source.decode(source.streams.audio[0]):
                encode(resampler.resample(decoded))
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise UnreadableAudio(str(exc)) from exc
    encode(resampler.resample(None))
    packets.extend(stream.encode(None))
    if samples == 0:
        raise UnreadableAudio("the audio holds no samples")
    return packets, samples / AUDIO_SAMPLE_RATE


def write_frames(container, picture: Image.Image, audio_packets: list, audio_seconds: float) -> None:
    """Encode one picture per frame for the audio's length, interleaved with the audio packets."""
    video = container.add_stream("libx264", rate=FRAMES_PER_SECOND)
    video.width, video.height = picture.size
    video.pix_fmt = "yuv420p"
    # "stillimage" suits a static face and keeps the file small; "fast" keeps renders short.
    video.options = {"preset": "fast", "tune": "stillimage"}
    frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
    frame.time_base = Fraction(1, FRAMES_PER_SECOND)
    pending_audio = iter(audio_packets)
    next_audio = next(pending_audio, None)
    for index in range(max(1, round(audio_seconds * FRAMES_PER_SECOND))):
        # Interleave by time so a player can start without reading the whole file.
        while next_audio is not None and next_audio.pts / AUDIO_SAMPLE_RATE <= index / FRAMES_PER_SECOND:
            container.mux(next_audio)
            next_audio = next(pending_audio, None)
        frame.pts = index
        container.mux(video.encode(frame))
    container.mux(video.encode(None))
    while next_audio is not None:
        container.mux(next_audio)
        next_audio = next(pending_audio, None)
