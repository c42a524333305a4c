"""The site's shared look and its accessibility in real Chromium: keyboard focus, the skip
link, the phone navigation, the type scale, and counts announced to screen readers."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from batches.models import Batch, BatchItem
from jobs.models import Job, JobState
from tests.avatars.builders import PRO, make_job
from tests.browser.test_every_page import signed_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# The font size a custom property of the type scale resolves to on this page, in px.
SCALE_SIZE = """step => {
    const probe = document.createElement("span");
    probe.style.fontSize = `var(${step})`;
    document.body.append(probe);
    const size = getComputedStyle(probe).fontSize;
    probe.remove();
    return size;
}"""


def contrast(rgb_one, rgb_two):
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(rgb):
        channels = [int(value) / 255 for value in re.findall(r"\d+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(rgb_one), luminance(rgb_two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_skip_link_is_the_first_tab_stop_and_takes_focus_to_the_page_content(live_server, page):
    signed_in(page, live_server.url, make_user())
    page.goto(f"{live_server.url}/videos/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, f"the focused skip link is off screen: {box}"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), (
        "the next tab stop is not in the page content"
    )


def test_keyboard_focus_is_drawn_as_a_ring_that_stands_out_from_the_page(live_server, page):
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the skip link, onto the brand
    ring = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return { text: document.activeElement.textContent, style: style.outlineStyle,
                     width: parseFloat(style.outlineWidth), colour: style.outlineColor,
                     page: getComputedStyle(document.querySelector(".site-header")).backgroundColor };
        }"""
    )

    assert "Avatar Studio" in ring["text"]
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    assert contrast(ring["colour"], ring["page"]) >= 3, ring


def test_phone_navigation_is_one_line_with_a_menu_that_shows_every_link_big_enough_to_tap(live_server, page):
    signed_in(page, live_server.url, make_user(is_staff=True))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/create/")
    expect(page.locator(".engine-badge")).to_be_visible()  # local mode: the widest header there is

    header = page.locator(".header-inner")
    brand, menu = page.locator(".brand"), page.locator(".nav-menu > summary")
    expect(page.get_by_role("navigation", name="Main", exact=True)).to_be_hidden()
    # Brand, badge and Menu share one line: the header is no taller than its tallest item.
    brand_box, menu_box = brand.bounding_box(), menu.bounding_box()
    assert header.bounding_box()["height"] <= max(brand_box["height"], menu_box["height"]) + 30
    assert menu_box["height"] < 48, f"the Menu button wraps: {menu_box}"
    # Centred on one line, not stacked (a second line would put Menu a whole row lower).
    assert abs((brand_box["y"] + brand_box["height"] / 2) - (menu_box["y"] + menu_box["height"] / 2)) < 4

    menu.click()
    targets = page.get_by_role("navigation", name="Main menu").locator("a, button")
    expect(targets).to_have_count(10)
    for target in targets.all():
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{target.inner_text()} sticks out: {box}"
        assert box["height"] >= 36, (
            f"{target.inner_text()} is {box['height']} px tall, too small a target for a finger"
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Batches").click()
    expect(page.get_by_role("heading", name="Batches")).to_be_visible()


def test_desktop_navigation_shows_its_links_in_a_row_and_no_menu(live_server, page):
    signed_in(page, live_server.url, make_user())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/videos/")

    expect(page.locator(".nav-menu")).to_be_hidden()
    links = page.get_by_role("navigation", name="Main", exact=True).locator("a")
    tops = {round(link.bounding_box()["y"]) for link in links.all()}
    assert len(tops) == 1, f"the links wrap onto {len(tops)} lines"


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/videos/", "/credits/", "/settings/webhooks/"]
)
def test_titles_body_text_and_top_spacing_come_from_the_shared_scales(path, live_server, page):
    signed_in(page, live_server.url, make_user())
    page.goto(f"{live_server.url}{path}")

    title_size = page.locator("h1").evaluate("h1 => getComputedStyle(h1).fontSize")
    body_size = page.evaluate("getComputedStyle(document.body).fontSize")
    main_top = page.locator("main").evaluate("main => getComputedStyle(main).paddingTop")
    space = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--space-6').trim()")

    assert title_size == page.evaluate(SCALE_SIZE, "--step-3") != body_size
    assert body_size == page.evaluate(SCALE_SIZE, "--step-0")
    assert space == "2rem" and main_top == "32px"


def test_batch_page_announces_its_new_counts_to_screen_readers(live_server, page):
    user = make_user()
    batch = Batch.objects.create(user=user, endpoint_id=PRO.endpoint_id)
    running = make_job(user, JobState.IN_PROGRESS)
    BatchItem.objects.create(batch=batch, job=running, position=0)
    BatchItem.objects.create(batch=batch, job=make_job(user, JobState.IN_QUEUE), position=1)
    signed_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    announce = page.locator("#batch-announce")
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(page.locator(".batch-totals")).to_contain_text("0 completed, 1 in progress, 1 pending or in queue")

    Job.objects.filter(pk=running.pk).update(
        state=JobState.FAILED, finished_at=timezone.now(), error="The model failed"
    )

    expect(announce).to_contain_text("0 completed, 0 in progress, 1 pending or in queue, 1 failed", timeout=10_000)
