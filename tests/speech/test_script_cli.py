"""`manage.py generate_avatar --script ... --voice ...`: the command speaks the script with
its own engine, then makes the video from the speech."""

import av

from tests.factories import portrait_jpeg
from tests.jobs.test_cli import run_cli

SCRIPT = "Hello from the command line. Nobody recorded this sentence."


def test_cli_turns_a_script_into_a_spoken_video(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    out = tmp_path / "video.mp4"

    result = run_cli(
        tmp_path, "--image", str(tmp_path / "face.jpg"), "--script", SCRIPT, "--voice", "af_nova", "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    assert f"a script of {len(SCRIPT)} characters spoken as af_nova" in result.stdout
    assert "Speaking the script" in result.stdout
    assert "100% Completed" in result.stdout
    with av.open(str(out)) as container:
        seconds = container.duration / av.time_base
    assert 2.5 < seconds < 8.0  # the spoken sentence's length, not a fixed clip's


def test_cli_refuses_a_script_beside_audio_and_a_bad_script(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    image = str(tmp_path / "face.jpg")

    both = run_cli(tmp_path, "--image", image, "--script", SCRIPT, "--audio", "speech.wav")
    too_long = run_cli(tmp_path, "--image", image, "--script", "x" * 2501)

    assert both.returncode != 0 and "not allowed with argument" in both.stderr
    assert too_long.returncode != 0 and "the limit is 2,500 characters" in too_long.stderr
