"""Every page, at a desktop and a phone width, in real Chromium: axe-core (the npm package,
pinned in package.json) finds no serious or critical accessibility violation, nothing scrolls
sideways, the page has exactly one h1, and a full-page screenshot is saved for review."""

import functools
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from batches.models import Batch, BatchItem
from engine.render import render_avatar_video
from jobs.models import JobState
from jobs.state import charge_for
from outbox.models import Delivery, DeliveryAttempt, Message, WebhookEndpoint
from sharing import services as sharing
from tests.avatars.builders import PRO, STANDARD, completed_job, make_job
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_user
from tests.fixtures.make_fixtures import PORTRAIT, SPEECH

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

# Only what a person is stopped by: "serious" and "critical" are axe's two highest impacts.
RUN_AXE = """async () => {
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations
        .filter(violation => violation.impact === "serious" || violation.impact === "critical")
        .map(violation => ({
            id: violation.id, impact: violation.impact, help: violation.help,
            nodes: violation.nodes.slice(0, 5).map(node => node.target.join(" ") + ": " + node.failureSummary),
        }));
}"""

# Between the site header and the first thing on the page (a flash message, a breadcrumb or the
# title), in CSS pixels; None on pages without the site's header (the admin, the API docs).
MIN_HEADER_GAP = 24
HEADER_GAP = """() => {
    const header = document.querySelector(".site-header");
    const first = document.querySelector("main > :not(script)");
    if (!header || !first) return null;
    return first.getBoundingClientRect().top - header.getBoundingClientRect().bottom;
}"""


@functools.cache
def rendered_video() -> tuple[bytes, float]:
    """A real talking-portrait MP4 of the project's own fixtures and its length in seconds,
    made once per test process."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "video.mp4"
        seconds = render_avatar_video(PORTRAIT, SPEECH, output, long_side=256)
        return output.read_bytes(), seconds


def finished_job(user, **fields):
    video, seconds = rendered_video()
    fields.setdefault("title", "Hello from the new team lead")
    job = completed_job(user, video=video, prompt="Smiles and says hello to the new team", **fields)
    job.audio_duration = job.video_duration = seconds
    job.poster.save("poster.jpg", ContentFile(PORTRAIT.read_bytes()), save=False)
    job.image_file.save("portrait.jpg", ContentFile(PORTRAIT.read_bytes()), save=False)
    job.audio_file.save("speech.ogg", ContentFile(SPEECH.read_bytes()), save=False)
    job.save()
    return job


def shared_job(user):
    job = finished_job(user, title="Hello from Ada")
    sharing.share(job)
    return job


def job_in(state):
    def build(user):
        extra = (
            {"logs": [{"timestamp": "2026-01-01T10:00:00Z", "message": "Generating frames 40/139"}]}
            if state == JobState.IN_PROGRESS
            else {}
        )
        if state == JobState.IN_QUEUE:
            extra["queue_position"] = 2
        job = make_job(user, state, title="Welcome for new customers", prompt="A warm welcome, nodding", **extra)
        return f"/videos/{job.pk}/"

    return build


def gallery_with_jobs(user):
    finished_job(user)
    make_job(user, JobState.IN_PROGRESS, title="Quarterly numbers", prompt="Explains the quarterly numbers")
    make_job(user, JobState.FAILED, title="Product tour, take 1", model=STANDARD, created_ago=timedelta(hours=2))
    make_job(user, JobState.CANCELLED, title="Birthday greeting", prompt="", created_ago=timedelta(days=1))
    return "/videos/"


def jobs_that_ended(user):
    """Jobs made a while ago (the builders stamp queued_at before the row's own created_at)."""
    ago = timedelta(minutes=5)
    finished_job(user, created_ago=ago)
    make_job(user, JobState.FAILED, model=STANDARD, created_ago=ago)
    make_job(user, JobState.CANCELLED, created_ago=ago)
    return user


def batch_under_way(user):
    batch = Batch.objects.create(user=user, endpoint_id=PRO.endpoint_id, prompt="Reads the week's news")
    jobs = [
        finished_job(user),
        make_job(user, JobState.IN_PROGRESS),
        make_job(user, JobState.FAILED),
        make_job(user, JobState.IN_QUEUE),
    ]
    for position, job in enumerate(jobs):
        BatchItem.objects.create(batch=batch, job=job, position=position)
    return f"/batches/{batch.pk}/"


def batches_listed(user):
    batch_under_way(user)
    finished = Batch.objects.create(user=user, endpoint_id=STANDARD.endpoint_id, finished_at=timezone.now())
    BatchItem.objects.create(
        batch=finished,
        job=finished_job(user, title="A very long title that goes on and on, for the narrowest screens"),
        position=0,
    )
    return "/batches/"


def credits_with_history(user):
    """A job held, charged and its rest returned, beside a grant: every kind of row."""
    from credits import services as credits

    job = finished_job(user, title="Charged_for_a_clip_with_a_long_file_name_without_spaces.wav")
    credits.reserve_for_job(job, 1162)
    credits.settle_job(job, **charge_for(job))
    credits.adjust(user, 500, by=None, note="Thanks for the bug report")
    return "/credits/"


def endpoint_with_deliveries(user):
    endpoint = WebhookEndpoint.objects.create(
        user=user, url="https://hooks.example.com/avatar-studio", description="Our CRM"
    )
    for state, status_code in ((Delivery.State.SUCCEEDED, 200), (Delivery.State.FAILED, 500)):
        message = Message.objects.create(user=user, type="job.completed", payload={"type": "job.completed"})
        delivery = Delivery.objects.create(
            message=message, endpoint=endpoint, url=endpoint.url, state=state, attempt_count=1
        )
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=timezone.now(),
            status_code=status_code,
            latency_ms=84,
            response_snippet='{"ok": true}',
        )
    return endpoint


