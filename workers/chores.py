"""Chores the apps above add to every running worker, without the worker knowing them.

An app registers a factory in its AppConfig.ready() (e.g. outgoing webhooks register the
deliveries that are due); each worker that runs continuously makes one chore per factory and
runs it beside its tasks, in a thread of its own (workers.loop). Batch runs (the CLI, which
does what is due and returns) leave these chores to the next running worker.
"""

import time

_factories: list = []


def register(factory) -> None:
    """`factory()` makes a chore: a callable returning how much work it found (and an
    optional `close()`). Registering the same factory twice adds it once."""
    if factory not in _factories:
        _factories.append(factory)


def registered_chores() -> list:
    return [factory() for factory in _factories]


class Every:
    """A chore for rare work (sweeps, pruning): `function()` returns how much it did; while
    it finds some it is called again at once, else not before `seconds` have passed."""

    def __init__(self, seconds: float, function):
        self.seconds = seconds
        self.function = function
        self.next_call = 0.0
        self.__name__ = getattr(function, "__name__", "chore")

    def __call__(self) -> int:
        if time.monotonic() < self.next_call:
            return 0
        found = self.function()
        if not found:
            self.next_call = time.monotonic() + self.seconds
        return found


def delete_some(queryset, limit: int) -> int:
    """Delete up to `limit` rows of `queryset`, with what cascades from them; returns how many.
    A pruning chore (under Every) is called again while it finds some, so a large backlog goes
    in short transactions."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[:limit])
    if ids:
        queryset.model.objects.filter(pk__in=ids).delete()
    return len(ids)
