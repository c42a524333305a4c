"""Which address a request came from, for limits counted per client.

Behind a reverse proxy every request's peer (REMOTE_ADDR) is the proxy, so a limit per
REMOTE_ADDR is one limit shared by everybody. The client's own address is then the one the
proxy appended to X-Forwarded-For. That header is believed only from the proxies named in
FORWARDED_ALLOW_IPS; anyone else could write any address into it.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address of the client behind our trusted proxies: the right-most X-Forwarded-For
    entry that isn't one of them (entries further left were written by the client, and
    can't be believed), or REMOTE_ADDR when the peer isn't a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR", "")
    entries = [entry.strip() for entry in settings.FORWARDED_ALLOW_IPS if entry.strip()]
    # "*": whoever connects is the proxy (the app can be reached only through it).
    proxies = [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"]
    if "*" not in entries and not _is_proxy(_parsed(peer), proxies):
        return peer
    address = peer
    for entry in reversed(request.headers.get("X-Forwarded-For", "").split(",")):
        hop = _parsed(entry)
        if hop is None:
            break  # missing or not an address: the last hop we could follow will do
        address = str(hop)
        if not _is_proxy(hop, proxies):
            break
    return address


def _is_proxy(address, proxies) -> bool:
    return address is not None and any(address in network for network in proxies)


def _parsed(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None