def password_reset_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/password/reset/{uid}/{default_token_generator.make_token(user)}/"


def submit_empty_form(page):
    page.get_by_role("button", name="Create video").click()
    page.wait_for_load_state()


def sign_up_badly(page):
    page.get_by_label("Username").fill("bea")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()


def swagger_drawn(page):
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock-summary").first.wait_for()


def log_out(page):
    menu = page.locator(".nav-menu > summary")
    if menu.is_visible():  # a phone: the links are in the menu
        menu.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


@dataclass(frozen=True)
class Visit:
    who: str  # "visitor", "user" or "staff"
    path: object  # a path, or build(user) -> path
    then: object = None  # what the person does on the page before it is checked


PAGES = {
    "home": Visit("visitor", "/"),
    "login": Visit("visitor", "/accounts/login/"),
    "sign-up": Visit("visitor", "/accounts/signup/"),
    "sign-up-with-errors": Visit("visitor", "/accounts/signup/", sign_up_badly),
    "password-reset": Visit("visitor", "/accounts/password/reset/"),
    "password-reset-sent": Visit("visitor", "/accounts/password/reset/sent/"),
    "password-reset-new-password": Visit("visitor", lambda user: password_reset_link(make_user("bea"))),
    "password-reset-expired-link": Visit("visitor", "/accounts/password/reset/MQ/expired-token/"),
    "password-reset-done": Visit("visitor", "/accounts/password/reset/done/"),
    "logged-out": Visit("user", "/create/", log_out),
    "create": Visit("user", "/create/"),
    "create-with-errors": Visit("user", "/create/", submit_empty_form),
    "gallery-empty": Visit("user", "/videos/"),
    "gallery": Visit("user", gallery_with_jobs),
    "job-waiting": Visit("user", job_in(JobState.PENDING)),
    "job-queued": Visit("user", job_in(JobState.IN_QUEUE)),
    "job-in-progress": Visit("user", job_in(JobState.IN_PROGRESS)),
    "job-finished": Visit("user", lambda user: f"/videos/{finished_job(user).pk}/"),
    "job-failed": Visit("user", job_in(JobState.FAILED)),
    "job-cancelled": Visit("user", job_in(JobState.CANCELLED)),
    "job-timed-out": Visit("user", job_in(JobState.TIMED_OUT)),
    "job-shared": Visit("user", lambda user: f"/videos/{shared_job(user).pk}/"),
    "share-page": Visit("visitor", lambda user: f"/s/{shared_job(make_user('ada')).share_link.token}"),
    "job-delete": Visit("user", lambda user: f"/videos/{finished_job(user).pk}/delete/"),
    "batch-new": Visit("user", "/batches/new/"),
    "batch": Visit("user", batch_under_way),
    "batches-empty": Visit("user", "/batches/"),
    "batches": Visit("user", batches_listed),
    "credits-history": Visit("user", credits_with_history),
    "credits": Visit("user", "/credits/"),
    "api-tokens": Visit("user", "/settings/tokens/"),
    "webhooks-empty": Visit("user", "/settings/webhooks/"),
    "webhooks": Visit("user", lambda user: endpoint_with_deliveries(user) and "/settings/webhooks/"),
    "webhook-new": Visit("user", "/settings/webhooks/new/"),
    "webhook": Visit("user", lambda user: f"/settings/webhooks/{endpoint_with_deliveries(user).pk}/"),
    "webhook-delete": Visit("user", lambda user: f"/settings/webhooks/{endpoint_with_deliveries(user).pk}/delete/"),
    "password-change": Visit("user", "/accounts/password/change/"),
    "notifications": Visit("user", "/settings/notifications/"),
    "sdk": Visit("user", "/sdk/"),
    "api-docs": Visit("user", "/api/docs/", swagger_drawn),
    "admin": Visit("staff", "/admin/"),
    "admin-jobs": Visit("staff", lambda user: gallery_with_jobs(user) and "/admin/jobs/job/"),
    "admin-job": Visit("staff", lambda user: f"/admin/jobs/job/{finished_job(user).pk}/change/"),
    "monitoring": Visit("staff", lambda user: jobs_that_ended(user) and "/admin/monitoring/"),
}


