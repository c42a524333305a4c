"""The renderer makes the portrait talk: the mouth follows the voice's loudness, the eyes blink,
the head moves a little and the background stays put. Checked on decoded frames of real renders
of the project's own fixtures (tests/fixtures/make_fixtures.py), at small sizes."""

from datetime import datetime

import av
import fal_client
import numpy as np
import pytest
from PIL import Image

from engine.motion import STYLES, plan_motion, style_for_prompt
from engine.render import render_avatar_video
from tests.engine.fal_checks import KLING_PRO
from tests.engine.media_factories import audio_seconds, voice_in
from tests.factories import faceless_png
from tests.fixtures import make_fixtures
from tests.fixtures.make_fixtures import EYE_CENTRES, MOUTH_CENTRE

PORTRAIT, SPEECH = make_fixtures.PORTRAIT, make_fixtures.SPEECH
TEST_LONG_SIDE = 256  # small frames keep the suite quick; the face is still ~110 pixels wide


class RecordedProgress:
    def __init__(self):
        self.messages, self.frames = [], []

    def log(self, message):
        self.messages.append(message)

    def advance(self, done, total):
        self.frames.append((done, total))


def decoded(path):
    """Every frame as grey levels, and the audio's RMS loudness per frame, from the file itself."""
    with av.open(str(path)) as container:
        frames = np.stack([frame.to_ndarray(format="gray") for frame in container.decode(video=0)]).astype(np.float32)
    with av.open(str(path)) as container:
        samples = np.concatenate([frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)])
        rate = container.streams.audio[0].rate
    per_frame = rate // 25
    windows = samples[: len(samples) // per_frame * per_frame].reshape(-1, per_frame)
    loudness = np.sqrt((windows.astype(np.float64) ** 2).mean(axis=1))
    loudness = loudness[: len(frames)]
    return frames, np.pad(loudness, (0, len(frames) - len(loudness)), mode="edge")


def box(frames, centre, half_width, half_height):
    """The frames' pixels in a box around centre (fractions of the picture's width and height)."""
    height, width = frames.shape[1:]
    x, y = centre[0] * width, centre[1] * height
    return frames[
        :,
        int(y - half_height * height) : int(y + half_height * height),
        int(x - half_width * width) : int(x + half_width * width),
    ]


@pytest.fixture(scope="module")
def speaking(tmp_path_factory):
    """The fixture portrait speaking the fixture sentence (10.9 s), decoded."""
    output = tmp_path_factory.mktemp("speaking") / "out.mp4"
    progress = RecordedProgress()
    render_avatar_video(PORTRAIT, SPEECH, output, long_side=TEST_LONG_SIDE, progress=progress)
    frames, loudness = decoded(output)
    return frames, loudness, progress


def test_the_fixture_face_is_found(speaking):
    messages = speaking[2].messages

    assert any(message.startswith("Face found") and "landmarks from dlib" in message for message in messages)


def test_mouth_is_open_in_loud_stretches_and_closed_in_silent_ones(speaking):
    frames, loudness, _ = speaking
    level = 20 * np.log10(loudness + 1e-9)
    silent, loud = level < level.max() - 45, level > np.percentile(level, 80)
    mouth = box(frames, MOUTH_CENTRE, 0.08, 0.045)
    closed = np.median(mouth[silent], axis=0)

    change = np.abs(mouth - closed).mean(axis=(1, 2))

    assert silent.sum() >= 25 and loud.sum() >= 25
    # Silent frames still differ a little: the head sways and breathes under the mouth box.
    assert np.median(change[loud]) > 15
    assert np.median(change[loud]) > 4 * np.median(change[silent])


def test_mouth_movement_follows_the_loudness_envelope(speaking):
    frames, loudness, _ = speaking
    level = 20 * np.log10(loudness + 1e-9)
    envelope = np.clip(level, level.max() - 40, None)  # loudness in dB over a 40 dB range
    mouth = box(frames, MOUTH_CENTRE, 0.08, 0.045)
    closed = np.median(mouth[level < level.max() - 45], axis=0)

    change = np.abs(mouth - closed).mean(axis=(1, 2))

    assert np.corrcoef(change, envelope)[0, 1] >= 0.6


def test_area_away_from_the_face_stays_still(speaking):
    frames = speaking[0]
    first = frames[0]

    for corner in ((0.1, 0.9), (0.9, 0.9)):  # the shoulders and the background beside them
        region = box(frames, corner, 0.1, 0.08)
        drift = np.abs(region - box(first[None], corner, 0.1, 0.08)).mean(axis=(1, 2))
        assert drift.max() < 1.5


def test_eyes_blink_at_least_once_in_ten_seconds_and_briefly(speaking):
    frames = speaking[0][:250]
    # The irises and pupils are the only dark pixels around the eyes (the brows are above
    # these boxes): a closed eye hides them, whatever small way the head has moved.
    eyes = np.concatenate([box(frames, centre, 0.07, 0.035) for centre in EYE_CENTRES], axis=2)
    dark = (eyes < 100).sum(axis=(1, 2))

    closed = dark < 0.4 * np.median(dark)
    starts = np.flatnonzero(np.diff(closed.astype(int)) == 1) + 1
    lengths = [int(np.argmin(closed[start:])) for start in starts]

    assert np.median(dark) > 50
    assert len(starts) >= 1
    assert all(0 < length <= 8 for length in lengths)  # each under a third of a second


def test_the_head_moves_a_little(speaking):
    frames = speaking[0]
    forehead = box(frames, (0.5, 0.3), 0.2, 0.06)

    drift = np.abs(forehead - forehead[0]).mean(axis=(1, 2))

    assert 1 < drift.max() < 30


def test_same_inputs_give_the_same_video(tmp_path):
    voice = tmp_path / "voice.wav"
    voice.write_bytes(voice_in("wav", seconds=1.0))

    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    for output in (first, second):
        render_avatar_video(PORTRAIT, voice, output, long_side=128)

    assert first.read_bytes() == second.read_bytes()


def test_picture_without_a_face_renders_gently_when_no_face_is_required(tmp_path):
    blank = tmp_path / "blank.png"
    blank.write_bytes(faceless_png(320, 400))
    voice = tmp_path / "voice.wav"
    voice.write_bytes(voice_in("wav", seconds=1.0))
    progress = RecordedProgress()

    duration = render_avatar_video(blank, voice, tmp_path / "out.mp4", long_side=128, progress=progress)

    assert "No face found; animating the whole picture gently" in progress.messages
    assert duration == pytest.approx(1.0, abs=0.05)


def test_engine_refuses_a_picture_without_a_face_as_kling_does(fal, tmp_path):
    voice = tmp_path / "voice.wav"
    voice.write_bytes(voice_in("wav", seconds=2.0))
    blank = tmp_path / "blank.png"
    blank.write_bytes(faceless_png(320, 400))
    handle = fal.submit(KLING_PRO, {"image_url": fal.upload_file(blank), "audio_url": fal.upload_file(voice)})

    with pytest.raises(fal_client.client.FalClientHTTPError) as refused:
        handle.get()

    assert refused.value.status_code == 422
    [error] = refused.value.response.json()["detail"]
    assert error["loc"] == ["body", "image_url"] and error["type"] == "face_detection_error"
    assert error["url"] == "https://docs.fal.ai/errors/#face_detection_error"


def test_render_reports_its_stages_and_every_frame(tmp_path):
    voice = tmp_path / "voice.wav"
    voice.write_bytes(voice_in("wav", seconds=0.6))
    progress = RecordedProgress()

    render_avatar_video(
        PORTRAIT, voice, tmp_path / "out.mp4", prompt="Calm and warm", long_side=128, progress=progress
    )

    assert progress.messages[:2] == ["Motion style: calm", "Detecting face"]
    assert progress.messages[-1] == "Generating 15 frames at 102x128"
    assert progress.frames == [(done, 15) for done in range(1, 16)]


def test_engine_logs_progress_up_to_100_percent_with_the_simulated_time_spread_over_it(fal, engine, avatar_inputs):
    engine.faults.set_timing(processing_seconds=1.0)
    handle = fal.submit(KLING_PRO, avatar_inputs)

    events = list(handle.iter_events(with_logs=True, interval=0.05))

    # Each status answer carries the latest 20 lines; polled often enough, together they hold all.
    seen = dict.fromkeys(
        (entry["timestamp"], entry["message"]) for event in events for entry in getattr(event, "logs", None) or []
    )
    progress = [
        {"timestamp": at, "message": message} for at, message in seen if message.startswith("Generating frames")
    ]
    assert progress[-1]["message"] == "Generating frames 50/50 (100%)"
    percentages = [int(entry["message"].rsplit("(", 1)[1].rstrip("%)")) for entry in progress]
    assert percentages == sorted(percentages)
    # The run is the render plus the simulated second, paced across the progress lines.
    assert events[-1].metrics["inference_time"] > 1.0
    first, last = (datetime.fromisoformat(entry["timestamp"]) for entry in (progress[0], progress[-1]))
    assert (last - first).total_seconds() > 0.7


# --- the prompt's motion style ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "style"),
    [
        ("", "natural"),
        ("A friendly hello", "natural"),
        ("Calm, gentle and professional", "calm"),
        ("LIVELY and excited!", "lively"),
        ("calm but lively", "natural"),
    ],
)
def test_prompt_words_pick_the_motion_style(prompt, style):
    assert style_for_prompt(prompt).name == style


