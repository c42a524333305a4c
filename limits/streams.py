"""Open streams per user: a user holds at most MAX_STREAMS_PER_USER long-lived responses (the
job page's events, the proxy's status stream) at once, however many processes serve them.

Each open stream holds one of the user's numbered slots, a key in the shared cache
(`streams:<user>:0` .. `:<cap - 1>`), taken with `cache.add`: atomic on the database cache
and on Redis, so two streams opened in the same instant never take the same slot, and the
(cap + 1)th finds none free. The slot is deleted when the server closes the response (after
the last event, or when the client went away).

A slot also expires SLOT_SECONDS after it was last refreshed, and an open stream refreshes
it as it sends (every stream sends a heartbeat at least every 15 s): so a process killed
with streams open frees their slots within a minute. A single counter with incr/decr would
not: its expiry would be refreshed by the user's other streams, and a page that reconnects
all day would keep a dead process's count forever.
"""

import random
import time
import uuid

from django.conf import settings
from django.core.cache import cache

from core.event_streams import close_generator, read

# Longer than the longest quiet spell of a stream (heartbeats every 10-15 s by default).
SLOT_SECONDS = 60
REFRESH_SECONDS = SLOT_SECONDS / 3

ERROR_CODE = "too_many_streams"


class TooManyStreams(Exception):
    def __init__(self, cap):
        super().__init__(
            f"You have {cap} live streams open, the most one account may; close one, or ask for the status instead."
        )


def _slot_key(user, number):
    return f"streams:{user.pk}:{number}"


def hold(user, events) -> "HeldStream":
    """`events` (an async generator) as a stream that holds one of the user's stream slots
    until it is closed. TooManyStreams when the user holds every slot already. Called from a
    view: synchronous, on the request's thread."""
    token = uuid.uuid4().hex
    cap = settings.MAX_STREAMS_PER_USER
    # From a random slot on: trying 0, 1, 2... would cost the nth stream n tries.
    first = random.randrange(cap) if cap else 0
    for offset in range(cap):
        key = _slot_key(user, (first + offset) % cap)
        if cache.add(key, token, SLOT_SECONDS):
            return HeldStream(events, key, token)
    close_generator(events)
    raise TooManyStreams(settings.MAX_STREAMS_PER_USER)


class HeldStream:
    """The events, keeping their slot alive while they are sent, and freeing it on close():
    the server calls close() whether the stream ended or the client left, even before the
    first event or when the client's leaving cancelled the generator mid-wait (its own
    `finally` would not be a dependable place for it)."""

    def __init__(self, events, key, token):
        self._events = events
        self._key, self._token = key, token
        self._open = True

    async def __aiter__(self):
        refreshed = time.monotonic()
        async for event in self._events:
            if time.monotonic() - refreshed >= REFRESH_SECONDS:
                await read(cache.touch, self._key, SLOT_SECONDS)
                refreshed = time.monotonic()
            yield event

    def close(self):
        close_generator(self._events)
        if self._open:
            self._open = False
            # Only our own: a slot that expired under a stalled stream may be someone's now.
            if cache.get(self._key) == self._token:
                cache.delete(self._key)
