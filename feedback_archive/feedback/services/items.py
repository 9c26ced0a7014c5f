"""One intake item on its way into the archive, shared by intake and duplicate linking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..models import Channel, Feedback


@dataclass
class _Item:
    """One checked item on its way in; `index` is its position in the request."""

    index: int
    channel: Channel
    content: str
    external_id: str | None
    title: str
    reporter: dict | None
    product: str | None
    platform: str
    app_version: str
    received_at: dt.datetime | None
    locale: str
    rating: int | None
    metadata: dict | None
    # filled by _store
    tokens: list[str] = field(default_factory=list)
    token_set: frozenset = frozenset()
    bands: list[int] = field(default_factory=list)
    feedback: Feedback | None = None
    canonical: "_Item | int | None" = None
    similarity: float | None = None
    new_bands: list[int] = field(default_factory=list)  # a linked item's bands its cluster lacks

def _chunks(seq: list, size: int):
    for k in range(0, len(seq), size):
        yield seq[k:k + size]
