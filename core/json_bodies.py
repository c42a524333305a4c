"""JSON request bodies, read with a bound on how deeply they nest.

Python's parser recurses once per level: a body of 100,000 `[` raises RecursionError, which
every door would answer with a 500 (Django's HTML page). Nothing we accept nests deeper than
a few levels (a batch's items' fields), so anything past MAX_DEPTH is refused as bad input.
"""

import json
from collections.abc import Iterable
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class TooDeeplyNested(ValueError):
    """A JSON body nested past MAX_DEPTH (a ValueError, as json.loads raises for bad JSON)."""

    def __init__(self):
        super().__init__(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")


def loads(body: bytes | str) -> Any:
    """json.loads, refusing bodies nested past MAX_DEPTH with TooDeeplyNested."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise TooDeeplyNested() from None
    refuse_if_too_deep(data)
    return data


def refuse_if_too_deep(data: Any) -> None:
    # Walked with a stack of its own: the check must not recurse either.
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise TooDeeplyNested()
        pending.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the depth bound: a too-deep body is a 400 `parse_error`."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(str(TooDeeplyNested())) from None
        try:
            refuse_if_too_deep(data)
        except TooDeeplyNested as exc:
            raise ParseError(str(exc)) from None
        return data
