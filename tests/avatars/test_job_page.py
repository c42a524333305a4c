import json
import re
import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from avatars.templatetags.avatar_tags import clock
from credits import services as credits
from credits.models import LedgerEntry
from jobs.models import Job, JobState
from jobs.state import charge_for
from tests.api.builders import finished_batch
from tests.avatars.builders import STANDARD, completed_job, make_job
from tests.avatars.test_create import upload
from tests.factories import portrait_png, speech_wav

pytestmark = pytest.mark.django_db


def job_url(name, job):
    return reverse(name, kwargs={"job_id": job.id})


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_queued_job_shows_its_queue_position_and_polls_for_updates(owner_client, user):
    job = make_job(user, JobState.IN_QUEUE, queue_position=2)

    response = owner_client.get(job_url("avatars:job", job))

    assert response.status_code == 200
    assert "Waiting in the model's queue — 2 ahead of you." in text_of(response)
    html = response.content.decode()
    assert f'data-status-url="{job_url("avatars:job-status", job)}"' in html and 'data-finished="false"' in html
    assert "/static/js/job.js" in html


def test_running_job_shows_model_logs_elapsed_time_and_progress(owner_client, user, settings):
    settings.FAL_MODE = "remote"  # the model's own expectation, not the local engine's
    settings.JOB_EXPECTED_SECONDS = 0
    logs = [{"timestamp": "t1", "message": "Detecting face"}, {"timestamp": "t2", "message": "Rendering frames 1-48"}]
    job = make_job(user, JobState.IN_PROGRESS, logs=logs)

    response = owner_client.get(job_url("avatars:job", job))

    text = text_of(response)
    assert "Detecting face" in text and "Rendering frames 1-48" in text
    assert "usually takes about 8 minutes" in text and "Elapsed 0:0" in text
    assert re.search(r'<progress id="job-progress" max="100" value="[5-9]"', response.content.decode())
    assert "Cancel this job" in text


def test_completed_job_shows_player_download_duration_and_size(owner_client, user):
    job = completed_job(user, video=b"x" * 2048)

    response = owner_client.get(job_url("avatars:job", job))

    html = response.content.decode()
    assert f'src="{job.video.url}"' in html and f'poster="{job.poster.url}"' in html and "<video" in html
    # Download goes through the view that names the file after the title.
    assert f'<a class="button" href="{job_url("avatars:job-download", job)}">Download MP4</a>' in html
    assert "0:04 long · 2.0 KB" in text_of(response)
    assert 'data-finished="true"' in html and "Cancel this job" not in html


def test_job_page_shows_model_and_estimated_cost(owner_client, user, settings):
    settings.FAL_MODE = "remote"  # the dollar figure is shown only when fal.ai makes the videos
    settings.KLING_STANDARD_PRICE_PER_SECOND = 0.056
    job = make_job(user, JobState.PENDING, model=STANDARD)  # 4 s of audio

    text = text_of(owner_client.get(job_url("avatars:job", job)))

    assert "Model Kling AI Avatar Standard" in text and "Estimated cost $0.22" in text


@pytest.mark.parametrize(
    "state, says",
    [
        (JobState.FAILED, "The model failed: Could not detect a face in the image"),
        (JobState.TIMED_OUT, "The job took longer than its 12-minute budget and was cancelled."),
        (JobState.CANCELLED, "Cancelled at your request."),
    ],
)
def test_unsuccessful_jobs_say_why(owner_client, user, state, says):
    job = make_job(user, state)

    response = owner_client.get(job_url("avatars:job", job))

    assert says in text_of(response)
    assert "<video" not in response.content.decode()


def test_status_endpoint_returns_the_live_panel_and_whether_to_stop(owner_client, user):
    running = make_job(user, JobState.IN_QUEUE, queue_position=0)
    done = completed_job(user)

    live = owner_client.get(job_url("avatars:job-status", running)).json()
    final = owner_client.get(job_url("avatars:job-status", done)).json()

    assert live["state"] == "in_queue" and live["finished"] is False and "you're next" in live["html"]
    assert final["state"] == "completed" and final["finished"] is True and "<video" in final["html"]


def test_owner_can_cancel_an_unfinished_job(owner_client, user):
    job = make_job(user, JobState.PENDING)

    response = owner_client.post(job_url("avatars:job-cancel", job), follow=True)

    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert "The job was cancelled." in text_of(response) and "Cancelled at your request." in text_of(response)


