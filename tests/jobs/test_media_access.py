"""Local media: served to its owner (and staff) only, with byte ranges for video seeking."""

import http.client

import pytest
from rest_framework.authtoken.models import Token

from jobs.models import Job, JobState
from tests.servers import app_server

pytestmark = pytest.mark.django_db

# 1024 bytes, starting as an MP4 does (its `ftyp` box): the type is read from the bytes.
CONTENT = (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4)[:1024]


def stored_video(owner, media_root, content=CONTENT):
    """A job of `owner` whose video is stored under media_root; returns the video's name."""
    job = Job.objects.create(user=owner, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar", state=JobState.COMPLETED)
    name = f"videos/{owner.pk}/{job.pk}/video.mp4"
    (media_root / name).parent.mkdir(parents=True)
    (media_root / name).write_bytes(content)
    Job.objects.filter(pk=job.pk).update(video=name)
    return name


@pytest.fixture
def video_path(user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return f"/media/{stored_video(user, tmp_path)}"


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


SECRET = b"the victim's private video"


@pytest.fixture
def victims_video(other_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return stored_video(other_user, tmp_path, content=SECRET)


@pytest.fixture
def victims_input(other_user, settings, tmp_path):
    """A job of the victim whose uploaded portrait is stored under inputs/."""
    settings.MEDIA_ROOT = str(tmp_path)
    job = Job.objects.create(user=other_user, endpoint_id="fal-ai/kling-video/v1/pro/ai-avatar")
    name = f"inputs/{other_user.pk}/{job.pk}/face.png"
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_bytes(SECRET)
    Job.objects.filter(pk=job.pk).update(image_file=name)
    return name


# Paths that start in the attacker's own folder ({me}) and climb into the victim's ({tail}
# is "<victim id>/<job id>/<file>"), as sent on the wire.
TRAVERSALS = {
    "dot-dot": "{folder}/{me}/../{tail}",
    "encoded-dot-dot": "{folder}/{me}/%2e%2e/{tail}",
    "encoded-dot-dot-upper": "{folder}/{me}/%2E%2E/{tail}",
    "dot-dot-encoded-slash": "{folder}/{me}/..%2f{tail}",
    "all-encoded": "{folder}/{me}/%2e%2e%2f{tail}",
    "deeper-dot-dots": "{folder}/{me}/x/../../{tail}",
    "double-slash": "{folder}//{tail}",
    "dot-and-empty-segments": "{folder}/{me}/.//../{tail}",
    "backslash": "{folder}/{me}/..\\{tail}",
}


def traversal(template, attacker, victims_name):
    folder, tail = victims_name.split("/", 1)
    return template.format(folder=folder, me=attacker.pk, tail=tail)


def traversals(attacker, victims_name):
    return [traversal(template, attacker, victims_name) for template in TRAVERSALS.values()]


def as_caller(client, user, how):
    if how == "session":
        client.force_login(user)
        return {}
    if how == "token":
        return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}
    return {}


@pytest.mark.parametrize("how", ["session", "token", "anonymous"])
@pytest.mark.parametrize("template", TRAVERSALS.values(), ids=TRAVERSALS.keys())
@pytest.mark.parametrize("victims_file", ["victims_video", "victims_input"])
def test_climbing_out_of_ones_own_folder_never_reaches_another_users_file(
    request, client, user, victims_file, template, how
):
    path = traversal(template, user, request.getfixturevalue(victims_file))
    headers = as_caller(client, user, how)

    for method in (client.get, client.head):
        response = method(f"/media/{path}", HTTP_RANGE="bytes=0-", **headers)
        assert response.status_code == 404, method
        assert SECRET not in body(response)


@pytest.fixture
def real_server(transactional_db, settings):
    with app_server(MEDIA_ROOT=settings.MEDIA_ROOT) as base_url:
        yield int(base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize("how", ["session", "token", "anonymous"])
def test_raw_traversal_paths_over_real_http_are_404(victims_video, real_server, client, user, how):
    headers = {}
    if how == "token":
        headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    elif how == "session":
        client.force_login(user)
        headers["Cookie"] = f"sessionid={client.cookies['sessionid'].value}"

    for path in traversals(user, victims_video):
        connection = http.client.HTTPConnection("127.0.0.1", real_server, timeout=10)
        connection.request("GET", f"/media/{path}", headers=headers)  # sent as is, unnormalised
        response = connection.getresponse()
        assert response.status == 404, path
        assert SECRET not in response.read()
        connection.close()

    # The same server does serve the victim their own video.
    connection = http.client.HTTPConnection("127.0.0.1", real_server, timeout=10)
    victim_token = Token.objects.create(user=Job.objects.get(video=victims_video).user).key
    connection.request("GET", f"/media/{victims_video}", headers={"Authorization": f"Token {victim_token}"})
    assert connection.getresponse().read() == SECRET


def test_symlink_to_another_users_video_is_404(owner, user, victims_video, tmp_path):
    own = tmp_path / "videos" / str(user.pk) / "link" / "video.mp4"
    own.parent.mkdir(parents=True)
    own.symlink_to(tmp_path / victims_video)
    Job.objects.create(user=user, endpoint_id="x", video=f"videos/{user.pk}/link/video.mp4")

    assert owner.get(f"/media/videos/{user.pk}/link/video.mp4").status_code == 404


def test_symlink_out_of_the_media_folder_is_404(owner, user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(SECRET)
    link = tmp_path / "media" / "videos" / str(user.pk) / "j" / "video.mp4"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    Job.objects.create(user=user, endpoint_id="x", video=f"videos/{user.pk}/j/video.mp4")

    assert owner.get(f"/media/videos/{user.pk}/j/video.mp4").status_code == 404


def test_head_is_answered_like_get_without_a_body(owner, video_path):
    response = owner.head(video_path)

    assert response.status_code == 200
    assert response["Content-Length"] == "1024"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == b""


def test_owner_reaches_their_video_with_a_token(client, user, video_path):
    token = Token.objects.create(user=user).key

    response = client.get(video_path, HTTP_AUTHORIZATION=f"Token {token}", HTTP_RANGE="bytes=0-9")

    assert response.status_code == 206
    assert body(response) == CONTENT[:10]


def test_a_bad_token_is_just_a_stranger(client, video_path):
    assert client.get(video_path, HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 404


def test_owner_reaches_their_uploaded_input(client, other_user, victims_input):
    client.force_login(other_user)

    response = client.get(f"/media/{victims_input}")

    assert (response.status_code, body(response)) == (200, SECRET)


@pytest.mark.parametrize("accept", ["video/mp4", "image/png", "application/octet-stream", "*/*"])
def test_a_strict_accept_header_still_gets_the_file(owner, video_path, accept):
    response = owner.get(video_path, HTTP_ACCEPT=accept, HTTP_RANGE="bytes=0-9")

    assert (response.status_code, body(response)) == (206, CONTENT[:10])


@pytest.mark.parametrize(
    "path", ["videos/" + "a" * 300 + "/video.mp4", "/".join(["a" * 200] * 30)], ids=["long-segment", "long-path"]
)
def test_an_overlong_name_is_404_not_an_error(owner, video_path, path):
    assert owner.get(f"/media/{path}").status_code == 404


def test_a_range_too_long_to_count_is_answered_not_an_error(owner, video_path):
    response = owner.get(video_path, HTTP_RANGE="bytes=" + "9" * 5000 + "-")

    assert (response.status_code, response["Content-Range"]) == (416, "bytes */1024")
