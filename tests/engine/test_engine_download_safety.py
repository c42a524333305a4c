"""The engine stands in for fal, which fetches only public URLs: it refuses private
addresses, also behind a redirect, and its errors say nothing of what answered."""

import http.server
import threading

import httpx
import pytest

from tests.conftest import wait_for
from tests.engine.fal_checks import KLING_PRO


def run_and_fail(api, engine, inputs):
    answer = api.post(f"/queue/{KLING_PRO}", json=inputs)
    request_id = answer.json()["request_id"]
    wait_for(lambda: engine.get(request_id).state == "COMPLETED", timeout=30, message="the request to end")
    return api.get(f"/queue/fal-ai/kling-video/requests/{request_id}")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:22/"]
)
def test_private_addresses_are_not_fetched_and_the_error_reveals_nothing(api, engine, avatar_inputs, url):
    result = run_and_fail(api, engine, {**avatar_inputs, "audio_url": url})

    assert result.status_code == 422
    detail = result.json()["detail"][0]
    assert detail["msg"] == "Failed to download the file"
    assert "Error" not in result.text  # no ConnectError / RemoteProtocolError: no port scanner


@pytest.fixture
def redirector(engine_url):
    """A host the test allows (localhost) that redirects to the engine's loopback-only controls."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", engine_url.replace("localhost", "127.0.0.1") + "/_control/stats")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/voice.wav"
    server.shutdown()


def test_a_redirect_to_a_private_address_is_refused(api, engine, avatar_inputs, redirector, settings):
    settings.ALLOWED_INPUT_HOSTS = ["localhost"]  # the first hop is allowed; the second is not

    result = run_and_fail(api, engine, {**avatar_inputs, "audio_url": redirector})

    assert result.status_code == 422
    assert result.json()["detail"][0]["msg"] == "Failed to download the file"
    assert httpx.get(redirector, follow_redirects=False).status_code == 302  # it did redirect
