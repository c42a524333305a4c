"""Which URLs may be fetched on a user's behalf: http(s) to hosts that resolve only to
public addresses. Input URLs are fetched by fal (or the local engine standing in for it);
without this rule a user could make that fetch reach loopback services, the private
network or a cloud metadata endpoint, and read the errors as a port scanner.

Both product code (measuring a hosted input before a job exists) and the engine (fetching
inputs as fal does) use it, so it lives here, importing neither.
"""

import ipaddress
import socket
import urllib.parse
from contextlib import contextmanager

import httpx

# Inside 64:ff9b::/96 (NAT64) an IPv4 address hides in the low 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """A URL that must not be fetched; the message is safe to show to the user."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        embedded = (
            ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        )
        if embedded is not None:
            return is_public_address(str(embedded))
        if ip.teredo:
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_private
    )


def public_addresses(url: str, *, allowed_hosts=()) -> list[str]:
    """The addresses `url`'s host resolves to, all public; raises UnsafeURL otherwise.

    Hosts in `allowed_hosts` (development and tests) are let through unresolved: [].
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Only http(s) URLs can be fetched.")
    host = parts.hostname.lower()
    if host in allowed_hosts:
        return []
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeURL("The URL's host could not be found.") from None
    addresses = sorted({str(info[4][0]) for info in found})
    if not addresses or not all(is_public_address(address.split("%")[0]) for address in addresses):
        raise UnsafeURL("The URL points at a private or reserved network address, which can't be fetched.")
    return addresses


@contextmanager
def open_public(url: str, *, allowed_hosts=(), timeout: httpx.Timeout, max_redirects: int = 5):
    """GET `url` as a stream, following redirects; yields the final httpx response (any status).

    Every hop must pass public_addresses, and the connection goes to the address that was
    checked, so a DNS answer that changes between check and connect (rebinding) can't reach
    a private one; TLS still checks the certificate of the host named in the URL. Raises
    UnsafeURL for a hop that may not be fetched (or too many redirects), httpx.HTTPError for
    network failures.
    """
    location = url
    for _ in range(max_redirects + 1):
        with _pinned_stream(location, allowed_hosts, timeout) as response:
            if not response.is_redirect:
                yield response
                return
            if "location" not in response.headers:
                raise UnsafeURL("The URL redirects nowhere.")
            location = urllib.parse.urljoin(location, response.headers["location"])
    raise UnsafeURL("The URL redirects too many times.")


@contextmanager
def _pinned_stream(url: str, allowed_hosts, timeout):
    parts = urllib.parse.urlsplit(url)
    addresses = public_addresses(url, allowed_hosts=allowed_hosts)
    if not addresses:  # an allowed development host: fetched as named
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            yield response
        return
    address = addresses[0]
    pinned = parts._replace(netloc=f"[{address}]" if ":" in address else address)
    if parts.port:
        pinned = pinned._replace(netloc=f"{pinned.netloc}:{parts.port}")
    # A client's stream(), not httpx.stream(): only the former takes the request extensions
    # that carry the TLS server name (httpx.stream() raised TypeError on them).
    with (
        httpx.Client(timeout=timeout, follow_redirects=False) as client,
        client.stream(
            "GET",
            urllib.parse.urlunsplit(pinned),
            headers={"Host": parts.netloc.rpartition("@")[2]},
            extensions={"sni_hostname": parts.hostname},
        ) as response,
    ):
        yield response