def signed_in(page, base_url, user):
    """The browser carries a session made by Django's own test client (no login form to fill)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def readable(violations):
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines += [textwrap.indent(node, "    ") for node in violation["nodes"]]
    return "\n".join(lines)


def problems_at(page, path, width):
    """What is wrong with the page as it is now shown, at `width`, after saving its screenshot."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script>
    # tag with this text would be refused), so the page is checked with its real policy on.
    page.evaluate(AXE.read_text())
    violations = page.evaluate(RUN_AXE)
    page_width = page.evaluate("({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })")
    headings = page.locator("h1").all_inner_texts()
    gap = page.evaluate(HEADER_GAP)
    problems = []
    if violations:
        problems.append(f"axe on {path} ({width}):\n{readable(violations)}")
    if page_width["scroll"] > page_width["inner"]:
        problems.append(f"{path} scrolls sideways at {width} width: {page_width}")
    if len(headings) != 1:
        problems.append(f"{path} has {len(headings)} h1 headings at {width} width: {headings}")
    if gap is not None and gap < MIN_HEADER_GAP:
        problems.append(f"{path}: the page starts {gap} px under the header ({width})")
    return problems


@pytest.mark.parametrize("name", list(PAGES))
def test_page_passes_axe_fits_the_screen_has_one_h1_and_clears_the_header(name, live_server, page, settings, tmp_path):
    """One page at both widths (one database set-up): it is visited afresh at each width,
    since what the person does first (a form sent with errors) is part of the page."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    visit = PAGES[name]
    user = None
    if visit.who != "visitor":
        user = make_user("alice", is_staff=visit.who == "staff", is_superuser=visit.who == "staff")
        signed_in(page, live_server.url, user)
    path = visit.path(user) if callable(visit.path) else visit.path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    problems = []
    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}{path}")
        if visit.then:
            visit.then(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        problems += problems_at(page, path, width)
        if visit.who == "user" and visit.then is log_out:
            signed_in(page, live_server.url, user)  # logging out ended the session the next width needs

    assert problems == [], "\n".join(problems)
