"""The one byte-range reader behind our private media and the engine's CDN."""

import pytest
from django.test import RequestFactory

from core.ranged_files import ranged_file_response, requested_range

# 1024 bytes, starting as an MP4 does (its `ftyp` box): the type is read from the bytes.
CONTENT = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4)[:1024]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("", None),
        ("bytes=0-99", (0, 99)),
        ("bytes=1000-", (1000, 1023)),
        ("bytes=-24", (1000, 1023)),
        ("bytes=1000-5000", (1000, 1023)),
        ("bytes=2000-", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=50-10", "unsatisfiable"),
        ("bytes=0-1,5-9", None),  # several ranges: the whole file
        ("items=0-9", None),
        ("bytes=-", None),
        # Numbers past Python's int() digit limit: answered, never a 500.
        ("bytes=" + "9" * 5000 + "-", "unsatisfiable"),
        ("bytes=0-" + "9" * 5000, (0, 1023)),
        ("bytes=-" + "9" * 5000, (0, 1023)),
        ("bytes=" + "0" * 5000 + "10-19", (10, 19)),
    ],
)
def test_range_header_is_read_as_one_range_or_the_whole_file(header, expected):
    assert requested_range(header, 1024) == expected


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def stored(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(CONTENT)
    return path


def test_whole_file_says_its_length_and_that_ranges_work(stored):
    response = ranged_file_response(RequestFactory().get("/"), stored)

    assert (response.status_code, response["Content-Length"], response["Accept-Ranges"]) == (200, "1024", "bytes")
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == CONTENT


def test_head_of_a_range_has_the_headers_and_no_body(stored):
    response = ranged_file_response(RequestFactory().head("/", HTTP_RANGE="bytes=10-19"), stored)

    assert (response.status_code, response["Content-Length"], response["Content-Range"]) == (
        206,
        "10",
        "bytes 10-19/1024",
    )
    assert body(response) == b""


def test_unsatisfiable_range_names_the_size(stored):
    response = ranged_file_response(RequestFactory().get("/", HTTP_RANGE="bytes=5000-"), stored)

    assert (response.status_code, response["Content-Range"]) == (416, "bytes */1024")
