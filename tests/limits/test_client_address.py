"""The client's address behind trusted proxies: X-Forwarded-For is read right to left,
past the proxies named in FORWARDED_ALLOW_IPS, and believed from nobody else."""

import pytest
from django.test import RequestFactory

from limits.clients import client_address


@pytest.mark.parametrize(
    "trusted, peer, forwarded_for, client",
    [
        (["127.0.0.1", "::1"], "127.0.0.1", None, "127.0.0.1"),  # no proxy said anything
        (["127.0.0.1", "::1"], "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        (
            ["127.0.0.1", "::1"],
            "::1",
            "forged, 198.51.100.1, 203.0.113.5",
            "203.0.113.5",
        ),  # the client wrote the left part
        (["127.0.0.1", "::1"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a proxy of ours
        (["127.0.0.1", "10.0.0.0/8"], "10.1.2.3", "198.51.100.1, 203.0.113.5, 10.9.9.9", "203.0.113.5"),  # two proxies
        (["127.0.0.1"], "127.0.0.1", "203.0.113.5, not-an-address", "127.0.0.1"),  # a hop we can't follow
        (["*"], "192.0.2.44", "198.51.100.1, 2001:db8:0:0::1", "2001:db8::1"),
        ([], "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # no proxy trusted
    ],
)
def test_client_address_is_the_first_hop_outside_the_trusted_proxies(settings, trusted, peer, forwarded_for, client):
    settings.FORWARDED_ALLOW_IPS = trusted
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}

    assert client_address(RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)) == client
