"""Every page carries a Content-Security-Policy that allows no inline script, and the pages
work under it (the browser tests run with it in force)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/", "/create/", "/videos/", "/credits/", "/admin/"]
)
def test_every_page_forbids_inline_and_foreign_scripts(client, user, path):
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)

    policy = client.get(path)["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
