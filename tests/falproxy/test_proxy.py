"""`/api/fal/proxy` with the real test client: the JS client's calls become our jobs."""

import json
import os

import httpx
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from api.models import ApiToken
from credits import services as credits
from jobs.models import Asset, Job, JobState
from tests.factories import data_uri, make_user, portrait_png, speech_wav
from tests.hostile_files import png_with_markup, webp_that_is_javascript

PROXY = "/api/fal/proxy"
PRO = "fal-ai/kling-video/v1/pro/ai-avatar"
QUEUE = "https://queue.fal.run"
INPUT = {"image_url": "https://example.com/face.png", "audio_url": data_uri(speech_wav(), "audio/wav"), "prompt": "Hi"}


def call(client, method, target, body=None, **headers):
    kwargs = {"HTTP_X_FAL_TARGET_URL": target, **headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(PROXY, **kwargs)


def token_client(user):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.fixture
def alice(user):
    return token_client(user)


def submit(client, body=INPUT):
    return call(client, "POST", f"{QUEUE}/{PRO}", body)


def test_unauthenticated_calls_are_401(db):
    response = submit(Client())

    assert response.status_code == 401
    assert Job.objects.count() == 0


def test_a_submit_is_our_job_answered_in_fals_queue_shape(alice, user):
    balance_before = credits.account_for(user).balance

    response = submit(alice)

    assert response.status_code == 200
    body = response.json()
    job = Job.objects.get(user=user)
    assert body["request_id"] == response["x-fal-request-id"] == str(job.id)
    assert body["status"] == "IN_QUEUE" and body["queue_position"] == 0
    assert body["status_url"] == f"{QUEUE}/fal-ai/kling-video/requests/{job.id}/status"
    assert job.endpoint_id == PRO and job.image_url == INPUT["image_url"] and job.prompt == "Hi"
    assert credits.account_for(user).balance < balance_before  # the job's estimate is held
    status = call(alice, "GET", f"{QUEUE}/fal-ai/kling-video/requests/{job.id}/status?logs=1")
    assert status.status_code == 202 and status.json()["status"] == "IN_QUEUE"


def test_targets_outside_the_allow_list_are_refused(alice):
    assert call(alice, "POST", f"{QUEUE}/fal-ai/flux/dev", {}).status_code == 400
    assert call(alice, "POST", "https://rest.fal.ai/tokens/", {}).status_code == 400
    assert call(alice, "POST", "https://evil.example.com/fal-ai/kling-video/v1/pro/ai-avatar", {}).status_code == 412
    assert call(alice, "POST", f"http://queue.fal.run/{PRO}", INPUT).status_code == 412
    assert alice.post(PROXY, data="{}", content_type="application/json").status_code == 400  # no header
    assert call(alice, "GET", f"{QUEUE}/{PRO}").status_code == 405
    assert alice.delete(PROXY, HTTP_X_FAL_TARGET_URL=f"{QUEUE}/{PRO}").status_code == 405
    assert Job.objects.count() == 0


def test_another_users_request_id_is_404(alice, other_user):
    mallory = token_client(other_user)
    job_id = submit(alice).json()["request_id"]

    for method, suffix in (("GET", "/status"), ("GET", ""), ("PUT", "/cancel"), ("GET", "/status/stream")):
        response = call(mallory, method, f"{QUEUE}/fal-ai/kling-video/requests/{job_id}{suffix}")
        assert response.status_code == 404, suffix
    assert Job.objects.get(pk=job_id).state == JobState.PENDING


def test_out_of_credits_is_refused_and_nothing_is_submitted(alice, user):
    credits.adjust(user, -credits.account_for(user).balance, by=user, note="spent")

    response = submit(alice)

    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_credits"
    assert Job.objects.count() == 0


def test_bad_input_is_a_fal_style_422(alice):
    response = submit(alice, {"image_url": "ftp://nope", "prompt": "x"})

    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert ("body", "image_url") in fields and ("body", "audio_url") in fields


def test_session_calls_need_the_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    refused = submit(browser)
    browser.get("/create/")  # a page with a form sets the CSRF cookie
    allowed = call(browser, "POST", f"{QUEUE}/{PRO}", INPUT, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)

    assert refused.status_code == 403
    assert allowed.status_code == 200


def test_named_bearer_tokens_work(user):
    _, secret = ApiToken.issue(user, "js")

    assert submit(Client(HTTP_AUTHORIZATION=f"Bearer {secret}")).status_code == 200


def test_upload_through_the_proxy_lands_in_the_asset_cache_and_is_a_job_input(fal_engine, transactional_db, settings):
    user = make_user()
    alice = token_client(user)
    initiated = call(
        alice,
        "POST",
        "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3",
        {"file_name": "face.png", "content_type": "image/png"},
    )
    urls = initiated.json()

    put = Client().put(
        urls["upload_url"].replace("http://testserver", ""), data=portrait_png(), content_type="image/png"
    )

    assert put.status_code == 200, put.content
    asset = Asset.objects.get(user=user)
    assert asset.kind == "image" and asset.fal_url.startswith(settings.FAL_ENGINE_URL)
    response = submit(alice, {"image_url": urls["file_url"], "audio_url": data_uri(speech_wav(2.0), "audio/wav")})
    assert response.status_code == 200, response.content
    assert Job.objects.get(user=user).image_url == asset.fal_url
    # Another user cannot use the file URL.
    mallory = token_client(make_user("mallory"))
    assert submit(mallory, {"image_url": urls["file_url"], "audio_url": INPUT["audio_url"]}).status_code == 422


@pytest.mark.parametrize(
    "file_name, content_type, content, stored_as",
    [
        ("gift.html", "text/html", png_with_markup(b"<script>alert(1)</script>"), ("image/png", ".png")),
        ("t.js", "text/javascript", webp_that_is_javascript("alert(1)"), ("image/webp", ".webp")),
    ],
    ids=["png-named-html", "webp-named-js"],
)
def test_an_upload_is_stored_and_served_as_what_it_is_never_as_the_client_named_it(
    fal_engine, transactional_db, file_name, content_type, content, stored_as
):
    user = make_user()
    alice = token_client(user)
    urls = call(
        alice,
        "POST",
        "https://rest.fal.ai/storage/upload/initiate",
        {"file_name": file_name, "content_type": content_type},
    ).json()

    put = Client().put(urls["upload_url"].replace("http://testserver", ""), data=content, content_type=content_type)

    assert put.status_code == 200, put.content
    asset = Asset.objects.get(user=user)
    served = httpx.get(alice.get(urls["file_url"].replace("http://testserver", "")).url)
    assert (asset.content_type, os.path.splitext(asset.fal_url)[1]) == stored_as
    assert served.content == content
    assert served.headers["content-type"] == stored_as[0]
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"].startswith("sandbox ")


def test_uploads_are_checked_and_limited(alice, settings):
    urls = call(
        alice,
        "POST",
        "https://rest.fal.ai/storage/upload/initiate",
        {"file_name": "x.txt", "content_type": "text/plain"},
    ).json()
    path = urls["upload_url"].replace("http://testserver", "")

    not_media = Client().put(path, data=b"hello", content_type="text/plain")
    forged = Client().put(path.split("?")[0] + "?signature=forged", data=portrait_png(), content_type="image/png")
    settings.MAX_IMAGE_BYTES = settings.MAX_AUDIO_BYTES = 1000
    too_big = Client().put(path, data=portrait_png(), content_type="image/png")
    multipart = call(alice, "POST", "https://rest.fal.ai/storage/upload/initiate-multipart", {"file_name": "big.wav"})

    assert not_media.status_code == 422
    assert forged.status_code == 403
    assert too_big.status_code == multipart.status_code == 413
    assert Asset.objects.count() == 0


def test_upload_initiates_count_against_the_upload_rate(alice, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "upload": "2/minute"}
    target = "https://rest.fal.ai/storage/upload/initiate"

    answers = [call(alice, "POST", target, {"file_name": "a.png"}).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_whole_flow_status_logs_result_and_stream(fal_engine, task_worker, live_server):
    user = make_user()
    alice = token_client(user)
    job_id = submit(
        alice,
        {"image_url": data_uri(portrait_png(), "image/png"), "audio_url": data_uri(speech_wav(2.0), "audio/wav")},
    ).json()["request_id"]
    base = f"{QUEUE}/fal-ai/kling-video/requests/{job_id}"

    stream = call(alice, "GET", f"{base}/status/stream?logs=1")
    events = [
        json.loads(line[6:])
        for line in b"".join(stream.streaming_content).decode().splitlines()
        if line.startswith("data: ")
    ]
    status = call(alice, "GET", f"{base}/status?logs=1")
    result = call(alice, "GET", base)

    assert events[-1]["status"] == "COMPLETED" and {"IN_QUEUE", "COMPLETED"} <= {event["status"] for event in events}
    assert status.status_code == 200 and status.json()["status"] == "COMPLETED" and status.json()["logs"]
    job = Job.objects.get(pk=job_id)
    assert result.status_code == 200 and result["x-fal-request-id"] == job_id
    assert result.json()["video"]["url"].startswith(
        f"http://testserver{job.video.url}?expires="
    )  # signed: see docs/api.md
    assert result.json()["duration"] == pytest.approx(2.0, abs=0.1)
    assert call(alice, "PUT", f"{base}/cancel").json() == {"status": "ALREADY_COMPLETED"}


def test_cancel_through_the_proxy_cancels_the_job(alice, user):
    job_id = submit(alice).json()["request_id"]

    response = call(alice, "PUT", f"{QUEUE}/fal-ai/kling-video/requests/{job_id}/cancel")
    result = call(alice, "GET", f"{QUEUE}/fal-ai/kling-video/requests/{job_id}")

    assert response.status_code == 202 and response.json() == {"status": "CANCELLATION_REQUESTED"}
    assert Job.objects.get(pk=job_id).state == JobState.CANCELLED
    assert result.status_code == 400


def test_the_fal_key_never_appears_in_any_answer(user, settings, caplog):
    settings.FAL_MODE = "remote"
    settings.FAL_KEY = key = "0f0e0d0c-0b0a-0908-0706-050403020100:00112233445566778899aabbccddeeff"
    alice = token_client(user)
    answers = [submit(alice)]
    job_id = answers[0].json()["request_id"]
    base = f"{QUEUE}/fal-ai/kling-video/requests/{job_id}"
    answers += [
        call(alice, "GET", f"{base}/status?logs=1"),
        call(alice, "GET", base),
        call(alice, "PUT", f"{base}/cancel"),
        call(
            alice,
            "POST",
            "https://rest.fal.ai/storage/upload/initiate",
            {"file_name": "a.png", "content_type": "image/png"},
        ),
        call(alice, "POST", "https://rest.fal.ai/tokens/", {}),
        submit(Client()),
        submit(alice, {"image_url": "x"}),
    ]

    secret = key.split(":")[1]
    for answer in answers:
        text = answer.content.decode() + json.dumps(dict(answer.headers))
        assert key not in text and secret not in text
    assert secret not in caplog.text
