"""The API docs page in real Chromium under the site's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

OPERATIONS = [
    "/api/generate/kling-avatar/submit",
    "/api/generate/kling-avatar/status",
    "/api/generate/kling-avatar/result",
    "/api/generate/kling-avatar/cancel",
    "/api/generate/upload-file",
    "/api/jobs",
    "/api/me",
]


def test_docs_page_renders_every_operation_without_csp_violations(live_server, page, screenshot):
    # Listening from the first script on: any blocked script, style or request is recorded.
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => "
        "window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Avatar Studio API")
    for path in OPERATIONS:
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]')).to_be_visible()
    page.locator('.opblock-summary-path[data-path="/api/me"]').click()
    expect(page.locator(".opblock-body .responses-table").first).to_contain_text("not_authenticated")
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    screenshot("api-docs")

    assert page.evaluate("window.cspViolations") == []
    assert all(url.startswith(live_server.url) for url in requests), [
        url for url in requests if not url.startswith(live_server.url)
    ]
