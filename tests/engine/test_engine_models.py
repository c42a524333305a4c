"""Each model the engine serves behaves as fal's page for it says (docs/models.md): Kling AI
Avatar v2 takes Kling v1's inputs, and OmniHuman v1.5 checks its resolution and turbo_mode,
takes at most 30 s of audio at 1080p and 60 s at 720p, and draws a 720p video smaller."""

import io

import av
import fal_client
import httpx
import pytest

from tests.conftest import wait_for
from tests.engine.media_factories import make_wav

KLING_V2_PRO = "fal-ai/kling-video/ai-avatar/v2/pro"
KLING_V2_STANDARD = "fal-ai/kling-video/ai-avatar/v2/standard"
OMNIHUMAN = "fal-ai/bytedance/omnihuman/v1.5"


def refusal(fal, endpoint, arguments) -> dict:
    handle = fal.submit(endpoint, arguments)
    with pytest.raises(fal_client.client.FalClientHTTPError) as refused:
        handle.get()
    assert refused.value.status_code == 422
    [error] = refused.value.response.json()["detail"]
    return error


def video_size(url) -> tuple[int, int]:
    with httpx.Client() as client, av.open(io.BytesIO(client.get(url).content)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


@pytest.mark.parametrize("endpoint", [KLING_V2_PRO, KLING_V2_STANDARD])
def test_kling_v2_makes_a_video_as_long_as_the_audio_in_fals_output_shape(fal, endpoint, face_png, voice_wav):
    output = fal.subscribe(
        endpoint, {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(voice_wav), "prompt": "."}
    )

    assert set(output) == {"video", "duration"}
    assert output["video"]["content_type"] == "video/mp4" and output["duration"] == pytest.approx(2.0, abs=0.05)


def test_omnihuman_refuses_a_resolution_it_does_not_offer_naming_the_field(fal, face_png, voice_wav):
    error = refusal(
        fal,
        OMNIHUMAN,
        {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(voice_wav), "resolution": "4k"},
    )

    assert error["loc"] == ["body", "resolution"] and error["type"] == "literal_error"
    assert error["msg"] == "Input should be '720p' or '1080p'"


def test_omnihuman_refuses_a_turbo_mode_that_is_not_a_boolean(fal, face_png, voice_wav):
    error = refusal(
        fal,
        OMNIHUMAN,
        {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(voice_wav), "turbo_mode": "fast"},
    )

    assert error["loc"] == ["body", "turbo_mode"] and error["type"] == "bool_type"


def test_omnihuman_takes_45_seconds_of_audio_at_720p_but_not_at_1080p(fal, face_png, tmp_path):
    audio = fal.upload_file(make_wav(tmp_path / "long.wav", seconds=45.0, rate=8000))

    error = refusal(fal, OMNIHUMAN, {"image_url": fal.upload_file(face_png), "audio_url": audio})  # 1080p by default

    assert error["loc"] == ["body", "audio_url"] and error["type"] == "audio_duration_too_long"
    assert error["ctx"] == {"max_duration": 30.0, "provided_duration": 45.0}
    # At 720p the same audio passes the check and the run goes on to draw (cancelled there).
    handle = fal.submit(OMNIHUMAN, {"image_url": fal.upload_file(face_png), "audio_url": audio, "resolution": "720p"})

    def drawing():
        status = handle.status(with_logs=True)
        lines = getattr(status, "logs", None) or []  # a moving window: any step after the check will do
        return any(line["message"].startswith(("Motion style", "Detecting face", "Generating")) for line in lines)

    wait_for(drawing, message="the 720p run to pass the audio check")
    handle.cancel()


def test_omnihuman_draws_720p_at_two_thirds_of_1080p(fal, face_png, voice_wav, settings):
    settings.ENGINE_RENDER_LONG_SIDE = 300  # stands for 1080 lines: the portrait (320x400) is scaled down
    inputs = {"image_url": fal.upload_file(face_png), "audio_url": fal.upload_file(voice_wav)}

    full = fal.subscribe(OMNIHUMAN, {**inputs, "resolution": "1080p", "turbo_mode": True})
    smaller = fal.subscribe(OMNIHUMAN, {**inputs, "resolution": "720p"})

    assert video_size(full["video"]["url"]) == (240, 300)
    assert video_size(smaller["video"]["url"]) == (160, 200)
    assert set(smaller) == {"video", "duration"} and smaller["duration"] == pytest.approx(2.0, abs=0.05)
