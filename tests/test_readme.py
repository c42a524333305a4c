"""The README's commands work: every command it shows is run, here or by the test named for it.

The walkthrough sections' shell blocks are run here as a reader would paste them (the API one
against a live server with a worker and the local engine); every other command the README
shows, in a block or inline, must be listed in COMMANDS_RUN_ELSEWHERE with the test that
runs it, so a new command without a test fails."""

import ast
import os
import re
import shutil
import subprocess

import av
import pytest

from jobs.models import Job, JobState
from tests.factories import make_user
from tests.servers import PROJECT_DIR, database_url

README = PROJECT_DIR / "README.md"

# Sections whose shell blocks are run whole by a test of this file.
RUN_HERE = {
    "Your first video from the command line": "test_the_readme_command_line_makes_a_video",
    "Your first video by API": "test_the_readme_api_walkthrough_makes_and_downloads_a_video",
}

DEVELOPMENT_START = "tests/test_serving.py::test_the_development_start_stops_server_and_worker_on_sigterm"
COMMANDS_RUN_ELSEWHERE = {
    "./scripts/start": DEVELOPMENT_START,
    "PORT=8080 ./scripts/start": DEVELOPMENT_START,
    "./scripts/test": ".ci/run",
    ".venv/bin/python manage.py check --deploy": "tests/test_production_settings.py::"
    "test_production_block_of_env_example_passes_the_deploy_check",
    "scripts/serve": "tests/test_serving.py::"
    "test_the_production_server_offers_no_engine_controls_and_serves_stored_pages_only_as_downloads",
}

# An inline code span that is a command to type, not the name of a file or a setting.
INLINE_COMMAND = re.compile(r"`((?:\./)?scripts/[^`]*|\.venv/bin/[^`]*|curl [^`]*|[A-Z_]+=\S+ [^`]*)`")


def readme_sections():
    """[(heading, text)] for each `## ` section of the README (the text before the first too)."""
    sections, heading, lines = [], "", []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            sections.append((heading, "\n".join(lines)))
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    sections.append((heading, "\n".join(lines)))
    return sections


def shell_blocks(text):
    return re.findall(r"^```(?:sh|bash|shell|console)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def commands_in(block):
    """Each command of a shell block: continuation lines joined, comments and blanks left out."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines = [line.strip() for line in joined.splitlines()]
    return [line.split("  #")[0].strip() for line in lines if line and not line.startswith("#")]


def commands_shown_outside_the_walkthroughs():
    commands = set()
    for heading, text in readme_sections():
        if heading not in RUN_HERE:
            commands.update(command for block in shell_blocks(text) for command in commands_in(block))
        prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
        commands.update(INLINE_COMMAND.findall(prose))
    return commands


def walkthrough(heading):
    [text] = [text for name, text in readme_sections() if name == heading]
    blocks = shell_blocks(text)
    assert blocks, f"the README's section {heading!r} has no shell block"
    return "\n".join(blocks)


def test_every_command_in_the_readme_is_run_by_a_test():
    assert commands_shown_outside_the_walkthroughs() == set(COMMANDS_RUN_ELSEWHERE)


@pytest.mark.parametrize("command", sorted(COMMANDS_RUN_ELSEWHERE))
def test_the_test_named_for_a_readme_command_exists_and_runs_it(command):
    where, _, name = COMMANDS_RUN_ELSEWHERE[command].partition("::")
    source = (PROJECT_DIR / where).read_text(encoding="utf-8")
    if name:
        functions = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)]
        [test] = [function for function in functions if function.name == name]
        text = ast.get_source_segment(source, test)
    else:
        text = source
    if "manage.py" in command:  # the management command and its options, as a test writes them
        assert all(f'"{word}"' in text for word in command.split("manage.py")[1].split())
    else:
        assert command.split()[-1].removeprefix("./") in text  # scripts/start, as the test starts it
    for variable in re.findall(r"^([A-Z_]+)=", command):  # PORT=8080 ./scripts/start: the test sets PORT
        assert f'"{variable}"' in text


def test_each_walkthrough_section_names_a_test_of_this_file():
    assert {name for name in RUN_HERE.values() if name not in globals()} == set()


def reader_folder(tmp_path):
    """A folder laid out like a checkout, as the README's commands expect: .venv, manage.py and
    the fixtures; whatever the commands write (video.mp4) lands here."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    for name in (".venv", "manage.py", "tests"):
        (folder / name).symlink_to(PROJECT_DIR / name)
    return folder


def run_shell(script, folder, environment, timeout):
    finished = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-3000:]
    return finished.stdout


def assert_playable_mp4(path, seconds):
    with av.open(str(path)) as container:
        assert {stream.codec_context.name for stream in container.streams} == {"h264", "aac"}
        assert abs(container.duration / av.time_base - seconds) <= 0.1


def fixture_speech_seconds():
    with av.open(str(PROJECT_DIR / "tests" / "fixtures" / "speech.ogg")) as container:
        return container.duration / av.time_base


def test_the_readme_command_line_makes_a_video(tmp_path):
    folder = reader_folder(tmp_path)
    remote = ("FAL_KEY", "FAL_MODE", "PUBLIC_BASE_URL", "FAL_ENGINE_URL")
    environment = {
        **{name: value for name, value in os.environ.items() if name not in remote},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ENGINE_STORAGE_DIR": str(tmp_path / "engine"),
        "ENGINE_PROCESSING_SECONDS": "0.5",
    }

    output = run_shell(walkthrough("Your first video from the command line"), folder, environment, timeout=180)

    assert "Saved video.mp4" in output
    assert_playable_mp4(folder / "video.mp4", fixture_speech_seconds())


def test_the_readme_api_walkthrough_makes_and_downloads_a_video(fal_engine, task_worker, live_server, tmp_path):
    assert shutil.which("curl") and shutil.which("jq"), "the README's API walkthrough needs curl and jq"
    make_user("alice")
    folder = reader_folder(tmp_path)
    script = walkthrough("Your first video by API").replace("http://127.0.0.1:8000", live_server.url)
    environment = {**os.environ, "DATABASE_URL": database_url()}

    output = run_shell(script, folder, environment, timeout=180)

    job = Job.objects.get(user__username="alice")
    assert job.state == JobState.COMPLETED and output.splitlines()[-1] == "completed"
    assert (folder / "video.mp4").stat().st_size == job.video.size
    assert_playable_mp4(folder / "video.mp4", fixture_speech_seconds())
