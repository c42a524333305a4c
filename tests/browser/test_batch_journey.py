"""A batch in a real browser: one portrait, several clips, a page that follows every item
live and offers the zip when the batch ends."""

import io
import re
import zipfile

import httpx
from playwright.sync_api import expect

from batches.models import Batch
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user, portrait_png, speech_wav


def test_user_makes_a_batch_and_downloads_every_video(fal_engine, task_worker, live_server, page, screenshot, tmp_path):
    make_user("bea")
    image = tmp_path / "portrait.png"
    image.write_bytes(portrait_png())
    clips = []
    for index in range(3):
        clip = tmp_path / f"clip-{index}.wav"
        clip.write_bytes(speech_wav(seconds=2.0, frequency=200.0 + 20 * index))
        clips.append(str(clip))
    log_in(page, live_server.url, "bea")

    page.goto(f"{live_server.url}/create/")
    page.get_by_role("link", name="Create a batch").click()
    page.get_by_label("Portrait photo").set_input_files(str(image))
    page.get_by_label("Speech clips").set_input_files(clips)
    expect(page.locator("#batch-clip-count")).to_have_text("3 clips chosen: 3 videos will be made.")
    screenshot("batch-01-form")
    page.get_by_role("button", name="Create batch").click()

    expect(page.get_by_role("heading", name="Batch of 3")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    download = page.get_by_role("link", name="Download all 3 videos (zip)")
    expect(download).to_be_visible(timeout=30_000)
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator(".batch-status")).to_have_text("Completed")
    expect(page.locator("#batch-announce")).to_have_text("The batch has finished.")
    expect(page.get_by_role("link", name="Watch")).to_have_count(3)
    screenshot("batch-02-finished")

    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    response = httpx.get(live_server.url + download.get_attribute("href"), cookies=cookies, timeout=30)
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == ["001-clip-0.mp4", "002-clip-1.mp4", "003-clip-2.mp4"]
    batch_url = page.url
    assert re.fullmatch(r"/batches/[0-9a-f-]{36}/", batch_url.removeprefix(live_server.url))
    assert Batch.objects.get().finished_at is not None
    # The button stands clear of the progress bar above it.
    bar = page.locator(".batch-summary progress").bounding_box()
    assert download.bounding_box()["y"] >= bar["y"] + bar["height"] + 8

    # Found again: from one of its jobs, and from the batch list in the navigation.
    page.get_by_role("link", name="Watch of clip 2").click()
    page.get_by_role("link", name=re.compile("^Its batch")).click()
    expect(page).to_have_url(batch_url)
    page.get_by_role("navigation", name="Main", exact=True).get_by_role("link", name="Batches").click()
    row = page.locator(".batch-row")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Completed")
    expect(row).to_contain_text("3 completed, 0 in progress, 0 pending or in queue")
    row.get_by_role("link").click()
    expect(page).to_have_url(batch_url)


def test_a_bad_clip_is_named_on_the_form_and_nothing_is_made(fal_engine, live_server, page, tmp_path):
    make_user("bea")
    image, good, bad = tmp_path / "portrait.png", tmp_path / "good.wav", tmp_path / "notes.wav"
    image.write_bytes(portrait_png())
    good.write_bytes(speech_wav(seconds=2.0))
    bad.write_bytes(b"these are my notes, not audio")
    log_in(page, live_server.url, "bea")

    page.goto(f"{live_server.url}/batches/new/")
    page.get_by_label("Portrait photo").set_input_files(str(image))
    page.get_by_label("Speech clips").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Create batch").click()

    expect(page.locator("#id_audio_errors")).to_contain_text("notes.wav:")
    assert not Batch.objects.exists()
