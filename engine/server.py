"""Runs the engine on its own port, in-process: for the CLI, the benchmarks and the tests.

The server answers only the engine's routes, at the same /_fal/ mount as the main app, by
giving each request its own urlconf: ROOT_URLCONF stays untouched for the rest of the process.
Started with `controls`, it also answers the test controls at /_fal/_control/.
"""

import socket
import threading

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

STANDALONE_URLCONF = "engine.standalone_urls"
CONTROLLED_URLCONF = "engine.controlled_urls"
MOUNT = "/_fal"


class EngineWSGIHandler(WSGIHandler):
    def __init__(self, urlconf: str):
        super().__init__()
        self.urlconf = urlconf

    def get_response(self, request):
        request.urlconf = self.urlconf
        return super().get_response(request)


class QuietRequestHandler(WSGIRequestHandler):
    # fal-client polls ten times a second; an access log line per poll would drown the output.
    def log_message(self, format, *args):
        pass


class EngineServer(ThreadedWSGIServer):
    # fal answers at once; without TCP_NODELAY, Nagle's algorithm and delayed ACKs would add
    # ~40 ms to every keep-alive answer, and pollers would wait on that instead of the engine.
    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


def start_engine_server(
    host: str = "127.0.0.1", port: int = 0, *, controls: bool = False
) -> tuple[ThreadedWSGIServer, str]:
    """Serve the engine from a daemon thread; returns the server and its base URL (…/_fal).

    Port 0 picks a free port; `controls` adds the test controls. Stop it with
    stop_engine_server(server).
    """
    # Reusing the address lets a restarted engine take its port back at once (TIME_WAIT).
    server = EngineServer((host, port), QuietRequestHandler, ipv6=":" in host, allow_reuse_address=True)
    server.set_app(EngineWSGIHandler(CONTROLLED_URLCONF if controls else STANDALONE_URLCONF))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.name = f"fal-engine-server-{server.server_address[1]}"
    thread.start()
    return server, f"http://{url_host(host)}:{server.server_address[1]}{MOUNT}"


def stop_engine_server(server: ThreadedWSGIServer) -> None:
    server.shutdown()
    server.server_close()


def url_host(host: str) -> str:
    """A host name clients can reach: a wildcard bind is reached via loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
