"""The engine renders as long as the product measured: both count decoded samples, so a header
that lies about the length fools neither."""

import av
import fal_client
import pytest

from engine.processing import probe_audio_seconds
from engine.render import render_avatar_video
from jobs.media import check_audio
from tests.engine.fal_checks import KLING_PRO
from tests.engine.media_factories import AUDIO_FORMATS, m4a_claiming, make_png, voice_in, wav_claiming
from tests.factories import speech_wav


def video_seconds(path):
    with av.open(str(path)) as container:
        return container.duration / av.time_base


def engine_seconds(tmp_path, audio: bytes) -> tuple[float, float]:
    """What the engine measures of the audio, and how long the video it renders lasts."""
    audio_path = tmp_path / "voice"
    audio_path.write_bytes(audio)
    render_avatar_video(make_png(tmp_path / "face.png"), audio_path, tmp_path / "out.mp4")
    return probe_audio_seconds(audio_path, "voice"), video_seconds(tmp_path / "out.mp4")


@pytest.mark.parametrize("audio_format", AUDIO_FORMATS)
def test_engine_measures_and_renders_every_format_at_the_products_length(tmp_path, audio_format):
    audio = voice_in(audio_format, seconds=3.1)

    measured, rendered = engine_seconds(tmp_path, audio)

    assert measured == pytest.approx(check_audio(audio).duration, abs=0.1)
    assert rendered == pytest.approx(check_audio(audio).duration, abs=0.1)


def test_engine_renders_an_m4a_claiming_300_seconds_at_the_3_it_holds(tmp_path):
    audio = m4a_claiming(voice_in("m4a", seconds=3), 300)

    measured, rendered = engine_seconds(tmp_path, audio)

    assert measured == pytest.approx(check_audio(audio).duration, abs=0.1)
    assert rendered == pytest.approx(check_audio(audio).duration, abs=0.1)


def test_engine_hears_all_90_seconds_of_an_m4a_claiming_2(tmp_path):
    # What the product refuses as over the limit really would have been a 90 s video.
    audio_path = tmp_path / "voice.m4a"
    audio_path.write_bytes(m4a_claiming(voice_in("m4a", seconds=90), 2))

    assert probe_audio_seconds(audio_path, "voice") == pytest.approx(90, abs=0.1)


def test_engine_plays_a_wav_only_as_far_as_its_data_size_claims(tmp_path):
    audio = wav_claiming(speech_wav(seconds=90, rate=8000), 2)

    measured, rendered = engine_seconds(tmp_path, audio)

    assert check_audio(audio).duration == 2.0
    assert measured == pytest.approx(2.0, abs=0.1)
    assert rendered == pytest.approx(2.0, abs=0.1)


def test_engine_over_http_renders_a_lying_m4a_at_the_products_length(fal, face_png, tmp_path):
    audio = m4a_claiming(voice_in("m4a", seconds=3), 300)
    audio_path = tmp_path / "voice.m4a"
    audio_path.write_bytes(audio)

    output = fal.subscribe(
        KLING_PRO, {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(audio_path)}
    )

    assert output["duration"] == pytest.approx(check_audio(audio).duration, abs=0.1)


def refusal_of(fal, face_png, tmp_path, audio: bytes) -> dict:
    """The single error of the 422 a run on this audio ends with."""
    audio_path = tmp_path / "voice"
    audio_path.write_bytes(audio)
    handle = fal.submit(KLING_PRO, {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(audio_path)})
    with pytest.raises(fal_client.client.FalClientHTTPError) as refused:
        handle.get()
    assert refused.value.status_code == 422
    [error] = refused.value.response.json()["detail"]
    return error


def test_engine_refuses_audio_over_kling_limit_like_fal(fal, face_png, tmp_path):
    # 90 s of sound in an M4A whose header claims 2 s: measured, not believed.
    error = refusal_of(fal, face_png, tmp_path, m4a_claiming(voice_in("m4a", seconds=90), 2))

    assert error["loc"] == ["body", "audio_url"]
    assert error["type"] == "audio_duration_too_long"
    assert error["url"] == "https://docs.fal.ai/errors/#audio_duration_too_long"
    assert error["ctx"]["max_duration"] == 60
    assert error["ctx"]["provided_duration"] == pytest.approx(90, abs=0.1)


def test_engine_refuses_audio_under_kling_minimum_like_fal(fal, face_png, tmp_path):
    error = refusal_of(fal, face_png, tmp_path, speech_wav(seconds=1.5))

    assert error["loc"] == ["body", "audio_url"]
    assert error["type"] == "audio_duration_too_short"
    assert error["ctx"] == {"min_duration": 2, "provided_duration": 1.5}


def test_engine_renders_audio_of_exactly_kling_minimum(fal, face_png, tmp_path):
    audio_path = tmp_path / "voice.wav"
    audio_path.write_bytes(speech_wav(seconds=2.0))

    output = fal.subscribe(
        KLING_PRO, {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(audio_path)}
    )

    assert output["duration"] == pytest.approx(2.0, abs=0.05)
