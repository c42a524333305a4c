"""A batch in a real browser: one portrait, several clips, a page that follows every item
live and offers the zip when the batch ends."""

import base64
import io
import re
import zipfile

import httpx
import pytest
from playwright.sync_api import expect

from batches.models import Batch
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user, portrait_png, speech_wav

# Several files dropped at once on a zone, as a person drops them from a file manager.
DROP_MANY = """([selector, files]) => {
    const zone = document.querySelector(selector);
    const transfer = new DataTransfer();
    for (const file of files) {
        const bytes = Uint8Array.from(atob(file.base64), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    for (const type of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
}"""


def test_user_makes_a_batch_and_downloads_every_video(
    fal_engine, task_worker, live_server, page, screenshot, tmp_path
):
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
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == [
        "001-clip-0.mp4",
        "002-clip-1.mp4",
        "003-clip-2.mp4",
    ]
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


def test_the_batch_form_previews_measures_each_clip_against_the_limits_and_prices_the_rest(
    live_server, page, settings, screenshot, tmp_path
):
    from credits import services as credits
    from tests.browser.test_create_page import drop

    settings.MAX_AUDIO_SECONDS = 3.0
    settings.MAX_LONG_AUDIO_SECONDS = 3.0
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = make_user("bea")
    credits.adjust(user, -19_700, by=None, note="Spent elsewhere")  # 300 left
    log_in(page, live_server.url, "bea")
    page.goto(f"{live_server.url}/batches/new/")

    drop(page, "image", "face.png", portrait_png(), "image/png")
    expect(page.locator("#image-preview-caption")).to_have_text("face.png · 256×320 px")
    files = [
        {"name": "one.wav", "type": "audio/wav", "base64": base64.b64encode(speech_wav(seconds=2.0)).decode()},
        {"name": "long.wav", "type": "audio/wav", "base64": base64.b64encode(speech_wav(seconds=4.0)).decode()},
        {"name": "empty.wav", "type": "audio/wav", "base64": ""},
        {
            "name": "two.wav",
            "type": "audio/wav",
            "base64": base64.b64encode(speech_wav(seconds=2.5, frequency=240.0)).decode(),
        },
    ]
    page.evaluate(DROP_MANY, [".dropzone[data-dropzone=audio]", files])

    clips = page.locator("#batch-clips li")
    expect(clips).to_have_text(
        [
            "one.wav · 2.0 s",
            "“long.wav” lasts 4.0 s; the limit is 3 s for any model. Choose a clip of at most 3 s. Left out.",
            "“empty.wav” is empty (0 bytes): choose a speech recording with something in it. Left out.",
            "two.wav · 2.5 s",
        ]
    )
    expect(page.locator("#batch-clip-count")).to_have_text("2 clips chosen: 2 videos will be made.")
    # 2.0 s and 2.5 s at 115 credits a second: 230 + 288, over the 300 left.
    expect(page.locator("#cost-estimate")).to_contain_text(
        "Estimated cost: 518 credits for 2 clips, 4.5 s of video in all"
    )
    expect(page.locator("#cost-warning")).to_contain_text("518 credits, 218 more than your balance")
    page.get_by_label(re.compile("Kling AI Avatar Standard")).check()  # 112 + 140
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 252 credits")
    expect(page.locator("#cost-warning")).to_be_hidden()
    screenshot("batch-form-measured")
    page.get_by_role("button", name="Create batch").click()

    expect(page.get_by_role("heading", name="Batch of 2")).to_be_visible()
    assert sorted(job.title for job in Batch.objects.get().jobs) == ["one.wav", "two.wav"]


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["1280", "390"]
)
def test_a_refused_batch_keeps_its_valid_files_as_chosen_and_does_not_send_them_again(
    live_server, page, settings, screenshot, tmp_path, viewport
):
    from tests.browser.test_every_page import problems_at

    settings.MEDIA_ROOT = str(tmp_path / "media")
    make_user("bea")
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "bea")
    page.goto(f"{live_server.url}/batches/new/")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.get_by_label("Portrait photo").set_input_files(
        files=[{"name": "face.png", "mimeType": "image/png", "buffer": portrait_png()}]
    )
    page.get_by_label("Speech clips").set_input_files(
        files=[
            {"name": "one.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.0)},
            # Named and typed as audio, so the page lets it through; the server finds it unreadable.
            {"name": "notes.wav", "mimeType": "audio/wav", "buffer": b"RIFF not really"},
            {"name": "two.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=2.5, frequency=240.0)},
        ]
    )
    expect(page.locator("#batch-clip-count")).to_have_text("3 clips chosen: 3 videos will be made.")
    page.get_by_role("button", name="Create batch").click()

    expect(page.locator("#id_audio_errors")).to_contain_text("notes.wav:")
    expect(page.locator(".notice")).to_contain_text("The files that passed their checks are kept")
    expect(page.locator("#id_image_kept")).to_contain_text("Chosen: face.png · 256×320 px (kept from your last try")
    one, two = page.get_by_label("one.wav · 2.0 s"), page.get_by_label("two.wav · 2.5 s")
    expect(one).to_be_checked()
    expect(two).to_be_checked()
    expect(page.locator("#batch-clip-count")).to_have_text("2 clips chosen: 2 videos will be made.")
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 518 credits for 2 clips, 4.5 s of video")
    width = f"{viewport['width']}px"
    screenshot(f"batch-form-kept-{width}")
    assert problems_at(page, "/batches/new/ (refused)", width) == []

    # One kept clip left out, one new clip added: the count and the cost follow.
    two.uncheck()
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 230 credits for 1 clip")
    page.get_by_label("Speech clips").set_input_files(
        files=[{"name": "three.wav", "mimeType": "audio/wav", "buffer": speech_wav(seconds=3.0, frequency=260.0)}]
    )
    expect(page.locator("#batch-clip-count")).to_have_text("2 clips chosen: 2 videos will be made.")
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 575 credits for 2 clips, 5.0 s of video")
    page.get_by_role("button", name="Create batch").click()

    expect(page.get_by_role("heading", name="Batch of 2")).to_be_visible()
    batch = Batch.objects.get()
    assert sorted(job.title for job in batch.jobs) == ["one.wav", "three.wav"]
    assert {job.image_file.read() for job in batch.jobs} == {portrait_png()}
    # The second post carried the new clip and the tokens of the kept files, not their bytes.
    first, second = (int(post.header_value("content-length")) for post in posts)
    assert 0 < second < len(speech_wav(seconds=3.0)) + 4096 < first
