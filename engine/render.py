"""The stand-in for Kling's avatar model: turns one picture and one voice track into an MP4 of
the picture speaking.

`render_avatar_video` reads the voice twice, streaming both times: once for its loudness
(one number per video frame), then again to encode it while the frames are drawn
(`animation`) and encoded one at a time, so memory stays flat however long the clip is.
"""

import hashlib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from .animation import animation_for
from .face import find_face
from .motion import FRAMES_PER_SECOND, plan_motion, style_for_prompt

AUDIO_SAMPLE_RATE = 44100
AUDIO_LAYOUT = "stereo"
# Loudness is measured on a mono copy at this rate: plenty for a speech envelope.
LOUDNESS_SAMPLE_RATE = 16000
SAMPLES_PER_FRAME = LOUDNESS_SAMPLE_RATE // FRAMES_PER_SECOND
# "veryfast" is the quickest preset whose files stay small for a moving face (superfast's are
# three times the size); a diamond motion search with the cheapest subpixel refinement cuts
# its time by a third at 1024 for the same size, since only the head moves, and slowly.
# Every frame changes a little, so the still-image tune no longer fits.
VIDEO_OPTIONS = {"preset": "veryfast", "crf": "23", "x264-params": "me=dia:subme=1"}
# FFmpeg's default AAC coder spends as long on the voice as x264 does on the pictures at 512;
# the fast one halves that, and speech sounds the same.
AUDIO_OPTIONS = {"aac_coder": "fast"}


class UnreadableImage(ValueError):
    """The image file could not be decoded as a picture."""


class UnreadableAudio(ValueError):
    """The audio file could not be decoded, or holds no sound."""


class NoFaceFound(ValueError):
    """The picture holds no face to animate (only raised when a face is required)."""


class RenderProgress(Protocol):
    def log(self, message: str) -> None:
        """A stage of the render, for the request's log."""

    def advance(self, frames_done: int, frames_total: int) -> None:
        """Called after each frame is encoded; may raise to stop the render."""


class QuietProgress:
    def log(self, message: str) -> None:
        pass

    def advance(self, frames_done: int, frames_total: int) -> None:
        pass


