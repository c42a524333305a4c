"""One webhook POST to a consumer's URL, and nothing a consumer can turn against us.

- Only public addresses (core.public_urls), checked on every attempt, unless the host is in
  WEBHOOK_ALLOWED_HOSTS. The connection goes to the very address that was checked (a network
  backend for httpcore, the transport under httpx): a DNS answer that changes between check
  and connect (rebinding) can't point it at our own or a private network. TLS still checks
  the certificate of the host named in the URL.
- Redirects are never followed (httpcore doesn't), and a 3xx counts as a failed attempt.
- An attempt ends within WEBHOOK_TIMEOUT whatever the consumer does: every socket operation
  gets at most the time left, so a consumer dribbling one byte at a time can't stretch it.
- Only the first SNIPPET_BYTES (1 KB) of the answer are read; the rest is dropped
  with the connection.

Connections are pooled per process (keep-alive), so a busy consumer costs one TLS handshake,
not one per event; a pooled connection is reused only for the host and port it was opened to.
"""

import codecs
import threading
import time
import urllib.parse
from dataclasses import dataclass

import httpcore
from django.conf import settings

from core.public_urls import UnsafeURL, public_addresses

_attempt = threading.local()  # this thread's attempt: its deadline and checked addresses
_pool = None
_pool_lock = threading.Lock()

USER_AGENT = "AvatarStudio-Webhooks/1.0"
SNIPPET_BYTES = 1024


@dataclass
class Answer:
    """What one attempt got: an HTTP status, or an error (a refusal, a timeout, a network
    failure), how long it took, and the start of the answer's body."""

    status: int | None
    latency_ms: int
    snippet: str = ""
    error: str = ""


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` once. Never raises for anything the consumer or the network does."""
    started = time.monotonic()
    _attempt.deadline = started + settings.WEBHOOK_TIMEOUT
    try:
        addresses = _checked_addresses(url)
        _attempt.addresses = {_origin(url): addresses}
        timeouts = {
            "connect": settings.WEBHOOK_CONNECT_TIMEOUT,
            "read": settings.WEBHOOK_TIMEOUT,
            "write": settings.WEBHOOK_TIMEOUT,
            "pool": settings.WEBHOOK_TIMEOUT,
        }
        with connection_pool().stream(
            "POST",
            url,
            headers=[("User-Agent", USER_AGENT), *headers.items()],
            content=body,
            extensions={"timeout": timeouts},
        ) as response:
            status, snippet = response.status, _read_snippet(response)
        return Answer(status=status, latency_ms=_ms_since(started), snippet=snippet)
    except UnsafeURL as exc:
        return Answer(status=None, latency_ms=_ms_since(started), error=f"Refused: {exc}")
    except httpcore.TimeoutException:
        return Answer(
            status=None, latency_ms=_ms_since(started), error="Timed out: no complete answer within the time allowed."
        )
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError, ValueError) as exc:
        # (ValueError: a URL httpcore cannot send, such as a host name that is not ASCII)
        return Answer(status=None, latency_ms=_ms_since(started), error=_describe(exc))
    finally:
        _attempt.deadline = None
        _attempt.addresses = {}


def connection_pool() -> httpcore.ConnectionPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = httpcore.ConnectionPool(
                network_backend=PublicOnlyBackend(),
                max_connections=None,
                max_keepalive_connections=64,
                keepalive_expiry=5.0,
                retries=0,
            )
        return _pool


def _checked_addresses(url: str) -> list[str]:
    """The URL's public addresses ([] for an allowed host); UnsafeURL for anything else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Only http(s) URLs can receive webhooks.")
    if parts.username or parts.password:
        raise UnsafeURL("Webhook URLs can't carry a user name or password.")
    return public_addresses(url, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS)


def _origin(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)


class PublicOnlyBackend(httpcore.NetworkBackend):
    """Opens connections only to addresses checked for this attempt, and bounds every
    socket operation by the attempt's deadline."""

    def __init__(self):
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        checked = getattr(_attempt, "addresses", {}).get((host.lower(), port))
        if checked is None:  # not the host this attempt checked: refuse rather than guess
            raise httpcore.ConnectError("Connection to an unchecked host refused.")
        address = checked[0] if checked else host  # [] is an allowed host, connected to as named
        stream = self._inner.connect_tcp(
            address,
            port,
            timeout=_time_left(timeout, httpcore.ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return DeadlineStream(stream)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("Unix sockets are not webhook destinations.")

    def sleep(self, seconds):
        time.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner):
        self._inner = inner

    def read(self, max_bytes, timeout=None):
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer, timeout=None):
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self):
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        )

    def get_extra_info(self, info):
        return self._inner.get_extra_info(info)


def _time_left(timeout, expired):
    deadline = getattr(_attempt, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("The attempt ran out of time.")
    return left if timeout is None else min(timeout, left)


def _read_snippet(response) -> str:
    received, ended = b"", True
    for chunk in response.iter_stream():
        received += chunk
        if len(received) > SNIPPET_BYTES:
            ended = False
            break
    return safe_snippet(received, complete=ended)


def safe_snippet(raw: bytes, *, complete: bool = True, limit: int = SNIPPET_BYTES) -> str:
    """At most `limit` bytes of the answer as UTF-8 text. A character the limit cuts in two
    is dropped; invalid bytes, and NULs (PostgreSQL can't store them), become U+FFFD."""
    complete = complete and len(raw) <= limit
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(raw[:limit], final=complete)
    text = text.replace("\x00", "\ufffd")
    while len(text.encode()) > limit:  # each replacement character is 3 bytes
        text = text[:-1]
    return text


def _describe(exc) -> str:
    reason = str(exc).strip() or type(exc).__name__
    return f"Network error: {reason}"[:300]


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
