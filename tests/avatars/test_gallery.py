import os
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from avatars.views import GALLERY_PAGE_SIZE
from jobs.models import Job, JobState
from tests.avatars.builders import STANDARD, completed_job, make_job
from tests.avatars.test_downloads import download_url

pytestmark = pytest.mark.django_db
URL = reverse("avatars:gallery")


def titles(response):
    return re.findall(r'<h2 class="tile-title"><a href="[^"]+">(.*?)</a></h2>', response.content.decode())


def test_gallery_lists_only_my_videos_newest_first_with_poster_duration_and_status(owner_client, user, other_user):
    completed_job(user, title="Older one", created_ago=timedelta(days=2))
    make_job(user, JobState.FAILED, title="Newest one")
    make_job(other_user, JobState.COMPLETED, title="Someone else's")

    response = owner_client.get(URL)

    assert titles(response) == ["Newest one", "Older one"]
    html = response.content.decode()
    assert re.search(r'poster="/media/videos/\d+/[0-9a-f-]+/poster[^"]*\.jpg"', html)
    assert '<span class="thumb-duration">0:04</span>' in html
    assert 'data-state="failed">Failed<' in html and 'data-state="completed">Completed<' in html


def test_gallery_pages_hold_twelve_videos_with_page_links(owner_client, user):
    for number in range(14):
        make_job(user, JobState.COMPLETED, title=f"Video {number:02d}", created_ago=timedelta(minutes=number))

    first = owner_client.get(URL)
    second = owner_client.get(URL, {"page": 2})

    assert titles(first) == [f"Video {n:02d}" for n in range(12)]
    assert titles(second) == ["Video 12", "Video 13"]
    assert 'href="?page=2"' in first.content.decode() and 'href="?page=1"' in second.content.decode()


def test_gallery_filters_by_status_and_keeps_the_filter_across_pages(owner_client, user):
    for number in range(13):
        make_job(user, JobState.FAILED, title=f"Failed {number}", created_ago=timedelta(minutes=number))
    make_job(user, JobState.COMPLETED, title="Good one")

    response = owner_client.get(URL, {"status": "failed"})

    assert "Good one" not in titles(response) and len(titles(response)) == 12
    assert 'href="?status=failed&amp;page=2"' in response.content.decode()
    assert titles(owner_client.get(URL, {"status": "completed"})) == ["Good one"]


def test_delete_asks_for_confirmation_first_naming_the_video_by_its_title(owner_client, user):
    job = completed_job(user, title="Quarterly update", prompt="A calm voice")

    response = owner_client.get(reverse("avatars:job-delete", kwargs={"job_id": job.id}))

    assert response.status_code == 200 and "Delete this video?" in response.content.decode()
    assert "“Quarterly update” from" in response.content.decode()
    assert Job.objects.filter(pk=job.pk).exists()


def test_deleting_a_video_removes_it_and_its_files(owner_client, user, media_root, django_capture_on_commit_callbacks):
    job = completed_job(user)
    stored = [media_root / job.video.name, media_root / job.poster.name]
    assert all(os.path.exists(path) for path in stored)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("avatars:job-delete", kwargs={"job_id": job.id}), follow=True)

    assert response.redirect_chain[-1][0] == URL
    assert "The video and its files were deleted." in response.content.decode()
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not any(os.path.exists(path) for path in stored)


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def tile_of(response, title):
    """The HTML of the one tile titled `title`."""
    tiles = re.findall(r'<li class="tile".*?</li>', response.content.decode(), re.S)
    [tile] = [tile for tile in tiles if f">{title}</a></h2>" in tile]
    return tile


# ---- Cards


def test_untitled_cards_are_named_after_when_they_were_made(owner_client, user):
    job = make_job(user, JobState.FAILED)

    assert titles(owner_client.get(URL)) == [job.display_title]
    assert job.display_title.startswith("Talking avatar of ")


def test_card_dates_leave_out_this_year_and_keep_the_time_only_for_this_year(owner_client, user):
    recent = make_job(user, JobState.FAILED, title="Recent")
    old = make_job(user, JobState.FAILED, title="Old", created_ago=timedelta(days=400))

    html = owner_client.get(URL).content.decode()

    shown = dict(re.findall(r'<time datetime="([^"]+)" title="[^"]+">([^<]+)</time>', html))
    recent_at, old_at = (timezone.localtime(job.created_at) for job in (recent, old))
    assert shown[recent_at.isoformat()] == dateformat.format(recent_at, "N j, H:i")
    assert shown[old_at.isoformat()] == dateformat.format(old_at, "N j, Y")
    assert f'title="{dateformat.format(old_at, "N j, Y, H:i")}"' in html  # the whole date on hover


