"""The job page in a real browser: pushed live updates (and the polling fallback), the title,
the actions, and what a finished or failed job shows."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from credits import services as credits
from jobs.models import Job, JobState
from jobs.state import charge_for
from tests.avatars.builders import completed_job, make_job
from tests.browser.test_avatar_journey import log_in, media_files, submit_create_form  # noqa: F401 (media_files is a fixture)
from tests.factories import make_user, portrait_png, speech_wav


def requests_to(page, pattern):
    """The URLs the page asks for that match `pattern`, as they happen."""
    seen = []
    page.on("request", lambda request: seen.append(request.url) if re.search(pattern, request.url) else None)
    return seen


def test_job_page_is_pushed_the_finished_video_by_server_sent_events(
    fal_engine, task_worker, live_server, page, screenshot, media_files
):  # noqa: F811
    make_user("erin")
    fal_engine.faults.set_timing(processing_seconds=3)
    log_in(page, live_server.url, "erin")
    events = requests_to(page, r"/events/$")
    polls = requests_to(page, r"/status/$")

    job = submit_create_form(page, media_files, "Says hello")
    page.evaluate("window.sameDocument = true")
    note = page.locator(".message-job-created")
    expect(note).to_have_text("Job created. This page follows it live; no need to reload.")
    expect(page.get_by_role("heading", level=1)).to_have_text("hello.wav")
    screenshot("job-live-running")

    expect(page.locator("video.player")).to_be_visible(timeout=30_000)
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("#job-announce")).to_have_text("Status: Completed")
    expect(note).to_have_count(0)  # no longer true once the job has finished
    # The page's length reads as the player's does (whole seconds, part seconds dropped).
    played_seconds = page.locator("video.player").evaluate(
        "video => new Promise(done => video.readyState >= 1 ? done(video.duration) "
        ": video.addEventListener('loadedmetadata', () => done(video.duration)))"
    )
    expect(page.locator(".video-meta")).to_contain_text(f"0:{int(played_seconds):02d} long")
    inputs = page.get_by_role("region", name="Made from")
    expect(inputs.get_by_role("img", name="The portrait this video was made from")).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=inputs.locator("img").element_handle())
    expect(inputs.locator("audio")).to_have_count(1)
    assert inputs.locator("audio").evaluate(
        "audio => new Promise(done => audio.readyState >= 1 ? done(audio.duration) "
        ": audio.addEventListener('loadedmetadata', () => done(audio.duration)))"
    ) == pytest.approx(2.0, abs=0.05)
    expect(page.get_by_role("link", name="Make another with this portrait")).to_have_attribute(
        "href", f"/create/?portrait={job.id}"
    )
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    expect(page.locator(".job-credits")).to_contain_text("charged")
    screenshot("job-live-completed")
    assert events and not polls, (events, polls)

    # Seen again later: finished, so nothing to follow and no note.
    page.reload()
    expect(page.locator("video.player")).to_be_visible()
    expect(page.locator(".message-job-created")).to_have_count(0)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("job-completed-phone")


def test_job_page_polls_for_updates_where_server_sent_events_are_missing(
    fal_engine, task_worker, live_server, page, media_files
):  # noqa: F811
    make_user("finn")
    fal_engine.faults.set_timing(processing_seconds=2)
    page.add_init_script("delete window.EventSource;")
    log_in(page, live_server.url, "finn")
    events = requests_to(page, r"/events/$")
    polls = requests_to(page, r"/status/$")

    submit_create_form(page, media_files, "Says hello")

    expect(page.locator("video.player")).to_be_visible(timeout=30_000)
    expect(page.locator(".message-job-created")).to_have_count(0)
    assert polls and not events, (events, polls)


def test_failed_job_shows_what_it_cost_and_can_be_retried(
    fal_engine, task_worker, live_server, page, screenshot, media_files
):  # noqa: F811
    make_user("gwen")
    log_in(page, live_server.url, "gwen")

    failing = submit_create_form(page, media_files, "No face here [[fail]]")
    expect(page.locator(".job-error")).to_contain_text("Could not detect a face in the image", timeout=30_000)
    held = failing.ledger_entries.get(kind="reserve").amount
    facts = page.get_by_role("region", name="Details")
    expect(facts).to_contain_text("Audio length0:02")
    expect(facts.locator(".job-credits")).to_have_text(f"Nothing charged; the hold of {held} credits was released")
    expect(page.locator(".message-job-created")).to_have_count(0)
    screenshot("job-failed")

    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("A new attempt has started with the same inputs.")).to_be_visible()
    retry = Job.objects.exclude(pk=failing.pk).get(user__username="gwen")
    expect(page).to_have_url(f"{live_server.url}/videos/{retry.id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("hello.wav")
    # The same inputs fail the same way, and the new attempt's page follows it too.
    expect(page.locator(".job-error")).to_contain_text("Could not detect a face in the image", timeout=30_000)


def test_owner_renames_a_job_and_is_told_when_a_title_is_refused(live_server, page, screenshot, transactional_db):
    user = make_user("hana")
    job = make_job(user, JobState.FAILED, title="hello.wav")
    credits.reserve_for_job(job, 230)
    credits.settle_job(job, **charge_for(job))
    log_in(page, live_server.url, "hana")
    page.goto(f"{live_server.url}/videos/{job.id}/")

    page.get_by_text("Rename").click()
    page.get_by_label("Title").fill("   ")
    page.get_by_role("button", name="Save title").click()
    expect(page.locator("#title-errors")).to_have_text("This field is required.")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    screenshot("job-title-refused")

    page.get_by_label("Title").fill("Welcome for the new team")
    page.get_by_role("button", name="Save title").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome for the new team")
    expect(page.get_by_text("Title saved.")).to_be_visible()
    assert Job.objects.get(pk=job.pk).title == "Welcome for the new team"


def test_finished_video_shows_beside_its_inputs_on_a_wide_screen(
    live_server, page, screenshot, transactional_db, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = make_user("ida")
    job = completed_job(user, title="welcome.wav")
    job.image_file.save("face.png", ContentFile(portrait_png()), save=False)
    job.audio_file.save("hello.wav", ContentFile(speech_wav()), save=True)
    log_in(page, live_server.url, "ida")
    page.goto(f"{live_server.url}/videos/{job.id}/")

    video = page.locator("video.player").bounding_box()
    inputs = page.get_by_role("region", name="Made from").bounding_box()
    assert (
        inputs["x"] >= video["x"] + video["width"] and inputs["y"] < video["y"] + video["height"]
    )  # beside, not below
    screenshot("job-completed-desktop")


def test_job_page_polls_instead_when_the_event_stream_keeps_breaking(
    fal_engine, task_worker, live_server, page, media_files
):  # noqa: F811
    make_user("jack")
    fal_engine.faults.set_timing(processing_seconds=2)
    # Like a proxy that accepts each stream and drops it before anything arrives.
    page.route(
        "**/events/",
        lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body="retry: 50\n\n"),
    )
    log_in(page, live_server.url, "jack")
    polls = requests_to(page, r"/status/$")

    submit_create_form(page, media_files, "Says hello")

    expect(page.locator("video.player")).to_be_visible(timeout=30_000)
    assert polls


def test_job_page_polls_when_the_server_serves_no_more_streams(
    fal_engine, task_worker, live_server, page, media_files, settings
):  # noqa: F811
    make_user("kate")
    settings.JOB_EVENTS_MAX_STREAMS = 0
    fal_engine.faults.set_timing(processing_seconds=2)
    log_in(page, live_server.url, "kate")
    events = requests_to(page, r"/events/$")
    polls = requests_to(page, r"/status/$")

    submit_create_form(page, media_files, "Says hello")

    expect(page.locator("video.player")).to_be_visible(timeout=30_000)
    assert len(events) == 1 and polls, (events, polls)  # asked once, told 204, never again


def test_job_page_polls_when_its_user_has_every_stream_they_may_open(
    fal_engine, task_worker, live_server, page, media_files, settings, console_errors
):  # noqa: F811
    make_user("liam")
    settings.MAX_STREAMS_PER_USER = 0  # as if the user's other tabs held all their streams
    fal_engine.faults.set_timing(processing_seconds=2)
    log_in(page, live_server.url, "liam")
    refused = []
    page.on(
        "response", lambda response: refused.append(response.status) if response.url.endswith("/events/") else None
    )
    polls = requests_to(page, r"/status/$")

    submit_create_form(page, media_files, "Says hello")

    expect(page.locator("video.player")).to_be_visible(timeout=30_000)
    assert refused == [429] and polls, (refused, polls)  # asked once, told 429, never again
    # Chromium reports every refused request in the console; this one is expected.
    console_errors.remove("Failed to load resource: the server responded with a status of 429 (Too Many Requests)")
