"""A shared video plays for a browser with no account, and stops opening once revoked."""

import pytest
from playwright.sync_api import expect

from sharing import services as sharing
from tests.browser.test_every_page import finished_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PLAYED = """video => new Promise((resolve, reject) => {
    video.muted = true;
    video.addEventListener("timeupdate", () => { if (video.currentTime > 0.2) resolve(video.currentTime); });
    video.addEventListener("error", () => reject(new Error("the video failed: " + (video.error && video.error.code))));
    video.play().catch(reject);
})"""


def test_an_anonymous_browser_plays_a_shared_video_and_the_embed_until_it_is_revoked(
    live_server, page, settings, tmp_path, console_errors
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    job = finished_job(make_user("ada"), title="Hello from Ada")
    link = sharing.share(job)

    page.goto(f"{live_server.url}/s/{link.token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello from Ada")
    assert page.locator("video").evaluate(PLAYED) > 0.2
    page.goto(f"{live_server.url}/s/{link.token}/embed")
    assert page.locator("video").evaluate(PLAYED) > 0.2

    sharing.revoke(job)
    assert page.goto(f"{live_server.url}/s/{link.token}").status == 404
    assert page.request.get(f"{live_server.url}/s/{link.token}/video.mp4").status == 404
    console_errors.remove("Failed to load resource: the server responded with a status of 404 (Not Found)")


def test_the_owner_shares_from_the_job_page_and_copies_the_link(live_server, page, settings, tmp_path):
    from tests.browser.test_every_page import signed_in

    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = make_user("ada")
    job = finished_job(user)
    signed_in(page, live_server.url, user)

    page.goto(f"{live_server.url}/videos/{job.pk}/")
    page.get_by_label("Link lasts").select_option("7")
    page.get_by_role("button", name="Create share link").click()

    shared_url = page.get_by_label("Share link").input_value()
    assert shared_url.startswith(f"{live_server.url}/s/")
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("button", name="Create share link")).to_be_visible()
    assert page.request.get(shared_url).status == 404