def test_a_finished_card_holds_its_video_unloaded_behind_the_poster_with_a_play_button(owner_client, user):
    job = completed_job(user, title="Hello there")

    tile = tile_of(owner_client.get(URL), "Hello there")

    video = re.search(r"<video [^>]*>", tile).group(0)
    assert 'preload="none"' in video and " muted" in video
    assert f'src="/media/{job.video.name}"' in video and f'poster="/media/{job.poster.name}"' in video
    # hidden until gallery.js shows it: before the script has arrived it could not play anything
    assert '<button type="button" class="tile-play" hidden aria-label="Play “Hello there”">' in tile
    assert "Kling AI Avatar Pro" in tile


@pytest.mark.parametrize(
    "state", [JobState.PENDING, JobState.IN_PROGRESS, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT]
)
def test_an_unfinished_or_failed_card_has_nothing_to_play_or_download(owner_client, user, state):
    make_job(user, state, title="No video")

    tile = tile_of(owner_client.get(URL), "No video")

    assert "<video" not in tile and "tile-play" not in tile and "Download" not in tile


def test_a_finished_card_links_its_download_and_offers_no_retry(owner_client, user):
    job = completed_job(user, title="Done")

    tile = tile_of(owner_client.get(URL), "Done")

    assert f'href="{download_url(job)}" download aria-label="Download “Done”">Download</a>' in tile
    assert "Retry" not in tile


@pytest.mark.parametrize("state", [JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT])
def test_failed_cancelled_and_timed_out_cards_offer_a_retry(owner_client, user, state):
    job = make_job(user, state, title="Try again")

    tile = tile_of(owner_client.get(URL), "Try again")

    assert f'<form method="post" action="{reverse("avatars:job-retry", kwargs={"job_id": job.id})}"' in tile
    assert 'name="csrfmiddlewaretoken"' in tile and ">Retry</button>" in tile


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.IN_QUEUE, JobState.IN_PROGRESS])
def test_running_cards_offer_no_retry(owner_client, user, state):
    make_job(user, state, title="Still going")

    assert "Retry" not in tile_of(owner_client.get(URL), "Still going")


def test_retry_from_the_gallery_starts_a_new_attempt_and_opens_it(owner_client, user):
    failed = make_job(
        user,
        JobState.FAILED,
        title="hello.wav",
        image_url="https://example.com/a.png",
        audio_url="https://example.com/a.wav",
    )

    response = owner_client.post(reverse("avatars:job-retry", kwargs={"job_id": failed.id}), follow=True)

    retry = Job.objects.exclude(pk=failed.pk).get()
    assert response.redirect_chain[-1][0] == reverse("avatars:job", kwargs={"job_id": retry.id})
    assert titles(owner_client.get(URL)) == ["hello.wav", "hello.wav"]


# ---- Search and filters


def test_search_finds_titles_containing_the_words_in_any_case(owner_client, user, other_user):
    make_job(user, JobState.COMPLETED, title="Birthday greeting for Mum")
    make_job(user, JobState.COMPLETED, title="Product demo")
    make_job(other_user, JobState.COMPLETED, title="Another birthday")

    response = owner_client.get(URL, {"q": "BIRTHDAY"})

    assert titles(response) == ["Birthday greeting for Mum"]
    assert 'value="BIRTHDAY"' in response.content.decode()


def test_model_filter_shows_only_that_models_videos(owner_client, user):
    make_job(user, JobState.COMPLETED, title="Pro one")
    make_job(user, JobState.COMPLETED, title="Standard one", model=STANDARD)

    response = owner_client.get(URL, {"model": "kling-avatar-standard"})

    assert titles(response) == ["Standard one"]
    assert (
        '<option value="kling-avatar-standard" selected>Kling AI Avatar Standard</option>' in response.content.decode()
    )


def test_in_progress_covers_speaking_waiting_queued_and_rendering_videos(owner_client, user):
    for state in JobState:
        make_job(user, state, title=state.label)

    in_progress = sorted(titles(owner_client.get(URL, {"status": "in_progress"})))
    assert in_progress == ["In progress", "In queue", "Pending", "Speaking the script"]
    assert titles(owner_client.get(URL, {"status": "timed_out"})) == ["Timed out"]


def test_search_model_and_status_combine(owner_client, user):
    make_job(user, JobState.FAILED, title="Demo take 1", model=STANDARD)
    make_job(user, JobState.COMPLETED, title="Demo take 2", model=STANDARD)
    make_job(user, JobState.FAILED, title="Demo take 3")
    make_job(user, JobState.FAILED, title="Greeting", model=STANDARD)

    response = owner_client.get(URL, {"q": "demo", "model": "kling-avatar-standard", "status": "failed"})

    assert titles(response) == ["Demo take 1"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "exploded"}, "There is no status called “exploded”; showing every status."),
        ({"model": "sora"}, "There is no model called “sora”; showing every model."),
        ({"q": "x" * 201}, "Search for at most 200 characters; showing every title."),
    ],
)
def test_an_invalid_filter_is_explained_in_the_form_and_left_out(owner_client, user, params, message):
    make_job(user, JobState.COMPLETED, title="Good one")

    response = owner_client.get(URL, params)

    assert response.status_code == 200 and titles(response) == ["Good one"]
    [field] = params
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_nonsense_page_number_shows_a_page_rather_than_an_error(owner_client, user):
    make_job(user, JobState.COMPLETED, title="Good one")

    for page in ("0", "-1", "abc", "99999", "9" * 5000):
        response = owner_client.get(URL, {"page": page})
        assert response.status_code == 200 and titles(response) == ["Good one"], page


