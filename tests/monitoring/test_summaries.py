"""The dashboard's hourly summaries: once a worker has summed the closed hours, the 24-hour and
7-day windows read them and count only the last hours from the rows, and show what counting
every row shows (percentiles within the histograms' 1 %)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import JobState
from monitoring import dashboard, summaries
from monitoring.models import JobHour
from tests.monitoring.test_dashboard import DASHBOARD, bulk_jobs, ended_job

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def staff_client(client):
    from tests.factories import make_user

    client.force_login(make_user("root", is_staff=True))
    return client


def sum_every_closed_hour():
    while summaries.summarize_closed_hours():
        pass


def history(user):
    """Jobs that ended over the last days, each step's length varied, failures among them."""
    states = [JobState.COMPLETED] * 3 + [JobState.FAILED] + [JobState.COMPLETED, JobState.TIMED_OUT]
    for n in range(40):
        state = states[n % len(states)]
        ended_job(
            user,
            state,
            ago=HOUR * (n * 3 + 2) + timedelta(minutes=n),
            waited=1 + n % 7,
            queued=5 + n * 2.5,
            processing=250 + n * 11,
            ingest=1 + n % 3,
            error_type=["face_detection_error", "http_500"][n % 2] if state != JobState.COMPLETED else "",
            credits=100 + n,
        )


@pytest.mark.parametrize("window", ["24h", "7d"])
def test_the_summed_hours_show_what_counting_every_row_shows(user, window):
    history(user)
    now = timezone.now()
    spans = dashboard.buckets(dashboard.WINDOWS[window], now)
    direct = dashboard.counted_from_rows(spans)

    sum_every_closed_hour()
    ended_job(user, JobState.COMPLETED, ago=timedelta(minutes=3), credits=7)  # after the sums: counted live
    direct_after = dashboard.counted_from_rows(spans)
    hours = summaries.window_hours(spans[0][0], spans[-1][1], now, most_live=dashboard.MOST_LIVE_HOURS)
    assert hours is not None and JobHour.objects.exists()
    outcomes, timings, credits, created, reasons = dashboard.counted_from_hours(spans, hours)

    assert direct_after[0] != direct[0]  # the new job changed the rows' count ...
    assert outcomes == direct_after[0]  # ... and the summed hours' count with it
    assert credits == direct_after[2] and created == direct_after[3] and reasons == direct_after[4]
    expected = direct_after[1]
    assert timings["completed"] == expected["completed"] > 0
    for key, value in expected.items():
        if value is None or key == "completed":
            assert timings[key] == value, key
        else:
            assert timings[key] == pytest.approx(value, rel=0.01), key


def test_the_week_costs_the_same_queries_however_many_jobs_it_holds(staff_client, user):
    def queries_for_week():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(DASHBOARD, {"window": "7d"}).status_code == 200
        return queries

    bulk_jobs(user, 100)
    sum_every_closed_hour()
    few = queries_for_week()
    JobHour.objects.all().delete()
    bulk_jobs(user, 3_000)
    sum_every_closed_hour()
    many = queries_for_week()

    assert len(many) == len(few)
    # The week's hours read from the summaries: no percentile computed by the database.
    assert not any("percentile" in query["sql"].lower() for query in many.captured_queries)


def test_without_a_worker_the_week_is_counted_from_the_rows(staff_client, user):
    ended_job(user, JobState.COMPLETED, ago=timedelta(days=2))

    html = staff_client.get(DASHBOARD, {"window": "7d"}).content.decode()

    assert not JobHour.objects.exists()
    assert re.search(r"<dt>Completed</dt><dd[^>]*>1</dd>", html)


def test_an_hour_is_summed_once_it_has_been_over_for_the_grace():
    now = timezone.now().replace(minute=5, second=0, microsecond=0)

    while summaries.summarize_closed_hours(now):
        pass

    latest = JobHour.objects.latest("hour").hour
    assert latest == summaries.floor_hour(now) - 2 * HOUR  # the last hour ended 5 minutes ago: not yet
    summaries.summarize_closed_hours(now + timedelta(minutes=10))
    assert JobHour.objects.latest("hour").hour == summaries.floor_hour(now) - HOUR
