"""A file over its own size limit is refused for its size, and stops being stored while it
arrives; a body Django can't measure (chunked) is refused rather than read as empty."""

import contextlib
import socket
import urllib.parse
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from credits.services import account_for
from jobs.models import Asset, Job
from tests.conftest import wait_for
from tests.factories import portrait_png, speech_wav
from tests.limits.test_request_size import read_response

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SUBMIT = "/api/generate/kling-avatar/submit"


def png_of_size(size):
    """A real PNG followed by padding: an image by its header, too big by its length."""
    return portrait_png().ljust(size, b"\0")


def sizes_of_files_in(folder):
    """The upload handler may delete a file between the listing and its stat: then it's gone."""
    sizes = []
    for path in Path(folder).iterdir():
        with contextlib.suppress(FileNotFoundError):
            sizes.append(path.stat().st_size)
    return sizes


def test_a_15_mb_image_is_refused_by_the_api_for_its_size_and_nothing_is_charged(api_client, user, settings):
    inputs = {
        "image": SimpleUploadedFile("face.png", png_of_size(15 * MB), "image/png"),
        "audio": SimpleUploadedFile("hello.wav", speech_wav(), "audio/wav"),
    }

    response = api_client.post(SUBMIT, inputs, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["image"] == ["The image is larger than 10 MB."]
    assert response.json()["detail"] == "image: The image is larger than 10 MB."
    assert not Job.objects.exists() and not Asset.objects.exists()
    assert account_for(user).balance == settings.STARTING_CREDITS


def test_a_15_mb_image_is_refused_by_the_create_form_for_its_size_keeping_what_came_after_it(client, user, settings):
    client.force_login(user)
    form = {
        "image": SimpleUploadedFile("face.png", png_of_size(15 * MB), "image/png"),
        "audio": SimpleUploadedFile("hello.wav", speech_wav(), "audio/wav"),
        "prompt": "Smiles and nods",
        "model": "kling-avatar-pro",
    }

    response = client.post("/create/", form)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<ul class="errors" id="id_image_errors"><li>The image is larger than 10 MB.</li></ul>' in page
    assert "neither" not in page and "Smiles and nods</textarea>" in page
    assert not Job.objects.exists()
    assert account_for(user).balance == settings.STARTING_CREDITS


def test_a_file_over_both_limits_is_refused_by_the_upload_endpoint_for_its_size(api_client):
    big = SimpleUploadedFile("voice.wav", speech_wav().ljust(25 * MB, b"\0"), "audio/wav")

    response = api_client.post("/api/generate/upload-file", {"file": big}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The file is larger than 20 MB, the most an input may be."]
    assert not Asset.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_file_stops_being_stored_while_the_rest_of_the_body_arrives(
    live_server, user, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.MAX_IMAGE_BYTES = 3 * MB
    boundary = "limitboundary"
    image = png_of_size(5 * MB)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="face.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + image
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="hello.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n".encode()
        + speech_wav()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    host = urllib.parse.urlsplit(live_server.url)
    head = (
        f"POST {SUBMIT} HTTP/1.1\r\n"
        f"Host: {host.netloc}\r\nAuthorization: Token {Token.objects.create(user=user).key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
    )

    with socket.create_connection((host.hostname, host.port), timeout=10) as connection:
        connection.sendall(head.encode() + body[: 2 * MB])
        wait_for(
            lambda: max(sizes_of_files_in(tmp_path), default=0) >= MB,
            message="the image to be written to a temporary file",
        )
        connection.sendall(body[2 * MB : 4 * MB])
        wait_for(
            lambda: not sizes_of_files_in(tmp_path), message="the temporary file to go once the image passed 3 MB"
        )
        connection.sendall(body[4 * MB :])
        answer = read_response(connection)

    assert answer.startswith("HTTP/1.1 400")
    assert "The image is larger than 3 MB." in answer
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_is_refused_as_length_required_without_being_read(live_server, user):
    host = urllib.parse.urlsplit(live_server.url)
    head = (
        "POST /api/generate/upload-file HTTP/1.1\r\n"
        f"Host: {host.netloc}\r\nAuthorization: Token {Token.objects.create(user=user).key}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    first_chunk = b"--x\r\n" * 1000

    with socket.create_connection((host.hostname, host.port), timeout=10) as connection:
        connection.sendall(head.encode() + f"{len(first_chunk):x}\r\n".encode() + first_chunk + b"\r\n")
        answer = read_response(connection)  # with the rest of the body never sent

    assert answer.startswith("HTTP/1.1 411")
    assert '"code": "length_required"' in answer.replace('":"', '": "')
    assert "Content-Length header" in answer


def test_the_create_form_gets_a_411_page_for_a_chunked_body(client, user):
    client.force_login(user)

    response = client.post(
        "/create/", data=b"", content_type="multipart/form-data; boundary=x", HTTP_TRANSFER_ENCODING="chunked"
    )

    assert response.status_code == 411
    assert "Content-Length header" in response.content.decode()
