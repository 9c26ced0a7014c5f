"""Pipeline stage 3: link each stored item to the duplicate cluster (and, once wt-prob's problem
matching lands, the problem) it belongs to. `feedback_match` is the agreed entry point; its body
is the band / Jaccard duplicate linking that used to run inside the intake request."""

from __future__ import annotations

from django.db.models import F

from feedback_archive.core.actors import Actor

from .. import duplicates
from ..models import DuplicateBand, Feedback, FieldChange
from .duplicates import _link_duplicates
from .items import _Item


def feedback_match(*, feedback_ids: list[int], hints: dict[int, dict] | None = None) -> None:
    """Link each item (tokens already in `search_text`) to the most similar stored item or an
    earlier item of the list (Jaccard ≥ DUPLICATE_THRESHOLD, no differing negation), store the
    bands a canonical item keeps, count the links on the canonical rows and write the audit entry.
    Items already linked are left alone. Call inside a transaction (the pipeline records the stage
    in the same one). Does not bump `version`: a link found by the machine is not an agent's change.
    `hints` (classification suggestions per id) are accepted for the problem matcher; unused here."""
    rows = list(Feedback.objects.filter(pk__in=feedback_ids, canonical__isnull=True).order_by("id")
                .values_list("id", "search_text"))
    if not rows:
        return
    items = []
    for pk, text in rows:
        item = _Item(index=pk, channel=None, content="", external_id=None, title="", reporter=None, product=None,
                     platform="", app_version="", received_at=None, locale="", rating=None, metadata=None,
                     tokens=text.split())
        item.token_set = duplicates.dedup_tokens(item.tokens)
        item.bands = duplicates.band_values(item.token_set)
        item.feedback = Feedback(pk=pk)
        items.append(item)
    _link_duplicates(items)
    linked = [i for i in items if i.canonical is not None]
    for i in linked:
        i.feedback.canonical_id = i.canonical if isinstance(i.canonical, int) else i.canonical.feedback.pk
        i.feedback.similarity = i.similarity
    if linked:
        Feedback.objects.bulk_update([i.feedback for i in linked], ["canonical", "similarity"], batch_size=500)
    # a canonical item keeps all its bands, a linked one only those its cluster lacks (docs/duplicates.md)
    DuplicateBand.objects.bulk_create(
        [DuplicateBand(feedback_id=i.feedback.pk, value=v) for i in items
         for v in (i.bands if i.canonical is None else i.new_bands)],
        batch_size=5000,
    )
    counts: dict[int, int] = {}
    for i in linked:
        counts[i.feedback.canonical_id] = counts.get(i.feedback.canonical_id, 0) + 1
    # canonical rows locked in id order first: two pipeline jobs counting onto the same canonical
    # items then wait for each other instead of deadlocking
    list(Feedback.objects.select_for_update().filter(pk__in=sorted(counts)).order_by("id").values_list("id"))
    by_n: dict[int, list[int]] = {}
    for pk, n in sorted(counts.items()):
        by_n.setdefault(n, []).append(pk)
    for n, pks in sorted(by_n.items()):
        Feedback.objects.filter(pk__in=pks).update(duplicate_count=F("duplicate_count") + n)
    if linked:
        actor = Actor.system("job")
        FieldChange.objects.bulk_create([
            FieldChange(feedback_id=i.feedback.pk, actor_id=None, actor_name=actor.name, via=actor.via,
                        field="canonical", old="", new=str(i.feedback.canonical_id))
            for i in linked
        ])
