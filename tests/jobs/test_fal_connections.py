"""The status reader's own HTTP (jobs.fal_connections) against a real server over loopback:
connections are kept and reused, and one the server dropped while idle costs no failed call."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jobs.fal_connections import StatusHTTP


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the server says otherwise
    drop_after_answer = False
    connections: list = []

    def do_GET(self):
        _Answers.connections.append(self.client_address)
        body = b'{"status": "IN_QUEUE", "queue_position": 0}'
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # Drop the connection without saying so (no "Connection: close"), as a server whose
        # keep-alive timeout passed does.
        self.close_connection = _Answers.drop_after_answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Answers.connections = []
    _Answers.drop_after_answer = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def ask(url, times):
    async def run():
        http = StatusHTTP(headers={"Authorization": "Key test"}, timeout=5)
        try:
            answers = []
            for _ in range(times):
                answers.append(await http.request("GET", f"{url}/requests/x/status", params={"logs": True}))
            return answers
        finally:
            await http.aclose()

    # In a thread of its own, as the worker's reader runs: a browser test earlier in this
    # process leaves its event loop running in the main thread, where asyncio.run() refuses.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_one_connection_serves_calls_in_turn(server):
    answers = ask(server, 5)

    assert [answer.status_code for answer in answers] == [202] * 5
    assert answers[0].json() == {"status": "IN_QUEUE", "queue_position": 0}
    assert answers[0].request.url.query == b"logs=true"
    assert len({port for _, port in _Answers.connections}) == 1  # kept alive, reused


def test_a_connection_the_server_dropped_while_idle_is_replaced_without_a_failed_call(server):
    _Answers.drop_after_answer = True

    answers = ask(server, 4)

    assert [answer.status_code for answer in answers] == [202] * 4
    assert len({port for _, port in _Answers.connections}) == 4  # a new connection each time
