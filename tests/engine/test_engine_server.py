"""The engine runs on its own port and inside the main app, with URLs that stay on the engine."""

import httpx
from django.test import Client

from engine.server import start_engine_server, stop_engine_server
from tests.engine.fal_checks import KLING_PRO


def test_standalone_server_serves_only_the_engine_at_its_mount(engine):
    server, base_url = start_engine_server()
    try:
        index = httpx.get(f"{base_url}/")
        admin = httpx.get(base_url.removesuffix("/_fal") + "/admin/")
        submitted = httpx.post(f"{base_url}/queue/{KLING_PRO}", json={}, headers={"Authorization": "Key k"}).json()
    finally:
        stop_engine_server(server)

    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/_fal")
    assert index.json()["queue_url"] == f"{base_url}/queue/"
    assert admin.status_code == 404
    assert submitted["status_url"].startswith(f"{base_url}/queue/fal-ai/kling-video/requests/")


def test_an_engine_started_without_its_controls_does_not_answer_them(engine):
    # How scripts/serve starts the engine beside gunicorn.
    server, base_url = start_engine_server()
    try:
        answers = [
            httpx.post(f"{base_url}/_control/reset").status_code,
            httpx.get(f"{base_url}/_control/stats").status_code,
        ]
    finally:
        stop_engine_server(server)

    assert answers == [404, 404]


def test_engine_is_mounted_in_the_main_app_without_redirects(engine):
    client = Client()

    jwks = client.get("/_fal/rest/.well-known/jwks.json")
    submitted = client.post(
        f"/_fal/queue/{KLING_PRO}/", data={}, content_type="application/json", HTTP_AUTHORIZATION="Key k"
    )

    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kid"] == "local-1"
    assert submitted.status_code == 200
    assert submitted.json()["response_url"].startswith("http://testserver/_fal/queue/fal-ai/kling-video/requests/")
