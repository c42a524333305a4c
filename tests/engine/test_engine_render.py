"""The renderer makes a real MP4: H.264 video of the picture, AAC audio of the voice, same length."""

import av
import httpx
import pytest

from engine.checks import check_render_long_side
from engine.render import UnreadableAudio, UnreadableImage, render_avatar_video
from tests.engine.fal_checks import KLING_PRO
from tests.engine.media_factories import audio_seconds, make_png, make_wav, transcode_audio


def probe(path):
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        return {
            "duration": container.duration / av.time_base,
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "pix_fmt": video.codec_context.pix_fmt,
            "size": (video.codec_context.width, video.codec_context.height),
        }


def test_generated_video_is_h264_and_aac_as_long_as_the_audio(fal, tmp_path, avatar_inputs, voice_wav):
    output = fal.subscribe(KLING_PRO, avatar_inputs)
    video_path = tmp_path / "downloaded.mp4"
    video_path.write_bytes(httpx.get(output["video"]["url"]).content)

    facts = probe(video_path)

    assert facts["video_codec"] == "h264" and facts["audio_codec"] == "aac"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["size"] == (320, 400)
    assert facts["duration"] == pytest.approx(audio_seconds(voice_wav), abs=0.1)


@pytest.mark.parametrize(
    ("codec", "suffix", "rate"), [("libmp3lame", ".mp3", 44100), ("aac", ".m4a", 44100), ("libopus", ".ogg", 48000)]
)
def test_compressed_audio_formats_render_at_their_own_length(tmp_path, codec, suffix, rate):
    voice = transcode_audio(make_wav(tmp_path / "voice.wav", seconds=3.1), tmp_path / f"voice{suffix}", codec, rate)

    duration = render_avatar_video(make_png(tmp_path / "face.png"), voice, tmp_path / "out.mp4")

    assert duration == pytest.approx(audio_seconds(voice), abs=0.01)
    assert probe(tmp_path / "out.mp4")["duration"] == pytest.approx(audio_seconds(voice), abs=0.1)


@pytest.mark.parametrize(("long_side", "size"), [(None, (512, 288)), (1024, (1024, 576))])
def test_large_odd_sized_image_is_scaled_to_an_even_long_side_of_512_or_the_setting(
    tmp_path, settings, long_side, size
):
    if long_side:
        settings.ENGINE_RENDER_LONG_SIDE = long_side
    image = make_png(tmp_path / "face.png", size=(1921, 1081))

    render_avatar_video(image, make_wav(tmp_path / "voice.wav", seconds=0.5), tmp_path / "out.mp4")

    assert probe(tmp_path / "out.mp4")["size"] == size


def test_unreadable_inputs_raise_and_leave_no_output(tmp_path):
    not_media = tmp_path / "garbage.bin"
    not_media.write_bytes(b"garbage" * 50)
    output = tmp_path / "out.mp4"

    with pytest.raises(UnreadableImage):
        render_avatar_video(not_media, make_wav(tmp_path / "voice.wav"), output)
    with pytest.raises(UnreadableAudio):
        render_avatar_video(make_png(tmp_path / "face.png"), not_media, output)
    assert not output.exists()


@pytest.mark.parametrize(
    ("long_side", "errors"), [(512, []), (1024, []), (2048, ["engine.E001"]), (32, ["engine.E001"])]
)
def test_render_long_side_outside_64_to_1024_fails_the_system_checks(settings, long_side, errors):
    settings.ENGINE_RENDER_LONG_SIDE = long_side

    assert [problem.id for problem in check_render_long_side()] == errors
