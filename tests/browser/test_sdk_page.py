"""The JavaScript SDK page runs the seed's example in headless Chromium through our proxy."""

from playwright.sync_api import expect

from jobs.models import Job, JobState
from tests.browser.test_avatar_journey import log_in
from tests.factories import make_user, portrait_png, speech_wav


def test_sdk_page_runs_the_example_and_shows_the_finished_video(
    fal_engine, task_worker, live_server, page, screenshot, tmp_path
):
    user = make_user("jo")
    image, audio = tmp_path / "portrait.png", tmp_path / "hello.wav"
    image.write_bytes(portrait_png())
    audio.write_bytes(speech_wav(seconds=2.0))
    log_in(page, live_server.url, "jo")

    page.get_by_role("link", name="JavaScript SDK").click()
    page.wait_for_load_state("load")  # the example's script, not only the page, has arrived
    page.get_by_label("Portrait photo").set_input_files(str(image))
    page.get_by_label("Speech audio").set_input_files(str(audio))
    page.get_by_role("button", name="Run the example").click()

    player = page.locator("#sdk-output video.sdk-video")
    expect(player).to_be_visible(timeout=30_000)
    job = Job.objects.get(user=user)
    expect(page.locator("#sdk-status")).to_have_text(f"Completed: request {job.id}")
    assert job.state == JobState.COMPLETED
    # A function, not an expression: Playwright evaluates an expression again on every poll,
    # which the page's CSP (no unsafe-eval) refuses once the first try came back false.
    page.wait_for_function("video => video.readyState >= 1", arg=player.element_handle())
    assert player.evaluate("video => video.duration") > 1.0
    # Its poster is the first frame; the result's JSON is shown beside it, as fal's playground does.
    page.wait_for_function("video => video.poster.startsWith('data:image/jpeg')", arg=player.element_handle())
    shown = page.locator("#sdk-json").inner_text()
    assert f'"requestId": "{job.id}"' in shown and '"video": {' in shown and '"duration":' in shown
    # The log is bounded and scrolled to its newest line, the engine's final one included.
    log = page.locator("#sdk-logs")
    box = log.evaluate("list => ({ height: list.clientHeight, scroll: list.scrollHeight, top: list.scrollTop })")
    assert box["height"] <= 14 * 16 + 20 and box["top"] >= box["scroll"] - box["height"] - 2, box
    engine_lines = [line["message"] for line in job.logs]
    assert log.locator("li").last.inner_text() == engine_lines[-1]
    screenshot("sdk-page-finished")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("sdk-page-finished-phone")


def test_the_example_cannot_be_run_before_its_script_has_arrived(live_server, page):
    make_user("jo")
    log_in(page, live_server.url, "jo")
    page.route(
        "**/sdk-example*.js", lambda route: route.fulfill(body="", content_type="text/javascript")
    )  # not come yet

    page.get_by_role("link", name="JavaScript SDK").click()

    expect(page.get_by_role("button", name="Run the example")).to_be_disabled()
