"""The status reader's HTTP (jobs.fal.StatusReader): what fal-client's request handle needs
of an httpx client, and a plain stack of idle keep-alive connections per host beneath it.

httpx's own pool (httpcore's) looks at every open connection on each request and again at
each response's end: whether it has expired (a system call per idle connection), and for
each idle one how many others are idle (every pair). With a batch's 25 connections open,
that scan was the largest single part of a status check's CPU in the worker
(bench/worker_load.py, docs/benchmarks.md "Worker"). Here a request takes the connection to
its host that was put back last, checked for expiry (that one only), or opens a new one; its
response's end puts it back. Nothing is queued or capped: the reader never has more than a
batch (POLL_CONCURRENCY) of requests in flight, so never more connections than that.

Above it, StatusHTTP answers the one call fal-client's AsyncRequestHandle makes of its
client, `request(method, url, params=..., timeout=...)`, with an httpx.Request and
httpx.Response, without httpx.AsyncClient's cookie jar (it built an e-mail message of every
answer's headers to look for cookies), authentication flow, redirects and URL merging: about
as much CPU again as the HTTP itself, for a GET that needs none of them.

Not carried over from httpx.AsyncClient: an outgoing proxy named in the environment
(HTTPS_PROXY). The status checks connect to fal directly, while fal-client's other calls
(submit, result, cancel) would go through such a proxy.
"""

import ssl
import time

import certifi
import httpcore
import httpx

DEFAULT_PORTS = {b"http": 80, b"https": 443}
# An idle connection is closed after this long (httpx's default keep-alive expiry).
KEEPALIVE_SECONDS = 5.0

# httpcore's failures in httpx's words (what fal-client and jobs.fal catch), most specific first.
_ERRORS = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ConnectionNotAvailable, httpx.RemoteProtocolError),
)
# A connection the server closed while it sat idle fails its next request with one of these
# before any answer: a GET is then sent once more on a new connection.
_STALE = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError, httpcore.ConnectionNotAvailable)


def _in_httpx_words(exc: Exception, request: httpx.Request) -> Exception:
    for core, ours in _ERRORS:
        if isinstance(exc, core):
            return ours(str(exc), request=request)
    return exc


class StackedConnections(httpx.AsyncBaseTransport):
    def __init__(self, keepalive_seconds: float = KEEPALIVE_SECONDS):
        self.keepalive_seconds = keepalive_seconds
        self.ssl_context = ssl.create_default_context(cafile=certifi.where())
        # Per (scheme, host, port): (connection, when it was put back), the newest last.
        self.idle: dict[tuple[bytes, bytes, int], list[tuple[httpcore.AsyncHTTPConnection, float]]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or DEFAULT_PORTS.get(url.raw_scheme, 80)
        host = (url.raw_scheme, url.raw_host, port)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        connection = await self._take(host)
        reused = connection is not None
        connection = connection or self._open(host)
        try:
            try:
                response = await connection.handle_async_request(core_request)
            except _STALE:
                if not reused or request.method != "GET":
                    raise
                await connection.aclose()
                connection = self._open(host)
                response = await connection.handle_async_request(core_request)
        except Exception as exc:
            await connection.aclose()
            raise _in_httpx_words(exc, request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_PutBackOnClose(self, host, connection, response.stream, request),
            extensions=response.extensions,
        )

    def _open(self, host) -> httpcore.AsyncHTTPConnection:
        return httpcore.AsyncHTTPConnection(
            httpcore.Origin(*host), ssl_context=self.ssl_context, keepalive_expiry=self.keepalive_seconds
        )

    async def _take(self, host):
        """The connection to `host` put back last, if it is still good; expired ones go."""
        stack = self.idle.get(host)
        while stack:
            connection, _ = stack.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()
        return None

    async def put_back(self, host, connection) -> None:
        if not connection.is_idle():
            await connection.aclose()
            return
        now = time.monotonic()
        stack = self.idle.setdefault(host, [])
        stack.append((connection, now))
        # Those left at the bottom since before the keep-alive expiry won't be used again.
        while stack and stack[0][1] < now - self.keepalive_seconds:
            old, _ = stack.pop(0)
            await old.aclose()

    async def aclose(self) -> None:
        for stack in self.idle.values():
            for connection, _ in stack:
                await connection.aclose()
        self.idle = {}


class _PutBackOnClose(httpx.AsyncByteStream):
    def __init__(self, transport, host, connection, stream, request):
        self.transport, self.host, self.connection = transport, host, connection
        self.stream, self.request = stream, request

    async def __aiter__(self):
        try:
            async for chunk in self.stream:
                yield chunk
        except Exception as exc:
            raise _in_httpx_words(exc, self.request) from exc

    async def aclose(self) -> None:
        await self.stream.aclose()
        await self.transport.put_back(self.host, self.connection)


class StatusHTTP:
    """The part of httpx.AsyncClient that fal-client's AsyncRequestHandle uses (`request`),
    over StackedConnections. `headers` go with every request; answers are read whole."""

    def __init__(self, *, headers: dict, timeout: float):
        self.headers = httpx.Headers(headers)
        self.timeout = httpx.Timeout(timeout).as_dict()
        self.transport = StackedConnections()

    async def request(self, method: str, url: str, *, params=None, timeout=None) -> httpx.Response:
        extensions = {"timeout": httpx.Timeout(timeout).as_dict() if timeout is not None else self.timeout}
        request = httpx.Request(method, url, params=params, headers=self.headers, extensions=extensions)
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()
