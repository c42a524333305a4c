"""Bodies too big for an avatar job are refused before they are read, with a size message."""

import re
import socket
import urllib.parse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings):
    settings.MAX_IMAGE_BYTES = settings.MAX_AUDIO_BYTES = settings.REQUEST_OVERHEAD_BYTES = 1024 * 1024  # 3 MB in all


@pytest.mark.django_db(transaction=True)
def test_a_200_mb_upload_is_refused_from_its_headers_without_sending_the_body(live_server, user, small_limits):
    token = Token.objects.create(user=user).key
    host = urllib.parse.urlsplit(live_server.url)
    head = (
        "POST /api/generate/upload-file HTTP/1.1\r\n"
        f"Host: {host.netloc}\r\nAuthorization: Token {token}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {200 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection((host.hostname, host.port), timeout=10) as connection:
        connection.sendall(head.encode())  # and not one byte of the body
        answer = read_response(connection)

    assert answer.startswith("HTTP/1.1 413")
    assert '"code": "request_too_large"' in answer.replace('":"', '": "')
    assert "larger than 3 MB" in answer


def read_response(connection) -> str:
    """Read one HTTP response: its headers, then as many body bytes as they announce."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    announced = re.search(rb"(?i)content-length: *(\d+)", head)
    length = int(announced.group(1)) if announced else None  # None: the body runs until the server closes
    while length is None or len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode()


def test_the_create_form_gets_a_413_page_too(client, user, small_limits):
    client.force_login(user)

    response = client.post("/create/", data=b"x" * (4 * 1024 * 1024), content_type="multipart/form-data; boundary=x")

    assert response.status_code == 413
    assert "larger than 3 MB" in response.content.decode()


def test_an_upload_over_the_file_limit_is_refused_for_its_size(api_client, small_limits):
    big = SimpleUploadedFile("voice.wav", b"\0" * (1024 * 1024 + 10), "audio/wav")

    response = api_client.post("/api/generate/upload-file", {"file": big}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The file is larger than 1 MB, the most an input may be."]
