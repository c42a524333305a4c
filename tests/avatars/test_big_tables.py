"""The admin job list and the gallery keep their cost flat as the jobs table grows: no query
over the whole table to build a filter, only the columns a page shows, elided page links."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from avatars.views import GALLERY_PAGE_SIZE
from jobs.models import Job, JobState
from tests.avatars.builders import PRO, make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:jobs_job_changelist")
GALLERY = reverse("avatars:gallery")


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def many_jobs(user, count, **fields):
    fields = {"endpoint_id": PRO.endpoint_id, "state": JobState.COMPLETED, "logs": [{"message": "step"}], **fields}
    return Job.objects.bulk_create(Job(user=user, prompt=f"Video {n}", **fields) for n in range(count))


def listed_ids(response):
    return set(re.findall(r'name="_selected_action" value="([0-9a-f-]{36})"', response.content.decode()))


def job_queries(captured):
    return [query["sql"] for query in captured.captured_queries if '"jobs_job"' in query["sql"]]


def job_listing(captured):
    """The query that loads the jobs a page shows (the others count them)."""
    return [sql for sql in job_queries(captured) if '"jobs_job"."created_at"' in sql.split(" FROM ")[0]]


def page_links(response):
    nav = re.search(r'<nav class="pagination".*?</nav>', response.content.decode(), re.S).group(0)
    # Page numbers only: "← Newer" and "Older →" carry a rel attribute.
    return re.findall(r'<a href="\?page=(\d+)">', nav), nav.count('<span class="ellipsis">…</span>')


def test_admin_job_list_runs_no_distinct_over_all_jobs(staff_client, user, django_assert_max_num_queries):
    many_jobs(user, 30)

    with django_assert_max_num_queries(12) as captured:
        response = staff_client.get(CHANGELIST)

    assert response.status_code == 200 and len(listed_ids(response)) == 30
    assert not [sql for sql in job_queries(captured) if "DISTINCT" in sql.upper()]
    # One count of the (filtered) list for the paginator, none of the whole table besides.
    assert len([sql for sql in job_queries(captured) if "COUNT(" in sql.upper()]) == 1


def test_admin_job_list_costs_the_same_queries_for_one_job_or_many(
    staff_client, user, django_assert_max_num_queries, django_assert_num_queries
):
    many_jobs(user, 1)
    with django_assert_max_num_queries(12) as one:
        staff_client.get(CHANGELIST)
    many_jobs(make_user("bob"), 40)
    many_jobs(make_user("carol"), 40)

    with django_assert_num_queries(len(one.captured_queries)):
        response = staff_client.get(CHANGELIST)

    assert len(listed_ids(response)) == 50  # a full first page


def test_admin_job_list_has_no_per_user_filter_listing_all_users(staff_client, user):
    for n in range(5):
        make_job(make_user(f"customer-{n}"), JobState.COMPLETED)
    make_job(user, JobState.FAILED)

    html = staff_client.get(CHANGELIST, {"state__exact": "failed"}).content.decode()

    assert "alice" in html
    assert not re.search(r"customer-\d", html)


def test_admin_job_list_filters_by_a_user_picked_from_the_list(staff_client, user, other_user):
    mine = make_job(user, JobState.COMPLETED)
    make_job(other_user, JobState.COMPLETED)
    html = staff_client.get(CHANGELIST).content.decode()
    link = re.search(rf'<a href="\?(user__id__exact={user.pk})"[^>]*>alice</a>', html)
    assert link

    response = staff_client.get(f"{CHANGELIST}?{link.group(1)}")

    assert listed_ids(response) == {str(mine.id)}
    sidebar = re.search(r'<search id="changelist-filter".*?</search>', response.content.decode(), re.S).group(0)
    assert "By user" in sidebar and "alice" in sidebar and "mallory" not in sidebar


def test_admin_job_list_filters_by_a_recent_date_range(staff_client, user):
    recent = make_job(user, JobState.COMPLETED, created_ago=timedelta(days=2))
    make_job(user, JobState.COMPLETED, created_ago=timedelta(days=40))
    html = staff_client.get(CHANGELIST).content.decode()
    past_week = (
        re.search(r'<a href="\?([^"]*created_at__gte[^"]*)">Past 7 days</a>', html).group(1).replace("&amp;", "&")
    )

    assert listed_ids(staff_client.get(f"{CHANGELIST}?{past_week}")) == {str(recent.id)}


def test_admin_job_list_loads_only_the_columns_it_shows(staff_client, user, django_assert_max_num_queries):
    many_jobs(user, 3, fal_output={"video": {"url": "https://fal.media/x.mp4"}})

    with django_assert_max_num_queries(12) as captured:
        staff_client.get(CHANGELIST)

    listing = job_listing(captured)
    assert len(listing) == 1 and not re.search(r'"(logs|fal_output|error|password)"', listing[0])


def test_gallery_pagination_is_elided(owner_client, user):
    many_jobs(user, GALLERY_PAGE_SIZE * 30)

    first, first_gaps = page_links(owner_client.get(GALLERY))
    middle, middle_gaps = page_links(owner_client.get(GALLERY, {"page": 15}))
    last, last_gaps = page_links(owner_client.get(GALLERY, {"page": 30}))

    assert first == ["2", "3", "30"] and first_gaps == 1
    assert middle == ["1", "13", "14", "16", "17", "30"] and middle_gaps == 2
    assert last == ["1", "28", "29"] and last_gaps == 1


def test_gallery_loads_only_the_columns_a_tile_shows(owner_client, user, django_assert_max_num_queries):
    many_jobs(user, GALLERY_PAGE_SIZE + 1, error="The model failed.", fal_output={"duration": 4.0})

    with django_assert_max_num_queries(8) as captured:
        response = owner_client.get(GALLERY)

    assert (
        response.status_code == 200
        and len(re.findall(r'<h2 class="tile-title">', response.content.decode())) == GALLERY_PAGE_SIZE
    )
    listing = job_listing(captured)
    assert len(listing) == 1 and not re.search(r'"(logs|fal_output|error)"', listing[0])


def test_admin_search_by_request_id_or_job_id_is_an_exact_match_not_a_substring_scan(
    staff_client, user, other_user, django_assert_max_num_queries
):
    needle = make_job(user, JobState.FAILED, request_id="0b1d6a4e-3c5f-4e1a-9a77-5d2b3c4e5f60")
    make_job(user, JobState.FAILED, request_id="0b1d6a4e-3c5f-4e1a-9a77-5d2b3c4e5f60-longer")
    theirs = make_job(other_user, JobState.COMPLETED)

    with django_assert_max_num_queries(12) as captured:
        by_request = staff_client.get(CHANGELIST, {"q": needle.request_id})
    by_id = staff_client.get(CHANGELIST, {"q": str(theirs.id)})
    by_part = staff_client.get(CHANGELIST, {"q": needle.request_id[:8]})

    assert listed_ids(by_request) == {str(needle.id)} and listed_ids(by_id) == {str(theirs.id)}
    assert listed_ids(by_part) == set()  # a piece of an id finds nothing: it would need a scan
    assert not [sql for sql in job_queries(captured) if " LIKE " in sql.upper() or "UPPER(" in sql.upper()]


def test_admin_job_list_and_search_cost_the_same_queries_at_any_page_size(
    staff_client, user, monkeypatch, django_assert_num_queries
):
    from jobs.admin import JobAdmin

    many_jobs(user, 30)
    for query in ({}, {"q": user.username}, {"state__exact": "completed"}):
        monkeypatch.setattr(JobAdmin, "list_per_page", 5)
        with CaptureQueriesContext(connection) as small:
            assert len(listed_ids(staff_client.get(CHANGELIST, query))) == 5
        monkeypatch.setattr(JobAdmin, "list_per_page", 25)
        with django_assert_num_queries(len(small.captured_queries)):
            assert len(listed_ids(staff_client.get(CHANGELIST, query))) == 25


def test_gallery_costs_the_same_queries_at_any_page_size_and_page(
    owner_client, user, monkeypatch, django_assert_num_queries
):
    many_jobs(user, 60)
    monkeypatch.setattr("avatars.views.GALLERY_PAGE_SIZE", 4)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(GALLERY)
    monkeypatch.setattr("avatars.views.GALLERY_PAGE_SIZE", 20)
    for page in (1, 2, 3):
        with django_assert_num_queries(len(small.captured_queries)):
            assert owner_client.get(GALLERY, {"page": page}).status_code == 200
