"""Where the app may listen. In local mode the bundled fal engine is mounted at /_fal: anyone
who can reach it could queue renders on our CPU and store files in it, so local mode serves
only on loopback unless that is explicitly allowed."""

import ipaddress

from django.conf import settings


def bind_host(bind: str) -> str | None:
    """The host part of a server address ("0.0.0.0:8000", "[::1]:8000", "localhost"), or
    None for a unix socket, which is not reachable over the network."""
    if bind.startswith("unix:"):
        return None
    if bind.startswith("["):
        return bind[1:].partition("]")[0]
    if bind.count(":") > 1:  # a bare IPv6 address
        return bind
    return bind.partition(":")[0]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def public_bind_problem(bind: str) -> str | None:
    """Why serving at `bind` is refused, or None when it is fine."""
    host = bind_host(bind)
    if settings.FAL_MODE != "local" or settings.ALLOW_PUBLIC_BIND_IN_LOCAL_MODE or host is None or is_loopback(host):
        return None
    return (
        f"Refusing to listen on {bind} in local mode: the bundled fal engine (/_fal) would be "
        "reachable from other machines. Listen on 127.0.0.1, set FAL_KEY to use fal.ai, or set "
        "ALLOW_PUBLIC_BIND_IN_LOCAL_MODE=true if this network is yours alone."
    )
