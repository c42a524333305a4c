"""A JSON body nested past any sense is bad input: a 400 in the door's own error shape, never
a 500 (Python's parser recurses once per level and runs out of stack)."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from core.json_bodies import MAX_DEPTH, TooDeeplyNested, loads

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000
JUST_TOO_DEEP = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)

API_DOORS = [
    "/api/generate/kling-avatar/submit",
    "/api/v1/jobs",
    "/api/v1/batches",
    "/api/v1/tokens",
    "/api/v1/webhook-endpoints",
]


@pytest.fixture
def client(user):
    # raise_request_exception=False: a server error must show as the 500 a caller would get.
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}", raise_request_exception=False)


@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP], ids=["100,000 levels", "one level too deep"])
@pytest.mark.parametrize("path", API_DOORS)
def test_deeply_nested_json_is_a_400_parse_error_on_every_api_door(client, path, body):
    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert f"{MAX_DEPTH} levels" in response.json()["detail"]


def test_deeply_nested_json_is_a_400_in_fal_shape_at_the_proxy(client):
    target = "https://queue.fal.run/fal-ai/kling-video/v1/pro/ai-avatar"

    response = client.post("/api/fal/proxy", DEEP, content_type="application/json", HTTP_X_FAL_TARGET_URL=target)

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_deeply_nested_json_is_a_400_at_the_engine_submit():
    engine = Client(HTTP_AUTHORIZATION="Key probe:secret", raise_request_exception=False)

    response = engine.post("/_fal/queue/fal-ai/kling-video/v1/pro/ai-avatar", DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_at_the_depth_bound_is_read():
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    assert loads(body) is not None
    with pytest.raises(TooDeeplyNested):
        loads('{"a": ' + body + "}")
