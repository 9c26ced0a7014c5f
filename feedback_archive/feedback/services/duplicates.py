"""Near-duplicate links: band look-ups, linking at intake, marking and unmarking by hand."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.permissions import check_can_change

from .. import duplicates
from ..models import DuplicateBand, Feedback
from .audit import _bump, audit_record
from .items import _chunks, _Item
from .problems import problem_create, problem_merge, problem_move_item, problem_take_out

# --- duplicates --------------------------------------------------------------------------------
# A canonical item stores its band values; an item linked as a near-duplicate only the values its
# cluster does not hold yet. A value is then held once per cluster — shared only by items that are
# not duplicates of each other — so a look-up stays a few index probes however large a cluster
# grows, and a rewording of a variant still finds the cluster. Unmerging an item gives it all its
# bands (it is canonical from then on). docs/duplicates.md measures the trade-offs.

CANDIDATES = 50
BAND_HOLDERS = 100  # newest holders read per band value: a value common to many texts says little
HOT_BAND = 20  # a band value held by this many canonical items is "hot" (see _top_candidates)


def band_holders(values) -> dict[int, list[int]]:
    """band value → ids of the newest `BAND_HOLDERS` feedback holding it, for all values at once."""
    values = sorted(set(values))
    out: dict[int, list[int]] = {}
    if not values:
        return out
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT v.value, b.feedback_id FROM unnest(%s::bigint[]) AS v(value) CROSS JOIN LATERAL ("
                " SELECT feedback_id FROM feedback_duplicateband WHERE value = v.value"
                " ORDER BY feedback_id DESC LIMIT %s) b",
                [values, BAND_HOLDERS],
            )
            for value, fid in cur.fetchall():
                out.setdefault(value, []).append(fid)
        else:
            for chunk in _chunks(values, 900):
                cur.execute(
                    "SELECT value, feedback_id FROM (SELECT value, feedback_id, ROW_NUMBER() OVER "
                    "(PARTITION BY value ORDER BY feedback_id DESC) AS n FROM feedback_duplicateband "
                    f"WHERE value IN ({', '.join(['%s'] * len(chunk))})) WHERE n <= %s",
                    [*chunk, BAND_HOLDERS],
                )
                for value, fid in cur.fetchall():
                    out.setdefault(value, []).append(fid)
    return out


def _top_candidates(bands: list[int], holders: dict[int, list[int]]) -> list[int]:
    """The CANDIDATES feedback sharing most bands. Sharing a single band that many unrelated
    canonical texts also hold (two common words, e.g. 好吃 + 送餐) is no evidence: such a holder
    is a candidate only if it shares another band too."""
    hits: dict[int, int] = {}
    telling: set[int] = set()
    for v in bands:
        got = holders.get(v, ())
        for fid in got:
            hits[fid] = hits.get(fid, 0) + 1
        if len(got) < HOT_BAND:
            telling.update(got)
    found = [fid for fid, n in hits.items() if n > 1 or fid in telling]
    return sorted(found, key=lambda fid: (hits[fid], fid), reverse=True)[:CANDIDATES]


def _link_duplicates(items: list[_Item]) -> None:
    """Set `canonical` / `similarity` of each item: the most similar stored feedback or earlier
    item of the list sharing a band, if Jaccard ≥ DUPLICATE_THRESHOLD and no negation differs."""
    holders = band_holders(v for i in items for v in i.bands)
    candidate_ids = {n: _top_candidates(item.bands, holders) for n, item in enumerate(items)}
    wanted = sorted({fid for ids in candidate_ids.values() for fid in ids})
    stored: dict[int, tuple[int, frozenset]] = {}
    for chunk in _chunks(wanted, 900):
        for cid, cano, text in Feedback.objects.filter(pk__in=chunk).values_list("id", "canonical_id", "search_text"):
            stored[cid] = (cano or cid, duplicates.dedup_tokens(text.split()))
    in_list: dict[int, list[_Item]] = {}  # band value → items of this list holding it
    cluster_bands: dict = {}  # cluster (stored canonical id, or id() of a canonical item of the list) → values held
    for n, item in enumerate(items):
        if not item.bands:
            continue
        best, best_score = None, 0.0
        for cid in candidate_ids[n]:
            target, other = stored.get(cid, (None, frozenset()))
            score = duplicates.link_score(item.token_set, other, beat=best_score) if target else 0.0
            if score:
                best, best_score = target, score
        seen = set()
        for v in item.bands:
            for earlier in in_list.get(v, ())[-BAND_HOLDERS:]:
                if id(earlier) in seen:
                    continue
                seen.add(id(earlier))
                score = duplicates.link_score(item.token_set, earlier.token_set, beat=best_score)
                if score:
                    best, best_score = earlier, score
        if best is None:
            for v in item.bands:
                in_list.setdefault(v, []).append(item)
            continue
        if isinstance(best, _Item) and best.canonical is not None:
            best = best.canonical  # an earlier item of the list that is itself linked: its cluster
        item.canonical, item.similarity = best, best_score
        # Only the band values the cluster does not hold yet are stored for a linked item: a value
        # is then held once per cluster, however large it grows (so no band turns hot with copies
        # of one complaint), and a later text close to this variant but not to the canonical still
        # finds the cluster. Values seen on a fetched member of the cluster count as held.
        key = best if isinstance(best, int) else id(best)
        held = cluster_bands.get(key)
        if held is None:
            held = set(best.bands) if isinstance(best, _Item) else {
                v for v in item.bands for h in holders.get(v, ()) if stored.get(h, (None,))[0] == best}
            cluster_bands[key] = held
        item.new_bands = [v for v in item.bands if v not in held]
        held.update(item.new_bands)
        for v in item.new_bands:
            in_list.setdefault(v, []).append(item)


def duplicate_find(tokens: list[str]) -> tuple[int | None, float]:
    """(canonical id, similarity) that a new text with these tokens would be linked to, or
    (None, 0.0): the ingest look-up alone, without storing anything (bench/run.py measures it)."""
    item = _Item(index=0, channel=None, content="", external_id=None, title="", reporter=None, product=None,
                 platform="", app_version="", received_at=None, locale="", rating=None, metadata=None, tokens=tokens)
    item.token_set = duplicates.dedup_tokens(tokens)
    item.bands = duplicates.band_values(item.token_set)
    _link_duplicates([item])
    return (item.canonical, item.similarity or 0.0) if item.canonical is not None else (None, 0.0)


def fingerprint_store(feedback: Feedback) -> None:
    """(Re)write the bands of a feedback that is canonical, from its stored tokens."""
    DuplicateBand.objects.filter(feedback=feedback).delete()
    bands = duplicates.band_values(duplicates.dedup_tokens(feedback.search_text.split()))
    DuplicateBand.objects.bulk_create([DuplicateBand(feedback=feedback, value=v) for v in bands])


def feedback_mark_duplicate(*, feedback: Feedback, canonical: Feedback, similarity: float | None, actor: Actor) -> None:
    """"`feedback` reports the same problem as `canonical`": membership of canonical's problem (a
    lead brings its whole problem along, as its duplicates always followed it). `canonical` and
    `duplicate_count` are then kept by the problem services."""
    check_can_change(actor, feedback)
    feedback.refresh_from_db(fields=["problem", "canonical"])
    canonical.refresh_from_db(fields=["problem", "canonical"])
    if canonical.pk == feedback.pk or canonical.canonical_id == feedback.pk:
        raise ApplicationError(_("A feedback cannot be a duplicate of itself."), fields={"canonical": [_("Choose another item.")]})
    if feedback.problem_id and feedback.problem_id == canonical.problem_id:
        return
    with transaction.atomic():
        if canonical.problem_id is None:
            problem_create(feedback_ids=[canonical.pk], actor=actor)
            canonical.refresh_from_db(fields=["problem"])
        leads = feedback.problem_id and Feedback.objects.filter(problem_id=feedback.problem_id).count() > 1 \
            and feedback.canonical_id is None
        if leads:
            problem_merge(source_id=feedback.problem_id, target_id=canonical.problem_id, actor=actor)
        else:
            problem_move_item(feedback_id=feedback.pk, problem_id=canonical.problem_id, actor=actor,
                              score=similarity, evidence=["marked by hand"])
        feedback.similarity = similarity
        _bump(feedback, "similarity")


def feedback_unmark_duplicate(*, feedback: Feedback, actor: Actor) -> None:
    """Take the item out of its problem (a problem of its own from now on, never proposed back)."""
    check_can_change(actor, feedback)
    feedback.refresh_from_db(fields=["problem", "canonical"])
    old = feedback.canonical_id
    if old is None:
        return
    with transaction.atomic():
        if feedback.problem_id is not None:
            problem_take_out(feedback_id=feedback.pk, actor=actor)
        else:  # linked by intake, not matched yet: only the link to undo
            Feedback.objects.filter(pk=old, duplicate_count__gt=0).update(duplicate_count=F("duplicate_count") - 1)
            audit_record(feedback=feedback, actor=actor, field="canonical", old=old, new=None)
        feedback.canonical = None
        feedback.similarity = None
        _bump(feedback, "canonical", "similarity")
        fingerprint_store(feedback)  # canonical from now on: later near-duplicates must find it
