"""A stored file is shown only as the picture, sound or video its bytes are, and anything else
is a download; every answer says nosniff and carries a sandbox under which nothing runs."""

import io

import av
import numpy as np
import pytest
from django.test import RequestFactory

from core.ranged_files import ranged_file_response
from core.stored_media import media_type
from tests.engine.media_factories import voice_in
from tests.factories import portrait_jpeg, portrait_png
from tests.hostile_files import html_page, png_with_markup, svg_image, webp_that_is_javascript


def webp() -> bytes:
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (64, 64)).save(picture, "WEBP")
    return picture.getvalue()


def video(container: str, codec: str) -> bytes:
    output = io.BytesIO()
    with av.open(output, "w", format=container) as movie:
        stream = movie.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for shade in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), shade * 40, dtype=np.uint8), format="rgb24")
            movie.mux(stream.encode(frame))
        movie.mux(stream.encode(None))
    return output.getvalue()


@pytest.mark.parametrize(
    "make, expected",
    [
        (portrait_jpeg, "image/jpeg"),
        (portrait_png, "image/png"),
        (webp, "image/webp"),
        (lambda: voice_in("wav", 0.5), "audio/wav"),
        (lambda: voice_in("mp3", 0.5), "audio/mpeg"),
        (lambda: b"\xff\xfb\x90\x64" + bytes(64), "audio/mpeg"),  # an MP3 frame with no ID3 tag before it
        (lambda: voice_in("adts-aac", 0.5), "audio/aac"),
        (lambda: voice_in("ogg-opus", 0.5), "audio/ogg"),
        (lambda: voice_in("m4a", 0.5), "audio/mp4"),
        (lambda: video("mp4", "h264"), "video/mp4"),
        (lambda: video("webm", "libvpx"), "video/webm"),
    ],
    ids=["jpeg", "png", "webp", "wav", "mp3", "mp3-frame", "aac", "ogg", "m4a", "mp4", "webm"],
)
def test_each_format_we_take_or_make_is_known_by_its_bytes(make, expected):
    assert media_type(make()[:16]) == expected


@pytest.mark.parametrize(
    "content",
    [
        html_page("alert(1)"),
        b"alert(1)",
        svg_image("alert(1)"),
        b'<?xml version="1.0"?><svg/>',
        b"%PDF-1.7",
        b"GIF89a",
        b"",
    ],
    ids=["html", "javascript", "svg", "svg-with-xml-declaration", "pdf", "gif", "empty"],
)
def test_anything_else_is_no_media(content):
    assert media_type(content[:16]) is None


def served(tmp_path, name, content, **options):
    path = tmp_path / name
    path.write_bytes(content)
    return ranged_file_response(RequestFactory().get("/"), path, **options)


@pytest.mark.parametrize("name", ["page.html", "page.png", "script.js", "image.svg"])
def test_a_file_that_is_no_media_is_a_download_whatever_its_name(tmp_path, name):
    response = served(tmp_path, name, html_page("alert(1)"))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("gift.html", png_with_markup(b"<script>alert(1)</script>"), "image/png"),
        ("t.js", webp_that_is_javascript("alert(1)"), "image/webp"),
    ],
)
def test_a_polyglot_is_shown_only_as_the_picture_it_is(tmp_path, name, content, expected):
    response = served(tmp_path, name, content)

    assert response["Content-Type"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox ")
    assert "allow-scripts" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_download_keeps_the_name_its_caller_gave(tmp_path):
    response = served(tmp_path, "video.mp4", b"not a video", disposition='attachment; filename="hello.mp4"')

    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/octet-stream",
        'attachment; filename="hello.mp4"',
    )
