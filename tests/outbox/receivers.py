"""A consumer's webhook endpoint: a real HTTP server in a thread of the test process that
verifies each delivery as a consumer would (the `standardwebhooks` library itself), records
it, and answers from a script."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.conftest import wait_for


@dataclass
class Received:
    headers: dict
    body: bytes
    at: float
    verified: bool | None = None  # None: the receiver has no secret to check with

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answers`: what to answer, in turn: a status, or (status, body, headers); the last one
    is repeated. `hang`: never answer (until the test ends). `secret`: verify each delivery
    and answer 400 to one that fails verification."""

    answers: list = field(default_factory=lambda: [200])
    hang: bool = False
    secret: str | None = None
    received: list = field(default_factory=list)

    def start(self):
        receiver = self
        self.released = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = Received(headers=dict(self.headers.items()), body=body, at=time.monotonic())
                if receiver.secret is not None:
                    try:
                        Webhook(receiver.secret).verify(body, record.headers)
                        record.verified = True
                    except WebhookVerificationError:
                        record.verified = False
                receiver.received.append(record)
                if receiver.hang:
                    receiver.released.wait(120)
                    self.close_connection = True
                    return
                if record.verified is False:
                    answer = (400, b"bad signature", {})
                else:
                    answer = receiver.answers[min(len(receiver.received) - 1, len(receiver.answers) - 1)]
                status, content, headers = (
                    answer if isinstance(answer, tuple) else (answer, b"" if answer == 204 else b"ok", {})
                )
                self.send_response(status)
                for name, value in {"Content-Length": str(len(content)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/avatar-studio"

    def wait_for_deliveries(self, count, timeout=20):
        wait_for(lambda: len(self.received) >= count, timeout=timeout, message=f"{count} deliveries at {self.url}")
        return self.received

    def events(self, event_type=None):
        return [r.event for r in self.received if event_type is None or r.event["type"] == event_type]