def test_cancelling_a_finished_job_changes_nothing(owner_client, user):
    job = completed_job(user)

    response = owner_client.post(job_url("avatars:job-cancel", job), follow=True)

    job.refresh_from_db()
    assert job.state == JobState.COMPLETED
    assert "The job had already finished (completed)." in text_of(response)


def test_cancel_only_accepts_post(owner_client, user):
    job = make_job(user, JobState.PENDING)

    assert owner_client.get(job_url("avatars:job-cancel", job)).status_code == 405
    job.refresh_from_db()
    assert job.state == JobState.PENDING


def test_owner_can_retry_a_failed_job_with_the_same_inputs(owner_client, user):
    job = make_job(
        user,
        JobState.FAILED,
        title="greeting.wav",
        image_url="https://example.com/a.png",
        audio_url="https://example.com/a.wav",
    )

    response = owner_client.post(job_url("avatars:job-retry", job), follow=True)

    retry = Job.objects.exclude(pk=job.pk).get()
    assert response.redirect_chain[-1][0] == job_url("avatars:job", retry)
    assert (retry.state, retry.title, retry.image_url, retry.audio_url) == (
        JobState.PENDING,
        "greeting.wav",
        job.image_url,
        job.audio_url,
    )
    assert "A new attempt has started with the same inputs." in text_of(response)


def test_a_job_whose_audio_was_never_measured_is_not_retried(owner_client, user):
    # Jobs made before audio given by URL was downloaded and measured have no length.
    job = make_job(user, JobState.FAILED, image_url="https://example.com/a.png", audio_url="https://example.com/a.wav")
    Job.objects.filter(pk=job.pk).update(audio_duration=None)

    response = owner_client.post(job_url("avatars:job-retry", job), follow=True)

    assert Job.objects.count() == 1 and not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RESERVE).exists()
    assert "This job&#x27;s audio was never measured; create a new job with it instead." in response.content.decode()


def test_a_completed_job_is_not_retried(owner_client, user):
    job = completed_job(user)

    response = owner_client.post(job_url("avatars:job-retry", job), follow=True)

    assert Job.objects.count() == 1
    assert "Only failed, cancelled or timed-out jobs can be retried." in text_of(response)


@pytest.mark.parametrize(
    "name, method",
    [
        ("avatars:job", "get"),
        ("avatars:job-status", "get"),
        ("avatars:job-events", "get"),
        ("avatars:job-title", "post"),
        ("avatars:job-cancel", "post"),
        ("avatars:job-retry", "post"),
        ("avatars:job-delete", "get"),
        ("avatars:job-delete", "post"),
    ],
)
def test_other_users_job_is_404(client, user, other_user, name, method):
    job = make_job(user, JobState.IN_QUEUE, title="mine.wav")
    client.force_login(other_user)

    response = getattr(client, method)(job_url(name, job), {"title": "theirs"} if method == "post" else {})

    assert response.status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.IN_QUEUE and job.title == "mine.wav" and Job.objects.filter(pk=job.pk).exists()


def test_job_waiting_for_a_free_slot_says_how_many_are_ahead(owner_client, user, other_user, settings):
    settings.MAX_JOBS_AT_FAL = 0
    make_job(other_user)
    job = make_job(user)

    response = owner_client.get(job_url("avatars:job", job))

    assert "Waiting for a free slot (1 ahead)." in text_of(response)


def stream_events(stream):
    """The server-sent events in `stream` as (field, value) lists; comments as ("", text)."""
    blocks = [block for block in stream.split("\n\n") if block]
    return [
        [
            tuple(line.split(": ", 1)) if not line.startswith(":") else ("", line[1:].strip())
            for line in block.splitlines()
        ]
        for block in blocks
    ]


def status_events(stream):
    return [json.loads(dict(event)["data"]) for event in stream_events(stream) if ("event", "status") in event]


def test_events_of_a_finished_job_send_its_final_panel_once_and_end(owner_client, user):
    job = completed_job(user)

    response = owner_client.get(job_url("avatars:job-events", job))

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-store" and response["X-Accel-Buffering"] == "no"
    stream = b"".join(response.streaming_content).decode()  # ends by itself: nothing more will change
    assert stream.startswith("retry: 2000\n\n")
    [final] = status_events(stream)
    assert final["state"] == "completed" and final["finished"] is True and f'src="{job.video.url}"' in final["html"]


