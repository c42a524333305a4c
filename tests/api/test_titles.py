"""Jobs are titled with the names people gave their files, whichever door the files came
through, and the upload URLs keep a safe form of those names; a title can be changed."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from jobs.models import Job, JobState
from tests.factories import make_user, portrait_jpeg, speech_wav

pytestmark = pytest.mark.django_db(transaction=True)

PROXY = "/api/fal/proxy"
PRO = "fal-ai/kling-video/v1/pro/ai-avatar"


def upload_to_seed(api_client, name, content):
    response = api_client.post(
        "/api/generate/upload-file", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["url"], response.json()["file_name"]


def upload_to_v1(api_client, name, content):
    response = api_client.post("/api/v1/files", {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["file_url"], response.json()["file_name"]


def proxy_client(user):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")


def proxy_call(client, method, target, body):
    return getattr(client, method)(
        PROXY, data=json.dumps(body), content_type="application/json", HTTP_X_FAL_TARGET_URL=target
    )


def upload_through_proxy(client, name, content):
    """fal.storage.upload as the JS client makes it: initiate, then PUT the bytes."""
    initiate = "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3"
    urls = proxy_call(client, "post", initiate, {"file_name": name, "content_type": "application/octet-stream"}).json()
    put = Client().put(
        urls["upload_url"].replace("http://testserver", ""), data=content, content_type="application/octet-stream"
    )
    assert put.status_code == 200, put.content
    return urls["file_url"]


def test_uploads_through_the_seed_api_keep_their_names_in_the_url_and_title_the_job(api_client, user, fal_engine):
    image_url, image_name = upload_to_seed(api_client, "face.jpg", portrait_jpeg())
    audio_url, audio_name = upload_to_seed(api_client, "My Voice.wav", speech_wav(2.0))

    response = api_client.post(
        "/api/generate/kling-avatar/submit", {"image_url": image_url, "audio_url": audio_url}, format="json"
    )

    assert response.status_code == 201, response.content
    assert (image_name, audio_name) == ("face.jpg", "My Voice.wav")
    assert image_url.endswith("_face.jpg") and audio_url.endswith("_My-Voice.wav")
    assert Job.objects.get(pk=response.json()["job_id"]).title == "My Voice.wav"


def test_uploads_through_v1_files_title_the_v1_job(api_client, fal_engine):
    image_url, _ = upload_to_v1(api_client, "face.jpg", portrait_jpeg())
    audio_url, _ = upload_to_v1(api_client, "greeting.wav", speech_wav(2.0))

    response = api_client.post("/api/v1/jobs", {"image_url": image_url, "audio_url": audio_url}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["title"] == "greeting.wav"
    assert audio_url.endswith("_greeting.wav")


def test_uploads_through_the_fal_proxy_title_the_proxy_job(api_client, user, fal_engine):
    client = proxy_client(user)
    image_url = upload_through_proxy(client, "face.jpg", portrait_jpeg())
    audio_url = upload_through_proxy(client, "Grüße aus Köln.wav", speech_wav(2.0))

    response = proxy_call(
        client, "post", f"https://queue.fal.run/{PRO}", {"image_url": image_url, "audio_url": audio_url}
    )

    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["request_id"])
    assert job.title == "Grüße aus Köln.wav"
    assert job.audio_url.endswith("_Grue-aus-Koln.wav")


def test_multipart_files_title_the_job_and_are_stored_under_their_own_names(api_client):
    inputs = {
        "image": SimpleUploadedFile("me.jpg", portrait_jpeg()),
        "audio": SimpleUploadedFile("hello there.wav", speech_wav(2.0)),
    }

    response = api_client.post("/api/v1/jobs", inputs, format="multipart")

    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert response.json()["title"] == "hello there.wav"
    assert job.image_file.name.endswith("/me.jpg") and job.audio_file.name.endswith("/hello-there.wav")


@pytest.mark.parametrize(
    "given, title, url_ending",
    [
        ("../../etc/passwd.wav", "passwd.wav", "_passwd.wav"),
        ("..\\..\\boot.ini.wav", "boot.ini.wav", "_boot-ini.wav"),
        ("evil\x00\x1b[31m\nname.wav", "evil [31m name.wav", "_evil-31m-name.wav"),
        ("speech.html", "speech.html", "_speech.wav"),  # stored as what it is, never as a page
        ("日本語.wav", "日本語.wav", "_audio.wav"),
        ("..", "..", "_audio.wav"),
        ("x" * 300 + ".wav", "x" * 200, "_" + "x" * 60 + ".wav"),
    ],
    ids=[
        "dot-dot-slash",
        "backslashes",
        "control-characters",
        "wrong-extension",
        "no-latin-letters",
        "only-dots",
        "very-long",
    ],
)
def test_hostile_file_names_are_made_safe_in_the_url_and_readable_in_the_title(
    api_client, user, fal_engine, given, title, url_ending
):
    client = proxy_client(user)
    audio_url = upload_through_proxy(client, given, speech_wav(2.0))
    image_url = upload_through_proxy(client, "face.jpg", portrait_jpeg())

    response = proxy_call(
        client, "post", f"https://queue.fal.run/{PRO}", {"image_url": image_url, "audio_url": audio_url}
    )

    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["request_id"])
    assert job.title == title
    assert job.audio_url.endswith(url_ending), job.audio_url
    stored_name = job.audio_url.rsplit("/", 1)[1]
    assert ".." not in stored_name and stored_name.isascii() and len(stored_name) < 100


def rename(api_client, job, title):
    return api_client.patch(f"/api/v1/jobs/{job.pk}", {"title": title}, format="json")


def a_job(user):
    return Job.objects.create(user=user, endpoint_id=PRO, title="speech.wav", state=JobState.COMPLETED)


def test_patch_renames_a_job_and_answers_the_job(api_client, user):
    job = a_job(user)

    response = rename(api_client, job, "  Welcome\tvideo \u202e for the team ")

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Welcome video for the team"
    assert Job.objects.get(pk=job.pk).title == "Welcome video for the team"
    assert api_client.get(f"/api/v1/jobs/{job.pk}").json()["title"] == "Welcome video for the team"


@pytest.mark.parametrize("title", ["", "   ", "\x00\x07", "x" * 201])
def test_patch_refuses_an_empty_or_too_long_title_under_its_field(api_client, user, title):
    job = a_job(user)

    response = rename(api_client, job, title)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["title"]
    assert Job.objects.get(pk=job.pk).title == "speech.wav"


def test_patch_cannot_rename_another_users_job(api_client):
    job = a_job(make_user("mallory"))

    assert rename(api_client, job, "mine now").status_code == 404
    assert Job.objects.get(pk=job.pk).title == "speech.wav"
