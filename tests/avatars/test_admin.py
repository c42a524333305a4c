import re
from datetime import UTC, datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.urls import reverse

from jobs.models import Asset, Job, JobEvent, JobState
from tests.avatars.builders import STANDARD, completed_job, make_job
from tests.factories import make_user, portrait_jpeg, speech_wav

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:jobs_job_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def listed_ids(response):
    return set(re.findall(r'name="_selected_action" value="([0-9a-f-]{36})"', response.content.decode()))


def act(client, action, *jobs):
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [str(job.id) for job in jobs]}, follow=True
    )


def test_job_list_shows_status_user_model_duration_and_request_id(staff_client, user):
    completed_job(user, request_id="req-abc123")

    html = staff_client.get(CHANGELIST).content.decode()

    for text in ("Completed", "alice", "Kling AI Avatar Pro", "4.0 s", "req-abc123"):
        assert text in html
    for column in (
        "column-state",
        "column-user",
        "column-model_label",
        "column-duration",
        "column-created_at",
        "column-finished_at",
        "column-request_id",
    ):
        assert column in html


def test_job_list_shows_a_short_id_linking_to_the_job_with_the_whole_id_in_its_tooltip(staff_client, user):
    job = completed_job(user)

    html = staff_client.get(CHANGELIST).content.decode()

    link = reverse("admin:jobs_job_change", args=[job.pk])
    assert f'<a href="{link}"><span title="{job.pk}">{str(job.pk)[:8]}</span></a>' in html
    assert 'id="nav-sidebar"' not in html  # the list has the page's whole width


def test_job_times_are_shown_to_the_second_in_the_list_and_on_the_page(staff_client, user):
    job = completed_job(user)
    Job.objects.filter(pk=job.pk).update(
        created_at=datetime(2026, 12, 7, 4, 10, 9, tzinfo=UTC),
        finished_at=datetime(2026, 12, 7, 4, 12, 41, tzinfo=UTC),
    )

    listing = staff_client.get(CHANGELIST).content.decode()
    page = staff_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()

    for html in (listing, page):
        assert "Dec. 7, 2026, 04:10:09" in html and "Dec. 7, 2026, 04:12:41" in html


def test_job_list_filters_by_status_model_date_and_user(staff_client, user, other_user):
    failed = make_job(user, JobState.FAILED)
    standard = make_job(other_user, JobState.COMPLETED, model=STANDARD)

    assert listed_ids(staff_client.get(CHANGELIST, {"state__exact": "failed"})) == {str(failed.id)}
    assert listed_ids(staff_client.get(CHANGELIST, {"endpoint_id": STANDARD.endpoint_id})) == {str(standard.id)}
    assert listed_ids(staff_client.get(CHANGELIST, {"user__id__exact": other_user.id})) == {str(standard.id)}
    today = failed.created_at
    by_date = staff_client.get(
        CHANGELIST, {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day}
    )
    assert listed_ids(by_date) == {str(failed.id), str(standard.id)}


def test_job_search_finds_by_id_request_id_and_username(staff_client, user, other_user):
    mine = make_job(user, JobState.FAILED, request_id="req-needle")
    theirs = make_job(other_user, JobState.FAILED)

    assert listed_ids(staff_client.get(CHANGELIST, {"q": "req-needle"})) == {str(mine.id)}
    assert listed_ids(staff_client.get(CHANGELIST, {"q": "mallory"})) == {str(theirs.id)}
    assert listed_ids(staff_client.get(CHANGELIST, {"q": str(theirs.id)})) == {str(theirs.id)}
    assert staff_client.get(CHANGELIST, {"q": "not-a-uuid"}).status_code == 200


