"""A video from a script in a real browser: the create form's script field, its voice sample
and estimate, then the job's two steps against the local engine (its offline speech, then the
avatar) and a real task worker."""

import re

import pytest
from playwright.sync_api import expect

from jobs.models import Job, JobEvent, JobState
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user, portrait_png

SCRIPT = "Good morning! I never recorded a word of this: it was typed, and a voice speaks it for me."

MEDIA_DURATION = """media => new Promise((resolve, reject) => {
    if (media.readyState >= 1) return resolve(media.duration);
    media.addEventListener("loadedmetadata", () => resolve(media.duration), { once: true });
    media.addEventListener("error",
        () => reject(new Error("media error " + (media.error && media.error.code))), { once: true });
})"""


@pytest.fixture
def portrait(tmp_path):
    image = tmp_path / "portrait.png"
    image.write_bytes(portrait_png())
    return image


def test_a_typed_script_becomes_a_spoken_video(fal_engine, task_worker, live_server, page, screenshot, portrait):
    make_user("dora")
    log_in(page, live_server.url, "dora")
    page.get_by_role("link", name="Create", exact=True).click()

    page.get_by_label("Portrait photo").set_input_files(str(portrait))
    page.get_by_label("Or write a script").fill(SCRIPT)
    expect(page.locator("#script-count")).to_have_text(f"{len(SCRIPT)} of 2500 characters.")
    page.get_by_label("Voice", exact=True).select_option(label="Michael (male)")
    # The estimate covers both steps: the speech, and the longest video it can make.
    expect(page.locator("#cost-estimate")).to_contain_text(
        re.compile(rf"Estimated cost: at most \d+ credits \(the speech of {len(SCRIPT)} characters, 2 credits")
    )
    page.get_by_role("button", name="Play a sample of this voice").click()
    sample = page.locator("#voice-preview-player")
    assert sample.evaluate(MEDIA_DURATION) > 1.5
    assert "am_michael" in sample.evaluate("audio => audio.src")
    screenshot("script-01-create")
    page.get_by_role("button", name="Create video").click()

    expect(page).to_have_url(re.compile(r"/videos/[0-9a-f-]{36}/$"))
    player = page.locator("video.player")
    expect(player).to_be_visible(timeout=30_000)
    expect(page.locator(".job-status .badge")).to_have_text("Completed")
    expect(page.locator(".job-script")).to_have_text(SCRIPT)
    speech = page.locator(".job-input-audio audio")
    job = Job.objects.get(user__username="dora")
    assert job.state == JobState.COMPLETED and job.voice == "am_michael"
    assert speech.evaluate(MEDIA_DURATION) == pytest.approx(job.audio_duration, abs=0.1)
    assert player.evaluate(MEDIA_DURATION) == pytest.approx(job.audio_duration, abs=0.15)
    assert job.events.filter(kind=JobEvent.Kind.SUBMIT, data__step="speech").count() == 1
    screenshot("script-02-completed")


def test_a_script_with_a_recording_is_refused_beside_the_script(live_server, page, portrait, tmp_path):
    from tests.factories import speech_wav

    audio = tmp_path / "hello.wav"
    audio.write_bytes(speech_wav(2.0))
    make_user("eli")
    log_in(page, live_server.url, "eli")
    page.goto(f"{live_server.url}/create/")
    page.get_by_label("Portrait photo").set_input_files(str(portrait))
    page.get_by_label("Speech audio").set_input_files(str(audio))
    page.get_by_label("Or write a script").fill(SCRIPT)
    page.get_by_role("button", name="Create video").click()

    expect(page.locator("#id_script_errors")).to_have_text("Give either a speech recording or a script, not both.")
    assert not Job.objects.exists()
