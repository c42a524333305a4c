"""fal's storage protocols against the engine: CDN uploads, multipart, legacy initiate, file host."""

import hashlib

import fal_client
import httpx
import pytest

from tests.engine.fal_checks import KLING_PRO
from tests.hostile_files import html_page, png_with_markup, svg_image


def test_fal_client_upload_returns_an_engine_url_serving_the_same_bytes(fal, engine_url, face_png):
    url = fal.upload_file(face_png)

    response = httpx.get(url)
    assert url.startswith(f"{engine_url}/cdn/files/") and url.endswith("_face.png")
    assert response.status_code == 200
    assert response.content == face_png.read_bytes()
    assert response.headers["content-type"] == "image/png"


def test_upload_without_a_file_name_gets_an_extension_from_its_content_type(fal):
    url = fal.upload(b"ID3\x04fake-bytes", "audio/mpeg")

    assert url.endswith(".mp3")
    assert httpx.get(url).headers["content-type"] == "audio/mpeg"


def test_legacy_storage_repository_uploads_through_a_presigned_put(fal, engine_url, voice_wav):
    url = fal.upload_file(voice_wav, repository="fal")

    assert url.startswith(f"{engine_url}/cdn/files/")
    assert httpx.get(url).content == voice_wav.read_bytes()


def test_cdn_token_expiry_carries_a_utc_offset(api, engine_url):
    token = api.post("/rest/storage/auth/token?storage_type=fal-cdn-v3", json={}).json()

    assert token["token_type"] == "Bearer"
    assert token["base_url"] == f"{engine_url}/cdn"
    assert token["expires_at"].endswith("+00:00")


def test_cdn_upload_needs_a_token_the_engine_issued(engine_url):
    response = httpx.post(f"{engine_url}/cdn/files/upload", content=b"x", headers={"Authorization": "Bearer forged"})

    assert response.status_code == 401


def test_multipart_upload_joins_parts_in_part_number_order(api):
    token = api.post("/rest/storage/auth/token?storage_type=fal-cdn-v3", json={}).json()
    cdn = httpx.Client(headers={"Authorization": f"Bearer {token['token']}"})
    created = cdn.post(f"{token['base_url']}/files/upload/multipart", headers={"X-Fal-File-Name": "big.bin"}).json()
    chunks = {1: b"first-", 2: b"second-", 3: b"third"}

    # Uploaded and listed out of order, as fal-client's concurrent part uploads finish.
    parts = []
    for number in (3, 1, 2):
        response = cdn.put(f"{created['access_url']}/multipart/{created['uploadId']}/{number}", content=chunks[number])
        assert response.headers["etag"] == f'"{hashlib.md5(chunks[number]).hexdigest()}"'
        parts.append({"partNumber": number, "etag": response.headers["etag"]})
    before = httpx.get(created["access_url"]).status_code
    completed = cdn.post(f"{created['access_url']}/multipart/{created['uploadId']}/complete", json={"parts": parts})

    assert before == 404
    assert completed.json()["access_url"] == created["access_url"]
    assert httpx.get(created["access_url"]).content == b"first-second-third"


def test_range_request_returns_partial_content(fal, face_png):
    url = fal.upload_file(face_png)
    data = face_png.read_bytes()

    partial = httpx.get(url, headers={"Range": "bytes=10-19"})
    tail = httpx.get(url, headers={"Range": "bytes=-5"})
    beyond = httpx.get(url, headers={"Range": f"bytes={len(data)}-"})

    assert partial.status_code == 206
    assert partial.content == data[10:20]
    assert partial.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert tail.content == data[-5:]
    assert beyond.status_code == 416


def test_unknown_or_malformed_file_names_are_404(engine_url):
    assert httpx.get(f"{engine_url}/cdn/files/nothing-here.png").status_code == 404
    assert httpx.get(f"{engine_url}/cdn/files/..%2Fsecret").status_code == 404


def test_data_uri_inputs_are_accepted_like_urls(fal, face_png, voice_wav):
    inputs = {"image_url": fal_client.encode_file(face_png), "audio_url": fal_client.encode_file(voice_wav)}

    output = fal.subscribe(KLING_PRO, inputs)

    assert output["duration"] == pytest.approx(2.0, abs=0.05)


def uploaded_by_anyone(engine_url, file_name, content_type, content):
    """The legacy initiate + presigned PUT, with a key the engine takes from anyone."""
    answer = httpx.post(
        f"{engine_url}/rest/storage/upload/initiate",
        json={"file_name": file_name, "content_type": content_type},
        headers={"Authorization": "Key anyone:x"},
    ).json()
    httpx.put(answer["upload_url"], content=content, headers={"Content-Type": content_type}).raise_for_status()
    return answer["file_url"]


@pytest.mark.parametrize(
    "file_name, content_type, content",
    [
        ("a.html", "text/html", html_page("alert(document.domain)")),
        ("a.js", "text/javascript", b"alert(document.domain)"),
        ("a.svg", "image/svg+xml", svg_image("alert(document.domain)")),
    ],
    ids=["html", "javascript", "svg"],
)
def test_a_page_or_script_anyone_stores_is_served_only_as_a_download(
    engine, engine_url, file_name, content_type, content
):
    url = uploaded_by_anyone(engine_url, file_name, content_type, content)

    response = httpx.get(url)

    assert response.content == content
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == "attachment"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"


def test_a_picture_is_shown_as_the_picture_its_bytes_are_whatever_name_it_was_given(engine, engine_url):
    url = uploaded_by_anyone(engine_url, "gift.html", "text/html", png_with_markup(b"<script>alert(1)</script>"))

    response = httpx.get(url)

    assert url.endswith("_gift.html")
    assert response.headers["content-type"] == "image/png"
    assert response.headers.get("content-disposition", "inline").startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("sandbox ")
