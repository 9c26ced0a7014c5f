"""Bulk actions item by item: "for each id, try the service; collect the done and the refused with
the reason". One helper so the admin's bulk actions, the API's and the services' `*_many` cannot
disagree about what a refusal is (an ApplicationError: a rule said no for this one item, the rest go
on) or how its reason reads (`error_text`). Anything else — a bug, the database going away — still
stops the whole action."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .exceptions import ApplicationError, error_text


@dataclass
class BulkResult:
    done: list = field(default_factory=list)
    refused: dict = field(default_factory=dict)  # {key: reason}

    def __iter__(self):
        # `done, refused = each(...)`: the (done, {id: reason}) pair the services have always returned
        yield self.done
        yield self.refused


def each(items: Iterable, fn: Callable[[Any], object], *, key: Callable[[Any], Hashable] | None = None) -> BulkResult:
    """Call fn(item) for every item, in order. An item whose call raises ApplicationError is refused
    with its error_text under key(item) (the item itself by default, e.g. an id); the others are
    done. fn's writes for a refused item are the caller's to guard (a service that is atomic, or
    `transaction.atomic()` inside fn)."""
    result = BulkResult()
    for item in items:
        name = key(item) if key else item
        try:
            fn(item)
        except ApplicationError as exc:
            result.refused[name] = error_text(exc)
        else:
            result.done.append(name)
    return result