def test_events_push_the_panel_again_when_the_job_changes_and_end_when_it_finishes(owner_client, user, settings):
    settings.JOB_EVENTS_CHECK_SECONDS = 0.01
    job = make_job(user, JobState.IN_QUEUE, queue_position=0)

    chunks = iter(owner_client.get(job_url("avatars:job-events", job)).streaming_content)
    assert next(chunks) == b"retry: 2000\n\n"
    first = status_events(next(chunks).decode())[0]
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, finished_at=timezone.now(), error="The model failed: no face"
    )
    rest = status_events(b"".join(chunks).decode())

    assert first["state"] == "in_queue" and first["finished"] is False and "you're next" in first["html"]
    assert (
        rest[-1]["state"] == "failed"
        and rest[-1]["finished"] is True
        and "The model failed: no face" in rest[-1]["html"]
    )
    assert all(event["state"] == "in_queue" for event in rest[:-1])  # at most the elapsed clock ticking


def test_events_send_heartbeats_while_nothing_changes_and_end_when_their_time_is_up(owner_client, user, settings):
    settings.JOB_EVENTS_STREAM_SECONDS = 0.4
    settings.JOB_EVENTS_CHECK_SECONDS = 0.02
    settings.JOB_EVENTS_HEARTBEAT_SECONDS = 0.1
    job = make_job(user, JobState.IN_QUEUE)

    started = time.monotonic()
    stream = b"".join(owner_client.get(job_url("avatars:job-events", job)).streaming_content).decode()

    assert time.monotonic() - started < 3
    assert ("", "still here") in [line for event in stream_events(stream) for line in event]
    assert all(event["state"] == "in_queue" for event in status_events(stream))


def test_pages_past_the_open_stream_limit_are_told_to_poll_until_a_stream_ends(owner_client, user, settings):
    settings.JOB_EVENTS_MAX_STREAMS = 1
    job = completed_job(user)
    url = job_url("avatars:job-events", job)

    first = owner_client.get(url)
    refused = owner_client.get(url)
    b"".join(first.streaming_content)  # read to its end: the server closes it
    after = owner_client.get(url)

    assert refused.status_code == 204 and not refused.streaming and refused["Cache-Control"] == "no-store"
    assert (
        after.status_code == 200 and status_events(b"".join(after.streaming_content).decode())[0]["finished"] is True
    )


def test_clock_drops_part_seconds_like_a_media_player():
    assert (clock(5.56), clock(59.99), clock(3725.9), clock(None)) == ("0:05", "0:59", "1:02:05", "")


def test_a_video_of_five_and_a_half_seconds_is_said_to_be_five_seconds_long(owner_client, user):
    job = completed_job(user)
    Job.objects.filter(pk=job.pk).update(video_duration=5.56)

    assert "0:05 long" in text_of(owner_client.get(job_url("avatars:job", job)))


def test_job_page_is_titled_with_the_jobs_title_or_its_date(owner_client, user):
    named = make_job(user, title="greeting.wav")
    unnamed = make_job(user, title="")

    named_page = owner_client.get(job_url("avatars:job", named)).content.decode()
    unnamed_page = owner_client.get(job_url("avatars:job", unnamed)).content.decode()

    assert "<h1>greeting.wav</h1>" in named_page
    assert f"<h1>{unnamed.display_title}</h1>" in unnamed_page and "<h1>Talking avatar of " in unnamed_page


def test_owner_renames_a_job_with_spaces_trimmed(owner_client, user):
    job = make_job(user, title="greeting.wav")

    response = owner_client.post(
        job_url("avatars:job-title", job), {"title": "  Welcome for the new team  "}, follow=True
    )

    job.refresh_from_db()
    assert job.title == "Welcome for the new team"
    assert response.redirect_chain[-1][0] == job_url("avatars:job", job)
    assert "<h1>Welcome for the new team</h1>" in response.content.decode() and "Title saved." in text_of(response)


@pytest.mark.parametrize(
    "title, says",
    [("   ", "This field is required."), ("x" * 201, "Ensure this value has at most 200 characters (it has 201).")],
)
def test_an_empty_or_too_long_title_is_refused_in_the_form(owner_client, user, title, says):
    job = make_job(user, title="greeting.wav")

    response = owner_client.post(job_url("avatars:job-title", job), {"title": title})

    job.refresh_from_db()
    assert response.status_code == 200 and job.title == "greeting.wav"
    html = response.content.decode()
    assert re.search(r'<details class="title-edit" open>', html) and 'aria-invalid="true"' in html
    assert says in re.search(r'<ul class="errors" id="title-errors">(.*?)</ul>', html, re.S).group(1)


def test_renaming_only_accepts_post(owner_client, user):
    assert owner_client.get(job_url("avatars:job-title", make_job(user))).status_code == 405