def render_avatar_video(
    image_path: Path | str,
    audio_path: Path | str,
    output_path: Path | str,
    *,
    prompt: str = "",
    long_side: int | None = None,
    progress: RenderProgress | None = None,
    require_face: bool = False,
) -> float:
    """Write an MP4 (H.264 yuv420p + AAC, 25 fps, moov first) of the picture speaking the audio;
    returns its duration in seconds.

    The video is as long as the audio (to within one frame), keeps the picture's aspect ratio
    with even sides, and its long side is at most `long_side` (ENGINE_RENDER_LONG_SIDE);
    smaller pictures are not enlarged. The same inputs give the same video. A picture with
    no face is animated gently as a whole, or refused with NoFaceFound if `require_face`
    (as Kling does). Raises UnreadableImage or UnreadableAudio (or whatever `progress`
    raises), and then leaves no output file behind.
    """
    progress = progress or QuietProgress()
    picture = load_picture(image_path, long_side or settings.ENGINE_RENDER_LONG_SIDE)
    loudness, audio_seconds = measure_loudness(audio_path)
    style = style_for_prompt(prompt)
    progress.log(f"Motion style: {style.name}")
    progress.log("Detecting face")
    face = find_face(picture)
    if face is None and require_face:
        raise NoFaceFound("Could not detect a face in the image")
    progress.log(face.describe() if face else "No face found; animating the whole picture gently")
    frame_count = len(loudness)
    motion = plan_motion(loudness, style, seed=input_seed(image_path, audio_path, style.name))
    animation = animation_for(picture, face, motion)
    height, width = picture.shape[:2]
    progress.log(f"Generating {frame_count} frames at {width}x{height}")
    output_path = Path(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with av.open(str(output_path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            audio_packets = encoded_audio(audio_path, add_audio_stream(container))
            video = add_video_stream(container, width, height)
            try:
                write_frames(container, video, animation, frame_count, audio_packets, progress)
            finally:
                audio_packets.close()  # a stopped render closes the voice's file now, not at collection
    except BaseException:
        output_path.unlink(missing_ok=True)
        raise
    return round(audio_seconds, 3)


def load_picture(image_path: Path | str, long_side: int) -> np.ndarray:
    """The upright RGB picture as an array, scaled so the long side fits and both sides are
    even (yuv420p needs it)."""
    try:
        with Image.open(image_path) as opened:
            picture = flatten_transparency(ImageOps.exif_transpose(opened))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(str(exc)) from exc
    scale = min(1.0, long_side / max(picture.size))
    width, height = (max(2, int(side * scale) // 2 * 2) for side in picture.size)
    if (width, height) != picture.size:
        picture = picture.resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(picture)


def flatten_transparency(picture: Image.Image) -> Image.Image:
    """Transparent pixels become white rather than the black a plain RGB conversion gives."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def input_seed(image_path: Path | str, audio_path: Path | str, style_name: str) -> int:
    """A seed fixed by the inputs: the same picture, voice and style always move the same way."""
    digest = hashlib.sha256(style_name.encode())
    for path in (image_path, audio_path):
        with open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
    return int.from_bytes(digest.digest()[:8], "big")


def decoded_audio(audio_path: Path | str, resampler: av.AudioResampler) -> Iterator[av.AudioFrame]:
    """The audio's frames through resampler, decoded as they are needed."""
    try:
        with av.open(str(audio_path)) as source:
            if not source.streams.audio:
                raise UnreadableAudio("the file has no audio stream")
            for decoded in source.decode(source.streams.audio[0]):
                yield from resampler.resample(decoded)
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise UnreadableAudio(str(exc)) from exc
    yield from resampler.resample(None)


def measure_loudness(audio_path: Path | str) -> tuple[np.ndarray, float]:
    """The RMS loudness of each video frame's stretch of audio (one figure per frame of the
    video: the audio's length at 25 fps, rounded, at least one), and the length in seconds."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=LOUDNESS_SAMPLE_RATE)
    loudness, carry, samples = [], np.zeros(0, np.float32), 0
    for frame in decoded_audio(audio_path, resampler):
        chunk = frame.to_ndarray().reshape(-1)
        samples += chunk.size
        carry = np.concatenate([carry, chunk])
        whole = carry.size // SAMPLES_PER_FRAME * SAMPLES_PER_FRAME
        if whole:
            windows = carry[:whole].reshape(-1, SAMPLES_PER_FRAME)
            loudness.extend(np.sqrt(np.mean(windows.astype(np.float64) ** 2, axis=1)))
            carry = carry[whole:]
    if carry.size:
        loudness.append(float(np.sqrt(np.mean(carry.astype(np.float64) ** 2))))
    if samples == 0:
        raise UnreadableAudio("the audio holds no samples")
    seconds = samples / LOUDNESS_SAMPLE_RATE
    frame_count = max(1, round(seconds * FRAMES_PER_SECOND))
    # The last, partial stretch can make one figure too many; a very short clip one too few.
    per_frame = np.array(loudness[:frame_count])
    return np.pad(per_frame, (0, frame_count - len(per_frame)), mode="edge"), seconds


def add_audio_stream(container):
    stream = container.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout=AUDIO_LAYOUT)
    stream.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
    stream.options = dict(AUDIO_OPTIONS)
    return stream


def add_video_stream(container, width: int, height: int):
    video = container.add_stream("libx264", rate=FRAMES_PER_SECOND)
    video.width, video.height = width, height
    video.pix_fmt = "yuv420p"
    video.options = dict(VIDEO_OPTIONS)
    return video


def encoded_audio(audio_path: Path | str, stream) -> Iterator[av.Packet]:
    """The audio as AAC packets, encoded as they are asked for."""
    resampler = av.AudioResampler(format="fltp", layout=AUDIO_LAYOUT, rate=AUDIO_SAMPLE_RATE)
    samples = 0
    for frame in decoded_audio(audio_path, resampler):
        frame.pts = samples
        samples += frame.samples
        yield from stream.encode(frame)
    yield from stream.encode(None)


def write_frames(container, video, animation, frame_count: int, audio_packets: Iterator, progress) -> None:
    """Draw, convert and encode each frame in turn, muxing the audio up to its time as it goes
    so a player can start without reading the whole file."""
    next_audio = next(audio_packets, None)
    for index in range(frame_count):
        while next_audio is not None and next_audio.pts / AUDIO_SAMPLE_RATE <= index / FRAMES_PER_SECOND:
            container.mux(next_audio)
            next_audio = next(audio_packets, None)
        planes = cv2.cvtColor(animation.frame(index), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = index
        frame.time_base = Fraction(1, FRAMES_PER_SECOND)
        container.mux(video.encode(frame))
        progress.advance(index + 1, frame_count)
    container.mux(video.encode(None))
    while next_audio is not None:
        container.mux(next_audio)
        next_audio = next(audio_packets, None)
