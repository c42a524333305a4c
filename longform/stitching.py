"""Stitching a long video: the segments' pictures in turn, with the original audio whole.

Each segment's video is decoded frame by frame and re-encoded into one H.264 stream at the
first segment's size and frame rate; frame k shows the segment whose stretch of the audio
holds the time k/fps, so the picture stays within a frame of the sound however long each
segment's own video ran. The segments' own audio is dropped: the parent's original audio is
re-encoded (AAC) as one continuous track, muxed as the frames go. Where a segment starts,
its picture (back at the portrait's pose) fades in from the previous segment's last frame
over CROSSFADE_FRAMES frames. Only a frame or two is held at any time, so memory stays flat
however long the video.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

CROSSFADE_FRAMES = 5
AUDIO_SAMPLE_RATE = 48000
VIDEO_OPTIONS = {"preset": "veryfast", "crf": "20", "movflags": "+faststart"}


@dataclass(frozen=True)
class Stretch:
    source: object  # a path or a readable file of the segment's MP4
    start: float  # where its stretch of the audio starts and ends, in seconds
    end: float


def stitch(stretches: list[Stretch], audio_source, output_path, *, crossfade_frames=CROSSFADE_FRAMES) -> dict:
    """Write the long video to `output_path`; returns its frame count, frame rate and seconds."""
    with av.open(stretches[0].source) as first:
        stream = first.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        fps = stream.average_rate or stream.guessed_rate or Fraction(25)
    if hasattr(stretches[0].source, "seek"):
        stretches[0].source.seek(0)
    total_frames = max(1, round(stretches[-1].end * fps))
    with av.open(str(output_path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {key: value for key, value in VIDEO_OPTIONS.items() if key != "movflags"}
        audio = container.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout="stereo")
        audio.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
        packets = _encoded_audio(audio_source, audio)
        pending = next(packets, None)
        for index, frame in enumerate(_frames(stretches, fps, width, height, total_frames, crossfade_frames)):
            while pending is not None and pending.pts * audio.time_base <= Fraction(index) / fps:
                container.mux(pending)
                pending = next(packets, None)
            frame.pts, frame.time_base = index, 1 / fps
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        while pending is not None:
            container.mux(pending)
            pending = next(packets, None)
    return {"frames": total_frames, "fps": float(fps), "seconds": float(total_frames / fps)}


def _frames(stretches, fps, width, height, total_frames, crossfade_frames) -> Iterator[av.VideoFrame]:
    """The output's frames in order: each stretch's, from the frame its start falls on to the
    next stretch's, padded with its last frame if its video ran short."""
    previous_last = None  # the previous stretch's last frame, as RGB, for the cross-fade
    for number, stretch in enumerate(stretches):
        first_index = round(stretch.start * fps)
        end_index = total_frames if number == len(stretches) - 1 else round(stretches[number + 1].start * fps)
        shown = None
        with av.open(stretch.source) as source:
            decoded = source.decode(source.streams.video[0])
            for offset in range(end_index - first_index):
                frame = next(decoded, None)
                if frame is not None:
                    shown = frame.reformat(width=width, height=height, format="yuv420p")
                if shown is None:
                    raise ValueError(f"Segment {number + 1} holds no video.")
                if previous_last is not None and offset < crossfade_frames:
                    share = (offset + 1) / (crossfade_frames + 1)
                    yield _blend(previous_last, shown, share)
                else:
                    yield shown
        previous_last = shown.to_ndarray(format="rgb24") if shown is not None else previous_last


def _blend(before: np.ndarray, frame: av.VideoFrame, share: float) -> av.VideoFrame:
    after = frame.to_ndarray(format="rgb24").astype(np.float32)
    mixed = before.astype(np.float32) * (1 - share) + after * share
    return av.VideoFrame.from_ndarray(mixed.round().astype(np.uint8), format="rgb24").reformat(format="yuv420p")


def _encoded_audio(audio_source, stream) -> Iterator[av.Packet]:
    """The original audio, whole, as AAC packets encoded as they are asked for."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_SAMPLE_RATE)
    samples = 0
    with av.open(audio_source) as source:
        for decoded in source.decode(source.streams.audio[0]):
            for frame in resampler.resample(decoded):
                frame.pts, samples = samples, samples + frame.samples
                yield from stream.encode(frame)
    for frame in resampler.resample(None):
        frame.pts, samples = samples, samples + frame.samples
        yield from stream.encode(frame)
    yield from stream.encode(None)