def test_lively_moves_more_than_calm_on_the_same_voice():
    syllables = np.tile(np.r_[np.full(5, 0.3), np.full(5, 0.001)], 20)
    calm, lively = (plan_motion(syllables, STYLES[name], seed=7) for name in ("calm", "lively"))

    assert lively.mouth.max() > calm.mouth.max()
    assert np.abs(lively.roll).max() > np.abs(calm.roll).max()
    assert (np.diff(lively.blink) > 0.4).sum() >= (np.diff(calm.blink) > 0.4).sum()


# --- output format --------------------------------------------------------------------------------


def picture_file(path, size, image_format):
    """The fixture portrait centred on a canvas of `size`, saved in `image_format`."""
    canvas = Image.new("RGB", size, (120, 135, 155))
    with Image.open(PORTRAIT) as portrait:
        portrait.thumbnail(size)
        canvas.paste(portrait, ((size[0] - portrait.width) // 2, (size[1] - portrait.height) // 2))
    canvas.save(path, format=image_format)
    return path


def top_level_boxes(path) -> list[bytes]:
    data, boxes, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8])
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        offset += size or len(data)
    return boxes


@pytest.mark.parametrize(
    ("size", "image_format", "audio_format"),
    [
        ((600, 600), "JPEG", "wav"),  # square
        ((360, 640), "PNG", "mp3"),  # portrait, 9:16
        ((640, 360), "WEBP", "m4a"),  # landscape, 16:9
        ((450, 800), "JPEG", "ogg-vorbis"),
        ((300, 300), "PNG", "ogg-opus"),
    ],
)
def test_output_is_h264_aac_at_25_fps_in_the_inputs_shape_and_length(
    tmp_path, settings, size, image_format, audio_format
):
    settings.ENGINE_RENDER_LONG_SIDE = 320
    image = picture_file(tmp_path / f"picture.{image_format.lower()}", size, image_format)
    voice = tmp_path / "voice"
    voice.write_bytes(voice_in(audio_format, seconds=1.3))
    output = tmp_path / "out.mp4"

    duration = render_avatar_video(image, voice, output)

    with av.open(str(output)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.codec_context.pix_fmt, audio.codec_context.name) == (
            "h264",
            "yuv420p",
            "aac",
        )
        assert video.average_rate == 25
        width, height = video.codec_context.width, video.codec_context.height
        seconds = container.duration / av.time_base
    assert max(width, height) == min(320, max(size)) and width % 2 == height % 2 == 0
    assert width / height == pytest.approx(size[0] / size[1], abs=0.02)
    assert seconds == pytest.approx(audio_seconds(voice), abs=0.1) and duration == pytest.approx(seconds, abs=0.1)
    assert top_level_boxes(output).index(b"moov") < top_level_boxes(output).index(b"mdat")  # +faststart
