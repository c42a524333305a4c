"""Staff review a real finished job in the admin: the video beside its inputs, the model's
log as lines ending at the newest, and the events one row each, on a page of sensible height."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jobs.media import check_audio, check_image
from jobs.models import Job, JobState
from jobs.registry import MODELS
from jobs.services import submission
from tests.conftest import wait_for
from tests.factories import make_user, portrait_png, speech_wav

LOG_LINES = 200

# Registered before any page script runs, so a violation while the page loads is caught too.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", event => {
    window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""

MEDIA_DURATION = """media => new Promise((resolve, reject) => {
    if (media.readyState >= 1) return resolve(media.duration);
    media.addEventListener("loadedmetadata", () => resolve(media.duration), { once: true });
    media.addEventListener("error", () => reject(new Error("media error " + (media.error && media.error.code))),
                           { once: true });
})"""

# Where the newest log line sits inside its scrolling box: fully inside it, while the oldest
# has scrolled out of sight above.
LOG_BOX_POSITIONS = """box => {
    const frame = box.getBoundingClientRect();
    const lines = box.querySelectorAll("li");
    const first = lines[0].getBoundingClientRect(), last = lines[lines.length - 1].getBoundingClientRect();
    return {
        lastInside: last.top >= frame.top - 1 && last.bottom <= frame.bottom + 1,
        firstAbove: first.bottom <= frame.top + 1,
        boxHeight: frame.height,
    };
}"""


def finished_job(user):
    job = submission.create_job(
        user=user,
        model=MODELS["kling-avatar-pro"],
        image=check_image(portrait_png()),
        audio=check_audio(speech_wav(seconds=2.0)),
    )
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=JobState.COMPLETED).first(),
        timeout=30,
        message="the job to complete",
    )


def with_earlier_log_lines(job, total):
    """A long render's log: older lines before the ones the engine wrote, up to `total`."""
    start = timezone.now() - timedelta(minutes=10)
    earlier = [
        {
            "timestamp": (start + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
            "message": f"Warming up the renderer, step {n + 1}",
        }
        for n in range(total - len(job.logs))
    ]
    Job.objects.filter(pk=job.pk).update(logs=earlier + job.logs)
    job.refresh_from_db()
    return job


def log_in_as_staff(page, base_url):
    make_user("root", is_staff=True, is_superuser=True)
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_staff_review_a_finished_job_with_previews_a_readable_log_and_compact_events(
    fal_engine, task_worker, live_server, page, screenshot
):
    job = with_earlier_log_lines(finished_job(make_user("bea")), LOG_LINES)
    newest_line = job.logs[-1]["message"]
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_as_staff(page, live_server.url)

    page.goto(f"{live_server.url}/admin/jobs/job/{job.pk}/change/")

    # The model's log: a list of lines, opened at the newest, never a JSON blob.
    log_box = page.get_by_role("region", name="Model log")
    expect(log_box.locator("li")).to_have_count(LOG_LINES)
    expect(page.get_by_text(f"{LOG_LINES} lines, newest last.")).to_be_visible()
    expect(log_box.locator("li").last).to_contain_text(newest_line)
    expect(log_box.get_by_text("Downloading inputs")).to_have_count(1)
    assert '"timestamp"' not in page.content()
    log_box.scroll_into_view_if_needed()
    positions = log_box.evaluate(LOG_BOX_POSITIONS)
    assert positions["lastInside"] and positions["firstAbove"], positions
    assert positions["boxHeight"] < 400

    # The finished video plays, beside the portrait and the speech it was made from.
    video = page.locator(".job-preview-video video")
    portrait = page.get_by_role("img", name="The portrait this video was made from")
    speech = page.locator(".job-preview-audio audio")
    assert video.evaluate(MEDIA_DURATION) > 0
    assert video.get_attribute("poster")
    assert speech.evaluate(MEDIA_DURATION) == pytest.approx(2.0, abs=0.05)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=portrait.element_handle(), timeout=10_000
    )
    tops = [element.bounding_box()["y"] for element in (video, portrait, speech)]
    lefts = [element.bounding_box()["x"] for element in (video, portrait, speech)]
    assert max(tops) - min(tops) < 60 and lefts == sorted(lefts) and len(set(lefts)) == 3, (tops, lefts)

    # Every event one row: time, kind, from → to, message.
    rows = page.get_by_role("region", name="Event log").locator("tbody tr")
    expect(rows).to_have_count(job.events.count())
    expect(rows.filter(has_text="→ completed")).to_have_count(1)
    row_heights = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
    screenshot("admin-job-desktop")
    assert max(row_heights) < 40, row_heights

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, f"the page is {height} px tall"
    assert page.evaluate("window.cspViolations") == []
    screenshot("admin-job-desktop")

    # On a phone the three previews stack.
    page.set_viewport_size({"width": 390, "height": 844})
    lefts = [element.bounding_box()["x"] for element in (video, portrait, speech)]
    tops = [element.bounding_box()["y"] for element in (video, portrait, speech)]
    assert max(lefts) - min(lefts) < 2 and tops == sorted(tops), (lefts, tops)
    screenshot("admin-job-phone")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_admin_index_draws_the_monitoring_descriptions_as_sentences(live_server, page, viewport):
    from tests.browser.test_every_page import signed_in

    signed_in(page, live_server.url, make_user("root", is_staff=True, is_superuser=True))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/admin/")

    rows = page.locator(".app-monitoring tr:has(td)")
    expect(rows).to_have_count(2)
    for row in rows.all():
        # One letter a line made each row about 420 px tall; a sentence takes three lines at most.
        assert row.bounding_box()["height"] < 90, row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_admin_job_list_shows_each_jobs_title(live_server, page):
    from tests.avatars.builders import make_job
    from tests.browser.test_every_page import signed_in

    staff = make_user("root", is_staff=True, is_superuser=True)
    make_job(staff, title="Quarterly numbers for the board")
    signed_in(page, live_server.url, staff)
    page.goto(f"{live_server.url}/admin/jobs/job/")

    expect(page.get_by_role("columnheader", name="Title")).to_be_visible()
    expect(page.locator("td.field-title_column")).to_have_text("Quarterly numbers for the board")
