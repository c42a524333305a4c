"""A user's whole journey in a real browser, against the local engine and a real task worker."""

import re

import pytest
from playwright.sync_api import expect

from jobs.models import Job, JobState
from tests.conftest import wait_for
from tests.factories import make_user, portrait_png, speech_wav

PASSWORD = "a-Long-pass-phrase-7"


@pytest.fixture
def media_files(tmp_path):
    image, audio = tmp_path / "portrait.png", tmp_path / "hello.wav"
    image.write_bytes(portrait_png())
    audio.write_bytes(speech_wav(seconds=2.0))
    return image, audio


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    # A click waits for the navigation to commit, not for the page's scripts: the heading is
    # drawn before the deferred scripts arrive, and a key pressed then reaches no handler.
    page.wait_for_load_state("load")


def submit_create_form(page, media_files, prompt):
    image, audio = media_files
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Portrait photo").set_input_files(str(image))
    page.get_by_label("Speech audio").set_input_files(str(audio))
    page.get_by_label("Prompt (optional)").fill(prompt)
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: ")
    page.get_by_role("button", name="Create video").click()
    expect(page).to_have_url(re.compile(r"/videos/[0-9a-f-]{36}/$"))
    return Job.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[1])


def test_new_user_signs_up_makes_a_video_and_watches_it_finish_live(
    fal_engine, task_worker, live_server, page, screenshot, media_files
):
    page.goto(live_server.url)
    screenshot("01-home")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    screenshot("02-sign-up")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create a talking avatar")).to_be_visible()

    # Previews and the cost estimate appear before anything is sent.
    image, audio = media_files
    page.get_by_label("Portrait photo").set_input_files(str(image))
    page.get_by_label("Speech audio").set_input_files(str(audio))
    page.get_by_label("Prompt (optional)").fill("Smiles and says hello")
    expect(page.locator("#image-preview-caption")).to_have_text("portrait.png · 256×320 px")
    # The local engine makes the videos: prices in credits only.
    expect(page.locator("#cost-estimate")).to_contain_text(
        "Estimated cost: 230 credits (2.0 s of video × 115 credits per second)"
    )
    page.get_by_label(re.compile("Kling AI Avatar Standard")).check()
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 112 credits")
    page.get_by_label(re.compile("Kling AI Avatar Pro")).check()
    assert page.locator("#audio-preview-player").evaluate("audio => audio.duration") == pytest.approx(2.0, abs=0.05)
    screenshot("03-create-filled")
    page.get_by_role("button", name="Create video").click()

    # The job page updates itself: the same document goes from waiting to a playable video.
    expect(page).to_have_url(re.compile(r"/videos/[0-9a-f-]{36}/$"))
    page.evaluate("window.sameDocument = true")
    screenshot("04-job-waiting")
    player = page.locator("video.player")
    expect(player).to_be_visible(timeout=20_000)
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator(".job-status .badge")).to_have_text("Completed")
    expect(page.locator("#job-announce")).to_have_text("Status: Completed")
    expect(page.get_by_role("link", name="Download MP4")).to_be_visible()
    expect(page.locator(".video-meta")).to_contain_text(re.compile(r"0:0\d long · [\d.]+\sKB"))
    duration = player.evaluate(
        """video => new Promise((resolve, reject) => {
            if (video.readyState >= 1) return resolve(video.duration);
            video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true });
            video.addEventListener("error",
                () => reject(new Error("video error " + (video.error && video.error.code))), { once: true });
        })"""
    )
    assert duration > 0
    player.evaluate("video => { video.muted = true; return video.play(); }")
    wait_for(lambda: player.evaluate("video => video.currentTime") > 0, timeout=10, message="the video to play")
    screenshot("05-job-completed")

    job = Job.objects.get(user__username="bea")
    assert job.state == JobState.COMPLETED and job.prompt == "Smiles and says hello"

    page.get_by_role("link", name="My videos", exact=True).click()
    tile = page.locator(".tile").first
    expect(tile.locator(".tile-title")).to_have_text("hello.wav")  # titled after the audio file
    expect(tile.locator(".badge")).to_have_text("Completed")
    # The tile's video waits unloaded behind its poster, which must be a real picture.
    poster_width = tile.locator("video").evaluate(
        "video => { const img = new Image(); img.src = video.poster; "
        "return img.decode().then(() => img.naturalWidth); }"
    )
    assert poster_width > 0
    screenshot("06-gallery")

    # Readable on a phone: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"{live_server.url}/videos/", f"{live_server.url}/videos/{job.id}/", f"{live_server.url}/create/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    screenshot("06b-create-on-a-phone")


def test_user_cancels_a_long_running_job(fal_engine, task_worker, live_server, page, screenshot, media_files):
    make_user("carol")
    fal_engine.faults.set_timing(processing_seconds=60)
    log_in(page, live_server.url, "carol")

    job = submit_create_form(page, media_files, "A long speech")
    expect(page.locator(".job-status .badge")).to_have_text(re.compile("In queue|In progress"), timeout=10_000)
    expect(page.locator("#job-progress")).to_be_visible()
    screenshot("07-job-running")
    page.get_by_role("button", name="Cancel this job").click()
    expect(page.locator(".job-status .badge")).to_have_text("Cancelled")
    expect(page.locator(".job-error")).to_have_text("Cancelled at your request.")
    screenshot("08-job-cancelled")
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.request_id
    assert wait_for(
        lambda: fal_engine.get(job.request_id).cancelled, timeout=5, message="the engine to cancel the run"
    )


def test_failed_job_says_why_and_can_be_deleted(fal_engine, task_worker, live_server, page, screenshot, media_files):
    make_user("dave")
    log_in(page, live_server.url, "dave")

    failing = submit_create_form(page, media_files, "No face here [[fail]]")
    expect(page.locator(".job-error")).to_contain_text("Could not detect a face in the image", timeout=20_000)
    screenshot("09-job-failed")
    failing.refresh_from_db()
    assert failing.state == JobState.FAILED

    # Deleting asks first, then the video is gone from the gallery.
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete this video?")).to_be_visible()
    screenshot("10-delete-confirm")
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    expect(page.get_by_text("You have no videos yet.")).to_be_visible()
    screenshot("11-gallery-after-delete")
    assert not Job.objects.filter(pk=failing.pk).exists()
