"""The home page's example video, made by the local engine from the bundled samples, in real
Chromium at a desktop and a phone width."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.test_every_page import VIEWPORTS, problems_at

pytestmark = pytest.mark.django_db(transaction=True)

PLAYABLE = """async video => {
    video.preload = "auto";
    video.load();
    await new Promise((resolve, reject) => {
        if (video.readyState >= 2) return resolve();
        video.addEventListener("loadeddata", resolve, { once: true });
        video.addEventListener("error", () => reject(new Error("the video could not be loaded")), { once: true });
    });
    return { duration: video.duration, width: video.videoWidth, height: video.videoHeight };
}"""

POSTER = """async url => {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image.naturalWidth;
}"""


def test_home_page_shows_the_example_video_made_by_the_local_engine(live_server, page, settings, tmp_path):
    settings.EXAMPLE_VIDEO_DIR = str(tmp_path / "example")
    out = io.StringIO()
    call_command("make_example_video", long_side=256, stdout=out)
    assert out.getvalue().startswith("Made the example video")
    call_command("make_example_video", stdout=out)  # made once: a second run leaves it be
    assert "The example video exists" in out.getvalue()

    problems = []
    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/")
        video = page.get_by_label("Example: the sample portrait speaking the sample recording")
        expect(video).to_be_visible()
        expect(page.locator(".home-example")).to_contain_text(
            "by the local engine from the sample portrait and speech"
        )
        played = video.evaluate(PLAYABLE)
        assert played["duration"] > 7 and played["width"] > 0, played
        assert page.evaluate(POSTER, video.get_attribute("poster")) > 0
        problems += problems_at(page, "/", width)
    assert problems == [], "\n".join(problems)


def test_home_page_without_the_example_shows_no_player(live_server, page, settings, tmp_path, client):
    settings.EXAMPLE_VIDEO_DIR = str(tmp_path / "none")

    page.goto(f"{live_server.url}/")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("video")).to_have_count(0)
    assert client.get("/example/example.mp4").status_code == 404
    assert client.get("/example/settings.py").status_code == 404