def test_change_page_plays_the_video_shows_the_event_log_and_edits_nothing(staff_client, user):
    job = completed_job(user)
    JobEvent.objects.create(
        job=job, kind=JobEvent.Kind.TRANSITION, from_state="in_progress", to_state="completed", message="Video stored."
    )

    response = staff_client.get(reverse("admin:jobs_job_change", args=[job.id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        rf'<video controls[^>]*src="{re.escape(job.video.url)}" poster="{re.escape(job.poster.url)}"', html
    )
    assert "Event log" in html and "Video stored." in html
    assert not re.search(r'<(input|textarea|select)[^>]*name="(state|request_id|error|prompt|video|logs)"', html)
    assert 'name="events-0-message"' not in html


def test_retry_action_starts_a_new_attempt_for_failed_jobs_only(staff_client, user):
    failed = make_job(
        user, JobState.FAILED, image_url="https://example.com/a.png", audio_url="https://example.com/a.wav"
    )
    done = completed_job(user)

    response = act(staff_client, "retry_jobs", failed, done)

    retry = Job.objects.exclude(pk__in=[failed.pk, done.pk]).get()
    assert retry.state == JobState.PENDING and retry.image_url == failed.image_url and retry.user == user
    assert "Started 1 new attempt(s)." in response.content.decode()
    assert "Skipped 1 job(s)" in response.content.decode()
    assert Job.objects.count() == 3


def test_cancel_action_cancels_unfinished_jobs(staff_client, user):
    waiting = make_job(user, JobState.PENDING)
    done = completed_job(user)

    response = act(staff_client, "cancel_jobs", waiting, done)

    waiting.refresh_from_db()
    done.refresh_from_db()
    assert waiting.state == JobState.CANCELLED and done.state == JobState.COMPLETED
    assert "Cancelled 1 job(s)." in response.content.decode()
    assert JobEvent.objects.filter(job=waiting, to_state="cancelled", message__contains="root").exists()


def test_mark_reviewed_action_stamps_and_logs_the_review(staff_client, user):
    job = completed_job(user)

    act(staff_client, "mark_jobs_reviewed", job)

    job.refresh_from_db()
    assert job.reviewed_at is not None
    assert JobEvent.objects.filter(job=job, message="Marked reviewed by root.").exists()


def test_deleting_in_the_admin_removes_the_stored_files(
    staff_client, user, media_root, django_capture_on_commit_callbacks
):
    job = completed_job(user)
    video = media_root / job.video.name

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:jobs_job_delete", args=[job.id]), {"post": "yes"})

    assert not Job.objects.filter(pk=job.pk).exists() and not video.exists()


def test_assets_are_listed_read_only(staff_client, user):
    asset = Asset.objects.create(
        user=user, kind="image", sha256="ab" * 32, content_type="image/png", size=10, fal_url="https://fal.media/x.png"
    )

    listing = staff_client.get(reverse("admin:jobs_asset_changelist"))
    page = staff_client.get(reverse("admin:jobs_asset_change", args=[asset.pk]))

    assert "abababababab" in listing.content.decode()
    assert page.status_code == 200 and 'name="fal_url"' not in page.content.decode()
    assert staff_client.get(reverse("admin:jobs_asset_add")).status_code == 403


def test_failed_job_page_has_a_retry_button_that_starts_a_new_attempt(staff_client, user):
    failed = make_job(user, state=JobState.FAILED, error="The model failed.")
    page = staff_client.get(reverse("admin:jobs_job_change", args=[failed.pk])).content.decode()
    assert "Retry as a new attempt" in page and "Cancel job" not in page

    response = staff_client.post(reverse("admin:jobs_job_retry", args=[failed.pk]), follow=True)

    retry = Job.objects.exclude(pk=failed.pk).get()
    assert retry.state == JobState.PENDING
    assert response.redirect_chain[-1][0] == reverse("admin:jobs_job_change", args=[retry.pk])


def test_completed_job_cannot_be_retried_from_its_page(staff_client, user):
    done = completed_job(user)

    response = staff_client.post(reverse("admin:jobs_job_retry", args=[done.pk]), follow=True)

    assert "Only failed, cancelled or timed-out jobs" in response.content.decode()
    assert Job.objects.count() == 1


def test_job_page_buttons_cancel_and_mark_reviewed(staff_client, user):
    running = make_job(user, state=JobState.IN_QUEUE)

    staff_client.post(reverse("admin:jobs_job_cancel", args=[running.pk]))
    staff_client.post(reverse("admin:jobs_job_review", args=[running.pk]))

    running.refresh_from_db()
    assert running.state == JobState.CANCELLED
    assert running.reviewed_at is not None


def test_job_page_buttons_need_staff_and_post(client, user):
    job = make_job(user, state=JobState.IN_QUEUE)
    client.force_login(user)

    assert client.post(reverse("admin:jobs_job_cancel", args=[job.pk])).status_code == 302  # to the admin login
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:jobs_job_cancel", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.state == JobState.IN_QUEUE


def change_page(client, job):
    response = client.get(reverse("admin:jobs_job_change", args=[job.id]))
    assert response.status_code == 200
    return response.content.decode()


def test_job_page_lists_the_model_log_one_line_per_entry_newest_last(staff_client, user):
    job = completed_job(
        user,
        logs=[
            {"timestamp": "2026-11-25T12:00:01.250Z", "message": "Downloading inputs", "level": "INFO"},
            {"timestamp": "2026-11-25T12:00:03.500Z", "message": "Generating frames 139/139", "level": "WARNING"},
            {"timestamp": "2026-11-25T12:00:04.000Z", "message": "Uploading result"},
        ],
    )

    html = change_page(staff_client, job)

    lines = re.findall(r"<li>(.*?)</li>", html[html.index('class="job-log-lines"') :], re.S)[:3]
    assert [re.sub(r"<[^>]+>", "", line) for line in lines] == [
        "12:00:01.250 INFO Downloading inputs",
        "12:00:03.500 WARNING Generating frames 139/139",
        "12:00:04.000 Uploading result",
    ]
    assert '<time datetime="2026-11-25T12:00:01.250Z">' in html
    assert "3 lines, newest last." in html
    assert '"timestamp"' not in html and "&quot;timestamp&quot;" not in html


def test_job_page_shows_fals_output_as_collapsed_pretty_json(staff_client, user):
    job = completed_job(user, fal_output={"video": {"url": "https://fal.media/v.mp4", "file_size": 123}})

    html = change_page(staff_client, job)

    details = re.search(r'<details class="job-fal-output">.*?</details>', html, re.S).group(0)
    assert '<details class="job-fal-output" open' not in html
    assert '"video": {\n    "file_size": 123,' in details.replace("&quot;", '"')


def test_job_page_previews_the_video_and_both_stored_inputs_for_staff_only(staff_client, client, user, other_user):
    job = completed_job(user)
    job.image_file.save("portrait.jpg", ContentFile(portrait_jpeg()), save=False)
    job.audio_file.save("speech.wav", ContentFile(speech_wav()), save=True)

    html = change_page(staff_client, job)

    assert re.search(
        rf'<video controls preload="metadata" src="{re.escape(job.video.url)}" poster="{re.escape(job.poster.url)}"',
        html,
    )
    assert f'<img src="{job.image_file.url}" alt="The portrait this video was made from">' in html
    assert f'<audio controls preload="metadata" src="{job.audio_file.url}">' in html
    for url in (job.video.url, job.image_file.url, job.audio_file.url):
        assert staff_client.get(url).status_code == 200
    client.force_login(other_user)
    for url in (job.video.url, job.image_file.url, job.audio_file.url):
        assert client.get(url).status_code == 404


def test_job_page_links_input_urls_the_page_may_not_load(staff_client, user):
    job = make_job(
        user,
        JobState.FAILED,
        image_url="https://example.com/face.png",
        audio_url="http://testserver/_fal/cdn/files/speech.wav",
    )

    html = change_page(staff_client, job)

    assert "No video stored." in html
    assert '<img src="https://example.com/face.png"' not in html
    assert '<a href="https://example.com/face.png" rel="noreferrer">Open the portrait</a>' in html
    assert '<audio controls preload="metadata" src="http://testserver/_fal/cdn/files/speech.wav">' in html


def test_job_page_lists_events_one_row_each_with_their_state_change(staff_client, user):
    job = completed_job(user)
    JobEvent.objects.create(job=job, kind=JobEvent.Kind.POLL, message="IN_QUEUE", data={"queue_position": 2})
    JobEvent.objects.create(
        job=job, kind=JobEvent.Kind.TRANSITION, from_state="in_progress", to_state="completed", message="Video stored."
    )

    html = change_page(staff_client, job)

    rows = re.findall(r'<tr class="job-event-(\w+)">(.*?)</tr>', html, re.S)
    assert [kind for kind, _ in rows] == ["poll", "transition"]
    cells = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for _, row in rows
    ]
    assert [cell[1:] for cell in cells] == [
        ["poll", "", "IN_QUEUE", '{"queue_position": 2}'.replace('"', "&quot;")],
        ["transition", "in_progress → completed", "Video stored.", ""],
    ]
    assert "events-TOTAL_FORMS" not in html


def test_job_page_has_no_inline_styles(staff_client, user):
    html = change_page(staff_client, completed_job(user))

    assert " style=" not in html and "<style" not in html
