"""The create page in real Chromium offers each model's own inputs: OmniHuman's resolution and
turbo mode show only while it is chosen, the estimate follows them (and says when the audio is
too long with them), and the job keeps what was chosen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_create_page import created_job, drop, media_root, open_create, signed_in  # noqa: F401
from tests.factories import portrait_png, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)


def test_omnihumans_inputs_show_with_it_and_drive_the_estimate_and_the_job(live_server, page, signed_in):  # noqa: F811
    open_create(page, live_server)
    resolution = page.get_by_label("Resolution")
    expect(resolution).to_be_hidden()  # the default, Kling AI Avatar v2 Pro, takes none

    page.get_by_label(re.compile("ByteDance OmniHuman v1.5")).check()
    expect(resolution).to_be_visible()
    expect(resolution).to_have_value("1080p")
    drop(page, "image", "face.png", portrait_png(), "image/png")
    drop(page, "audio", "long.wav", speech_wav(seconds=31.0, rate=8000), "audio/wav")
    expect(page.locator("#cost-estimate")).to_have_text(
        "No estimate: The audio lasts 31.0 seconds; ByteDance OmniHuman v1.5 at 1080p takes at most 30 seconds."
    )
    expect(page.locator("#cost-warning")).to_be_visible()

    resolution.select_option("720p")
    page.get_by_label("Turbo mode").check()
    expect(page.locator("#cost-estimate")).to_contain_text("Estimated cost: 4960 credits (31.0 s of video × 160")
    expect(page.locator("#cost-warning")).to_be_hidden()
    page.get_by_role("button", name="Create video").click()

    assert created_job(page).model_params == {"resolution": "720p", "turbo_mode": True}
