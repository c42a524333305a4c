"""Local media: served to its owner (and staff) only, with byte ranges for video seeking."""

import uuid

import pytest

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 4  # 1024 bytes


@pytest.fixture
def video_path(user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    relative = f"videos/{user.pk}/{uuid.uuid4()}/video.mp4"
    (tmp_path / relative).parent.mkdir(parents=True)
    (tmp_path / relative).write_bytes(CONTENT)
    return f"/media/{relative}"


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    return client


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_owner_gets_the_whole_file_and_is_told_ranges_work(owner, video_path):
    response = owner.get(video_path)

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == CONTENT


@pytest.mark.parametrize(
    "header, first, last",
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, 1023), ("bytes=-24", 1000, 1023), ("bytes=1000-5000", 1000, 1023)],
)
def test_byte_ranges_return_exactly_the_asked_bytes(owner, video_path, header, first, last):
    response = owner.get(video_path, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/1024"
    assert body(response) == CONTENT[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=2000-", "bytes=-0", "bytes=50-10"])
def test_unsatisfiable_range_is_416(owner, video_path, header):
    response = owner.get(video_path, HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


def test_other_users_and_anonymous_visitors_get_404(client, other_user, video_path):
    assert client.get(video_path).status_code == 404
    client.force_login(other_user)
    assert client.get(video_path).status_code == 404


def test_staff_may_see_any_users_media(client, video_path):
    from tests.factories import make_user

    client.force_login(make_user("staffer", is_staff=True))

    assert client.get(video_path).status_code == 200


def test_paths_outside_the_media_folder_are_404(owner, user):
    assert owner.get(f"/media/videos/{user.pk}/x/../../../../etc/passwd").status_code == 404
