"""A watched job's end shows in the tab's title and, with the person's permission, as a
system notification."""

import pytest
from playwright.sync_api import expect

from jobs.models import JobState
from jobs.state import fail_job
from tests.avatars.builders import make_job
from tests.browser.test_every_page import signed_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

# Chromium headless draws no notifications; what the page asked to show is recorded instead.
RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
const RealNotification = window.Notification;
window.Notification = function (title, options) {
  window.shownNotifications.push({ title: title, body: options && options.body });
  return new RealNotification(title, options);
};
window.Notification.requestPermission = RealNotification.requestPermission.bind(RealNotification);
Object.defineProperty(window.Notification, "permission", { get: () => RealNotification.permission });
"""


def test_the_tab_title_and_a_notification_say_when_a_watched_job_fails(live_server, page):
    user = make_user("ada")
    job = make_job(user, JobState.IN_PROGRESS, title="Hello from Ada")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    signed_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/videos/{job.pk}/")
    page.wait_for_load_state("load")

    fail_job(job.id, "Could not detect a face in the image")

    expect(page).to_have_title("✗ Failed: Hello from Ada", timeout=20_000)
    assert page.evaluate("window.shownNotifications") == [{"title": "Your video failed", "body": "Hello from Ada"}]


def test_the_page_offers_to_ask_for_permission_only_while_it_would_be_asked(live_server, page):
    user = make_user("ada")
    job = make_job(user, JobState.IN_PROGRESS)
    signed_in(page, live_server.url, user)

    page.goto(f"{live_server.url}/videos/{job.pk}/")

    expect(page.get_by_role("button", name="Tell me in this browser when it ends")).to_be_visible()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.reload()
    expect(page.get_by_role("button", name="Tell me in this browser when it ends")).to_be_hidden()