def test_batch_page_items_show_their_titles(owner_client, user):
    batch = finished_batch(user)
    first, *others = batch.jobs.order_by("batch_item__position")
    Job.objects.filter(pk=first.pk).update(title="hello.wav")

    html = owner_client.get(reverse("avatars:batch", kwargs={"batch_id": batch.id})).content.decode()

    assert '<td class="batch-item-title">hello.wav</td>' in html
    assert all(f'<td class="batch-item-title">{job.display_title}</td>' in html for job in others)


@pytest.mark.parametrize("state", [JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT])
def test_unsuccessful_jobs_offer_retry_and_another_with_the_same_portrait(owner_client, user, state):
    job = make_job(user, state)

    html = owner_client.get(job_url("avatars:job", job)).content.decode()

    assert re.search(
        rf'<form method="post" action="{job_url("avatars:job-retry", job)}"[^>]*>\s*<input '
        r'type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*<button[^>]*>Retry</button>',
        html,
    )
    assert f'href="{reverse("avatars:create")}?portrait={job.id}">Make another with this portrait</a>' in html


def test_a_completed_job_offers_another_with_the_same_portrait_but_no_retry(owner_client, user):
    job = completed_job(user)

    html = owner_client.get(job_url("avatars:job", job)).content.decode()

    assert f"?portrait={job.id}" in html and job_url("avatars:job-retry", job) not in html


def test_an_unfinished_job_offers_neither_retry_nor_another(owner_client, user):
    job = make_job(user, JobState.IN_PROGRESS)

    html = owner_client.get(job_url("avatars:job", job)).content.decode()

    assert "?portrait=" not in html and job_url("avatars:job-retry", job) not in html


def test_the_job_created_note_is_tagged_for_the_page_to_drop_and_shown_once(owner_client):
    first = owner_client.post(reverse("avatars:create"), upload(), follow=True)
    again = owner_client.get(first.redirect_chain[-1][0])

    assert (
        '<li class="message message-job-created success">Job created. This page follows it live'
        in first.content.decode()
    )
    assert "Job created" not in again.content.decode()


@pytest.mark.parametrize("state", [JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT])
def test_an_unsuccessful_job_shows_its_audio_length_and_that_nothing_was_charged(owner_client, user, state):
    job = make_job(user, state)
    credits.reserve_for_job(job, 460)
    credits.settle_job(job, **charge_for(job))

    text = text_of(owner_client.get(job_url("avatars:job", job)))

    assert "Audio length 0:04" in text
    assert "Credits Nothing charged; the hold of 460 credits was released" in text


def test_credits_are_shown_held_while_the_job_runs_and_charged_once_it_has_its_video(owner_client, user):
    running = make_job(user, JobState.IN_PROGRESS)
    credits.reserve_for_job(running, 460)
    done = completed_job(user)
    credits.reserve_for_job(done, 500)
    credits.settle_job(done, **charge_for(done))  # 4.04 s of pro video at 115 a second: 465 credits

    assert "Credits 460 held until the video is made" in text_of(owner_client.get(job_url("avatars:job", running)))
    assert "Credits 465 charged; the other 35 held were returned" in text_of(
        owner_client.get(job_url("avatars:job", done))
    )


def test_a_finished_video_is_shown_beside_the_portrait_and_speech_it_was_made_from(owner_client, user):
    job = completed_job(user)
    job.image_file.save("face.png", ContentFile(portrait_png()), save=False)
    job.audio_file.save("hello.wav", ContentFile(speech_wav()), save=True)

    html = owner_client.get(job_url("avatars:job", job)).content.decode()

    inputs = re.search(r'<section class="job-inputs".*?</section>', html, re.S).group(0)
    assert f'<img src="{job.image_file.url}" alt="The portrait this video was made from">' in inputs
    assert f'<audio controls preload="metadata" src="{job.audio_file.url}"></audio>' in inputs
    assert "Speech · 0:04" in re.sub(r"\s+", " ", inputs)


def test_inputs_the_page_may_not_load_are_offered_as_links(owner_client, user):
    job = completed_job(
        user, image_url="https://elsewhere.example/face.png", audio_url="https://elsewhere.example/hello.wav"
    )

    html = owner_client.get(job_url("avatars:job", job)).content.decode()

    assert '<a href="https://elsewhere.example/face.png" rel="noreferrer">Open the portrait</a>' in html
    assert 'src="https://elsewhere.example/' not in html


def test_a_hold_not_yet_settled_is_not_said_to_be_released(owner_client, user):
    job = make_job(user, JobState.FAILED)
    credits.reserve_for_job(job, 460)

    text = text_of(owner_client.get(job_url("avatars:job", job)))

    assert "Credits 460 held" in text and "released" not in text
