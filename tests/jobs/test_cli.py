"""`manage.py generate_avatar` runs the whole pipeline alone: no web server, no worker."""

import os
import re
import subprocess
import sys
from pathlib import Path

import av

from tests.factories import portrait_jpeg, speech_wav

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_cli(tmp_path, *args, processing_seconds="1"):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("FAL_KEY", "FAL_MODE", "PUBLIC_BASE_URL", "FAL_ENGINE_URL")
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
        "ENGINE_PROCESSING_SECONDS": processing_seconds,
        "STATIC_ROOT": str(tmp_path / "static-not-collected-yet"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "generate_avatar", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_turns_a_portrait_and_speech_into_a_playable_mp4(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    (tmp_path / "speech.wav").write_bytes(speech_wav(seconds=2.0))
    out = tmp_path / "video.mp4"

    result = run_cli(
        tmp_path, "--image", str(tmp_path / "face.jpg"), "--audio", str(tmp_path / "speech.wav"), "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    assert "100% Completed" in result.stdout
    assert "log: " in result.stdout
    assert f"Saved {out}" in result.stdout
    # Nothing below WARNING comes between the bar's redraws.
    assert not [line for line in result.stderr.splitlines() if " INFO " in line or " DEBUG " in line], result.stderr
    with av.open(str(out)) as container:
        assert {s.codec_context.name for s in container.streams} == {"h264", "aac"}
        assert abs(container.duration / av.time_base - 2.0) <= 0.1


def test_cli_with_an_engine_that_answers_at_once_finishes_without_warnings(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    (tmp_path / "speech.wav").write_bytes(speech_wav(seconds=2.0))

    result = run_cli(
        tmp_path,
        "--image",
        str(tmp_path / "face.jpg"),
        "--audio",
        str(tmp_path / "speech.wav"),
        "--out",
        str(tmp_path / "video.mp4"),
        processing_seconds="0",
    )

    assert result.returncode == 0, result.stderr
    assert "100% Completed" in result.stdout
    assert "Warning" not in result.stderr, result.stderr


def test_cli_explains_an_unreadable_image(tmp_path):
    (tmp_path / "face.png").write_text("this is not a picture")
    (tmp_path / "speech.wav").write_bytes(speech_wav())

    result = run_cli(tmp_path, "--image", str(tmp_path / "face.png"), "--audio", str(tmp_path / "speech.wav"))

    assert result.returncode != 0
    assert "not a readable JPEG, PNG or WebP" in result.stderr


def test_cli_verbose_shows_the_log_lines_the_bar_hides(tmp_path):
    (tmp_path / "face.jpg").write_bytes(portrait_jpeg())
    (tmp_path / "speech.wav").write_bytes(speech_wav(seconds=2.0))

    result = run_cli(
        tmp_path,
        "--image",
        str(tmp_path / "face.jpg"),
        "--audio",
        str(tmp_path / "speech.wav"),
        "--out",
        str(tmp_path / "video.mp4"),
        "--verbose",
        processing_seconds="0",
    )

    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if " INFO " in line], result.stderr


def test_the_readmes_example_prompt_picks_a_motion_style_in_the_local_engine():
    from engine.motion import DEFAULT_STYLE, style_for_prompt

    readme = (PROJECT_DIR / "README.md").read_text()
    prompt = re.search(r'generate_avatar .*--prompt "([^"]+)"', readme).group(1)

    assert style_for_prompt(prompt).name != DEFAULT_STYLE, prompt
