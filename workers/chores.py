"""Chores the apps above add to every running worker, without the worker knowing them.

An app registers a factory in its AppConfig.ready() (e.g. outgoing webhooks register the
deliveries that are due); each worker that runs continuously makes one chore per factory and
runs it beside its tasks, in a thread of its own (workers.loop). Batch runs (the CLI, which
does what is due and returns) leave these chores to the next running worker.
"""

_factories = []


def register(factory) -> None:
    """`factory()` makes a chore: a callable returning how much work it found (and an
    optional `close()`). Registering the same factory twice adds it once."""
    if factory not in _factories:
        _factories.append(factory)


def registered_chores() -> list:
    return [factory() for factory in _factories]