def test_the_filter_form_has_a_label_for_every_field(owner_client):
    html = owner_client.get(URL).content.decode()

    for field, label in (("q", "Search titles"), ("model", "Model"), ("status", "Status")):
        assert f'<label for="id_{field}">{label}</label>' in html
        assert f'id="id_{field}"' in html


def test_clear_filters_appears_only_while_filtering(owner_client, user):
    make_job(user, JobState.COMPLETED, title="Good one")

    assert "Clear filters" not in owner_client.get(URL).content.decode()
    assert "Clear filters" not in owner_client.get(URL, {"q": "", "status": ""}).content.decode()
    assert f'<a href="{URL}">Clear filters</a>' in owner_client.get(URL, {"q": "good"}).content.decode()
    assert f'<a href="{URL}">Clear filters</a>' in owner_client.get(URL, {"status": "exploded"}).content.decode()


# ---- Pagination


def pagination(response):
    return re.search(r'<nav class="pagination".*?</nav>', response.content.decode(), re.S).group(0)


def test_page_links_keep_the_search_and_filters(owner_client, user):
    for number in range(GALLERY_PAGE_SIZE * 3):
        make_job(
            user, JobState.FAILED, title=f"Demo {number:02d}", model=STANDARD, created_ago=timedelta(minutes=number)
        )
    make_job(user, JobState.FAILED, title="Unrelated", model=STANDARD)

    response = owner_client.get(URL, {"q": "demo", "model": "kling-avatar-standard", "status": "failed", "page": 2})

    nav = pagination(response)
    kept = "q=demo&amp;model=kling-avatar-standard&amp;status=failed&amp;"
    assert titles(response) == [f"Demo {n:02d}" for n in range(12, 24)]
    assert f'<a href="?{kept}page=1" rel="first">« First</a>' in nav
    assert f'<a href="?{kept}page=1" rel="prev">← Newer</a>' in nav
    assert f'<a href="?{kept}page=3" rel="next">Older →</a>' in nav
    assert f'<a href="?{kept}page=3" rel="last">Last »</a>' in nav
    assert '<span aria-current="page">2</span>' in nav
    assert all(link.startswith(kept) for link in re.findall(r'href="\?([^"]*)"', nav))


def test_page_links_drop_a_filter_the_form_refused(owner_client, user):
    for number in range(GALLERY_PAGE_SIZE + 1):
        make_job(user, JobState.COMPLETED, title=f"Video {number}")

    nav = pagination(owner_client.get(URL, {"q": "video", "status": "exploded"}))

    assert '<a href="?q=video&amp;page=2">2</a>' in nav and "exploded" not in nav


def test_first_and_previous_links_only_after_the_first_page_and_next_and_last_only_before_the_last(owner_client, user):
    for number in range(GALLERY_PAGE_SIZE * 2):
        make_job(user, JobState.COMPLETED, title=f"Video {number}")

    first, last = pagination(owner_client.get(URL)), pagination(owner_client.get(URL, {"page": 2}))

    assert 'rel="first"' not in first and 'rel="prev"' not in first and 'rel="next"' in first and 'rel="last"' in first
    assert 'rel="first"' in last and 'rel="prev"' in last and 'rel="next"' not in last and 'rel="last"' not in last


# ---- Empty states


def test_no_videos_yet_invites_a_first_one(owner_client):
    html = owner_client.get(URL).content.decode()

    assert (
        "You have no videos yet." in html
        and f'<a class="button" href="{reverse("avatars:create")}">Make your first one</a>' in html
    )
    assert "Nothing matches these filters." not in html


def test_a_search_that_finds_nothing_says_so_and_offers_every_video(owner_client, user):
    make_job(user, JobState.COMPLETED, title="Good one")

    html = owner_client.get(URL, {"q": "nothing like this"}).content.decode()

    assert "Nothing matches these filters." in html and f'<a href="{URL}">Show all your videos</a>' in html
    assert "You have no videos yet." not in html


# ---- Cost


def test_a_gallery_page_costs_the_same_queries_for_one_video_or_a_full_page(
    owner_client, user, django_assert_num_queries, django_assert_max_num_queries
):
    completed_job(user, title="First")
    with django_assert_max_num_queries(10) as one:
        owner_client.get(URL, {"q": "i", "model": "kling-avatar-pro", "status": "completed"})

    for number in range(GALLERY_PAGE_SIZE + 3):
        completed_job(user, title=f"Video {number}")
        make_job(user, JobState.FAILED, title=f"Failed {number}")

    with django_assert_num_queries(len(one.captured_queries)):
        response = owner_client.get(URL, {"q": "i", "model": "kling-avatar-pro", "status": "completed", "page": 2})
    assert len(titles(response)) == 4
