"""Fixtures for the local engine's tests: a real engine server on a free port, the unmodified
fal-client routed to it, media made on the fly, and a tiny webhook receiver."""

import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path

import fal_client
import httpx
import pytest

from engine.server import start_engine_server, stop_engine_server
from engine.state import ENGINE
from jobs.fal_routing import route_fal_client
from tests.engine.media_factories import make_png, make_wav

TEST_PROCESSING_SECONDS = 0.3


@pytest.fixture(scope="session")
def engine_server_url():
    server, base_url = start_engine_server(controls=True)
    yield base_url
    stop_engine_server(server)


@pytest.fixture
def engine(engine_server_url, settings, tmp_path):
    """A healthy, empty engine with short runs, its files in this test's tmp dir, fal-client routed to it."""
    settings.ENGINE_STORAGE_DIR = tmp_path / "engine-storage"
    ENGINE.reset()
    ENGINE.faults.set_timing(processing_seconds=TEST_PROCESSING_SECONDS)
    ENGINE.faults.set_webhook_retries(attempts=4, base_delay=0.05, max_delay=0.2)
    route_fal_client(engine_server_url)
    yield ENGINE
    ENGINE.reset()
    route_fal_client(None)


@pytest.fixture
def engine_url(engine, engine_server_url):
    return engine_server_url


@pytest.fixture
def fal(engine, monkeypatch):
    # The engine must work with fal-client as it ships, retries included (ten attempts);
    # the app itself makes one attempt per call and retries on its own (jobs/fal.py).
    monkeypatch.setattr(fal_client.client, "MAX_ATTEMPTS", 10)
    return fal_client.SyncClient(key="local:local")


@pytest.fixture
def api(engine_url):
    """Raw HTTP to the engine, for what fal-client does not expose."""
    with httpx.Client(base_url=engine_url, headers={"Authorization": "Key local:local"}, timeout=30) as client:
        yield client


@pytest.fixture
def face_png(tmp_path) -> Path:
    return make_png(tmp_path / "face.png")


@pytest.fixture
def voice_wav(tmp_path) -> Path:
    return make_wav(tmp_path / "voice.wav", seconds=2.0)


@pytest.fixture
def avatar_inputs(fal, face_png, voice_wav) -> dict:
    return {
        "image_url": fal.upload_file(face_png),
        "audio_url": fal.upload_file(voice_wav),
        "prompt": "A friendly hello",
    }


# --- webhooks -----------------------------------------------------------------------------------


@dataclass
class Delivery:
    headers: dict
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    # Statuses to answer in turn; 200 once they run out.
    scripted_statuses: list[int] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.arrived:
                status = receiver.scripted_statuses.pop(0) if receiver.scripted_statuses else 200
                receiver.deliveries.append(Delivery(dict(self.headers), body))
                receiver.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/fal"
    yield receiver
    server.shutdown()
    server.server_close()
