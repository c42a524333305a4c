"""The gallery in a real browser: previews on hover, play on click or key, download, retry,
search and filters."""

import re
import tempfile
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from playwright.sync_api import expect

from jobs.models import Job, JobState
from tests.avatars.builders import STANDARD, completed_job, make_job
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user

FRAMES_PER_SECOND = 25


def playable_mp4(seconds=4) -> bytes:
    """A small H.264 MP4 (moov first, like the engine's) that Chromium can really play."""
    # faststart rewrites the file when it closes, so it needs a real file, not a buffer.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        _write_mp4(path, seconds)
        return path.read_bytes()


def _write_mp4(path, seconds):
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=FRAMES_PER_SECOND)
        stream.width, stream.height, stream.pix_fmt = 128, 160, "yuv420p"
        stream.time_base = Fraction(1, FRAMES_PER_SECOND)
        for index in range(seconds * FRAMES_PER_SECOND):
            shade = np.full((160, 128, 3), (index * 5) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(shade, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@pytest.fixture
def gallery(live_server, settings, tmp_path, page):
    """Erin's gallery, open in the browser, with one finished video and one failed job."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    erin = make_user("erin")
    finished = completed_job(erin, title="Birthday greeting", video=playable_mp4())
    failed = make_job(
        erin,
        JobState.FAILED,
        title="No face here",
        image_url="https://example.com/a.png",
        audio_url="https://example.com/a.wav",
    )
    log_in(page, live_server.url, "erin")
    return finished, failed


def card(page, title):
    return page.locator(".tile").filter(has=page.get_by_role("heading", name=title))


def is_playing(video):
    return video.evaluate("video => !video.paused && video.currentTime > 0")


def wait_until_playing(page, video):
    page.wait_for_function(
        "video => !video.paused && video.currentTime > 0.2", arg=video.element_handle(), timeout=10_000
    )


def test_hovering_a_finished_card_previews_it_muted_and_leaving_stops_it(gallery, page, screenshot):
    video = card(page, "Birthday greeting").locator("video")
    assert video.evaluate("video => video.preload") == "none"
    assert video.evaluate("video => video.readyState") == 0  # nothing fetched before a play

    card(page, "Birthday greeting").locator(".thumb").hover()

    wait_until_playing(page, video)
    assert video.evaluate("video => [video.muted, video.controls]") == [True, False]
    screenshot("gallery-hover-preview")

    page.get_by_role("heading", name="My videos").hover()
    page.wait_for_function("video => video.paused", arg=video.element_handle())
    assert video.evaluate("video => video.currentTime") == 0  # back to the poster


def test_clicking_play_plays_with_sound_and_controls(gallery, page, screenshot):
    tile = card(page, "Birthday greeting")

    tile.get_by_role("button", name="Play “Birthday greeting”").click()

    video = tile.locator("video")
    wait_until_playing(page, video)
    assert video.evaluate("video => [video.muted, video.controls]") == [False, True]
    expect(tile.get_by_role("button", name=re.compile("^Play"))).to_be_hidden()
    expect(tile.locator(".badge")).to_be_hidden()  # nothing drawn over the video being watched
    expect(video).to_be_focused()
    # Moving the mouse away no longer stops a video the user chose to watch.
    page.get_by_role("heading", name="My videos").hover()
    page.wait_for_timeout(300)
    assert is_playing(video)
    screenshot("gallery-playing")


@pytest.mark.parametrize("key", ["Enter", " "], ids=["enter", "space"])
def test_the_play_button_works_from_the_keyboard(gallery, page, key):
    tile = card(page, "Birthday greeting")
    play = tile.get_by_role("button", name="Play “Birthday greeting”")
    play.focus()

    page.keyboard.press(key)

    video = tile.locator("video")
    wait_until_playing(page, video)
    assert video.evaluate("video => [video.muted, video.controls]") == [False, True]


def test_a_play_button_appears_only_once_the_script_that_plays_it_has_arrived(gallery, page):
    play = card(page, "Birthday greeting").locator(".tile-play")
    expect(play).to_be_visible()

    page.route("**/gallery*.js", lambda route: route.fulfill(body="", content_type="text/javascript"))  # not come yet
    page.reload()

    expect(play).to_be_attached()
    expect(play).to_be_hidden()
    expect(card(page, "Birthday greeting").get_by_role("link", name="Download")).to_be_visible()


def test_every_card_has_its_state_on_the_thumbnail_and_its_date_on_one_line(gallery, page):
    finished, _ = gallery
    make_job(finished.user, JobState.IN_PROGRESS, title="Still rendering")  # the longest state name
    page.set_viewport_size({"width": 724, "height": 900})  # three cards of the narrowest width
    page.reload()
    assert card(page, "No face here").bounding_box()["width"] <= 221

    for title in ("Birthday greeting", "No face here", "Still rendering"):
        tile = card(page, title)
        badge, thumb = tile.locator(".badge").bounding_box(), tile.locator(".thumb").bounding_box()
        assert thumb["x"] <= badge["x"] and badge["x"] + badge["width"] <= thumb["x"] + thumb["width"], title
        assert thumb["y"] <= badge["y"] and badge["y"] + badge["height"] <= thumb["y"] + thumb["height"], title
        date = tile.locator(".tile-meta time")
        assert date.evaluate("time => time.getClientRects().length") == 1, title  # one line box


def test_download_saves_the_video_under_its_title(gallery, page, tmp_path):
    finished, _ = gallery

    with page.expect_download() as download_info:
        card(page, "Birthday greeting").get_by_role("link", name="Download “Birthday greeting”").click()

    download = download_info.value
    assert download.suggested_filename == "birthday-greeting.mp4"
    saved = tmp_path / "saved.mp4"
    download.save_as(saved)
    assert saved.read_bytes() == finished.video.open("rb").read()


def test_retrying_a_failed_card_opens_the_new_attempt(gallery, page, screenshot):
    _, failed = gallery
    tile = card(page, "No face here")
    expect(tile.get_by_role("link", name=re.compile("^Download"))).to_have_count(0)
    screenshot("gallery-desktop")

    tile.get_by_role("button", name="Retry “No face here”").click()

    expect(page.get_by_text("A new attempt has started with the same inputs.")).to_be_visible()
    retry = Job.objects.exclude(pk__in=[failed.pk, gallery[0].pk]).get()
    assert page.url.endswith(f"/videos/{retry.id}/")
    assert (retry.state, retry.image_url) == (JobState.PENDING, failed.image_url)


def test_searching_and_filtering_then_clearing(live_server, settings, tmp_path, page, screenshot):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    fay = make_user("fay")
    for number in range(14):
        make_job(
            fay,
            JobState.FAILED,
            title=f"Demo take {number:02d}",
            model=STANDARD,
            created_ago=timedelta(minutes=number),
        )
    make_job(fay, JobState.FAILED, title="Demo on Pro", created_ago=timedelta(minutes=30))
    completed_job(fay, title="Holiday message", video=playable_mp4(1))
    log_in(page, live_server.url, "fay")

    page.get_by_label("Search titles").fill("demo")
    page.get_by_label("Model").select_option(label="Kling AI Avatar Standard")
    page.get_by_label("Status").select_option(label="Failed")
    page.get_by_role("button", name="Search").click()

    headings = page.locator(".tile-title")
    expect(headings).to_have_count(12)
    expect(headings.first).to_have_text("Demo take 00")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Last »").click()
    expect(headings).to_have_text(["Demo take 12", "Demo take 13"])
    expect(page.get_by_label("Search titles")).to_have_value("demo")
    expect(page.get_by_label("Status")).to_have_value("failed")
    expect(page.locator(".pagination [aria-current=page]")).to_have_text("2")
    screenshot("gallery-filtered")

    page.get_by_label("Search titles").fill("nothing like this")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()
    screenshot("gallery-nothing-matches")

    page.get_by_role("link", name="Clear filters").click()
    expect(headings).to_have_count(12)
    expect(page.get_by_role("link", name="Clear filters")).to_have_count(0)

    page.goto(f"{live_server.url}/videos/?status=exploded")
    expect(page.get_by_text("There is no status called “exploded”; showing every status.")).to_be_visible()
    expect(page.get_by_label("Status")).to_have_attribute("aria-invalid", "true")

    # On a phone the form and the cards fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/videos/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("gallery-phone")
