"""Findings of issue 15 that are about a page's markup: each fixed and kept fixed."""

import re

import pytest

from tests.avatars.builders import make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_svg_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert re.fullmatch(r"/static/favicon(\.[0-9a-f]+)?\.svg", response["Location"])


def test_admin_job_page_has_no_inline_style_the_csp_would_block(client, user):
    staff = make_user("staff", is_staff=True, is_superuser=True)
    job = make_job(user)
    client.force_login(staff)

    response = client.get(f"/admin/jobs/job/{job.pk}/change/")

    assert response.status_code == 200
    assert "<style" not in response.content.decode()
    assert "css/admin-job" in response.content.decode()


def test_sign_up_says_the_password_rules_in_one_sentence(client):
    page = client.get("/accounts/signup/").content.decode()

    assert "At least 8 characters" in page
    assert "can’t be too similar" not in page and "can't be too similar" not in page
