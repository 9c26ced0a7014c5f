"""Writes to feedback. `feedback_create` is the single way in: the API, the bulk endpoint, imports,
the admin and the demo data all call it."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from feedback_archive.core import segmenter
from feedback_archive.core.actors import Actor
from feedback_archive.core.permissions import check_can_change
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.core.models import Team
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Release
from feedback_archive.versions.services import product_get, release_for_report, releases_registered

from . import duplicates
from .models import Channel, DuplicateBand, Feedback, FeedbackLabel, FieldChange, Reporter

CLASSIFY_TASK = "feedback_archive.classification.tasks.classify_feedback"
ACKNOWLEDGE_TASK = "feedback_archive.workflow.tasks.acknowledge_feedback"


# --- audit -------------------------------------------------------------------------------------
def audit_record(*, feedback: Feedback, actor: Actor, field: str, old, new) -> None:
    if str(old or "") == str(new or ""):
        return
    FieldChange.objects.create(
        feedback=feedback, actor_id=actor.user_id, actor_name=actor.name, via=actor.via,
        field=field, old="" if old is None else str(old), new="" if new is None else str(new),
    )


def _bump(feedback: Feedback, *fields: str) -> None:
    feedback.version = F("version") + 1
    feedback.save(update_fields=[*fields, "version", "updated_at"])
    feedback.refresh_from_db(fields=["version"])


def check_version(feedback: Feedback, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != feedback.version:
        raise ConflictError(
            _("Someone else changed feedback #%(id)s (now version %(version)s, you saw %(expected)s). "
              "Reload it and try again; nothing was changed.")
            % {"id": feedback.pk, "version": feedback.version, "expected": expected_version}
        )


# --- intake ------------------------------------------------------------------------------------
# `feedback_create` (one item) and `feedback_create_many` (a request of up to 1,000) share every
# step below: an item is checked into an `_Item`, then a list of items is stored by `_store`, whose
# statement count does not grow with the number of items (reporters, releases, the insert, the
# duplicate look-up and the bands are one query each for the whole list).

_ITEM_FIELDS = frozenset({"channel", "content", "external_id", "title", "reporter", "product", "platform", "app_version",
                          "received_at", "locale", "rating", "metadata"})


class _Lookups:
    """Channels, products and releases resolved once per request rather than once per item."""

    def __init__(self):
        self.channels: dict = {}
        self.products: dict = {}
        self.releases: dict = {}

    def channel(self, slug):
        if slug not in self.channels:
            self.channels[slug] = Channel.objects.filter(slug=slug or "", is_active=True).first()
        return self.channels[slug]

    def product(self, slug):
        key = slug or ""
        if key not in self.products:
            try:
                self.products[key] = product_get(slug)
            except ApplicationError as exc:
                self.products[key] = exc
        got = self.products[key]
        if isinstance(got, ApplicationError):
            raise got
        return got

    def release(self, product, platform: str, raw_version: str):
        # release_for_report records an unknown version as a release row: once per request
        key = (product.pk, platform, raw_version)
        if key not in self.releases:
            release = release_for_report(product=product, platform=platform, raw_version=raw_version)
            if release is not None and release.product_id == product.pk:
                release.product = product  # the API answer names it
            self.releases[key] = release
        return self.releases[key]

    def prefetch_releases(self, keys) -> None:
        """Resolve many (product, platform, raw version) at once with one query; versions nobody
        registered are left to `release` (release_for_report records them)."""
        todo = {(p.pk, plat, raw): (p, plat, raw) for p, plat, raw in keys}
        todo = [item for key, item in todo.items() if key not in self.releases]
        products = {p.pk: p for p, _plat, _raw in todo}
        for key, release in releases_registered(todo).items():
            if release is not None:
                release.product = products[key[0]]  # the API answer names it
            self.releases[key] = release

    def forget_writes(self) -> None:
        """After a rolled-back savepoint, releases created in it are gone."""
        self.releases.clear()
        self.products.clear()


def _validate(*, channel, content, external_id, title, received_at, rating, metadata, locale, platform, reporter,
              lookups: _Lookups | None = None):
    errors: dict[str, list[str]] = {}
    content = (content or "").strip()
    if not content:
        errors["content"] = [_("Content may not be empty.")]
    elif len(content) > settings.FEEDBACK_MAX_CONTENT_CHARS:
        errors["content"] = [_("Content is %(n)d characters; at most %(max)d are allowed.") % {"n": len(content), "max": settings.FEEDBACK_MAX_CONTENT_CHARS}]
    if isinstance(channel, Channel):
        channel_obj = channel
    else:
        channel_obj = (lookups or _Lookups()).channel(channel)
    if channel_obj is None:
        errors["channel"] = [_("Unknown channel '%(channel)s'.") % {"channel": channel} if channel else _("A channel is required.")]
    if external_id is not None and len(str(external_id)) > 200:
        errors["external_id"] = [_("At most %(max)d characters.") % {"max": 200}]
    if title and len(title) > 300:
        errors["title"] = [_("At most %(max)d characters.") % {"max": 300}]
    if isinstance(received_at, str):
        parsed = parse_datetime(received_at)
        if parsed is None:
            errors["received_at"] = [_("Not an ISO 8601 date-time.")]
        received_at = parsed
    if received_at is not None and isinstance(received_at, dt.datetime):
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > timezone.now() + dt.timedelta(seconds=settings.FEEDBACK_FUTURE_TOLERANCE_SECONDS):
            errors["received_at"] = [_("received_at is in the future.")]
        elif received_at.year < 1970:
            errors["received_at"] = [_("received_at before 1970 is not plausible.")]
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
        errors["rating"] = [_("Rating must be an integer from 1 to 5.")]
    if metadata is not None:
        if not isinstance(metadata, dict):
            errors["metadata"] = [_("Metadata must be a JSON object.")]
        elif len(json.dumps(metadata, ensure_ascii=False).encode()) > settings.FEEDBACK_MAX_METADATA_BYTES:
            errors["metadata"] = [_("Metadata is larger than 16 KB.")]
    if locale and len(locale) > 35:
        errors["locale"] = [_("At most %(max)d characters.") % {"max": 35}]
    if platform and len(platform) > 20:
        errors["platform"] = [_("At most %(max)d characters.") % {"max": 20}]
    if reporter is not None and not isinstance(reporter, dict):
        errors["reporter"] = [_("Reporter must be an object with external_id, name, contact.")]
    if errors:
        raise ApplicationError("invalid feedback", fields=errors)
    return channel_obj, content, received_at


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


def _check(index: int, lookups: _Lookups, *, channel, content, external_id=None, title="", reporter=None, product=None,
           platform="", app_version="", received_at=None, locale="", rating=None, metadata=None) -> _Item:
    channel_obj, content, received_at = _validate(
        channel=channel, content=content, external_id=external_id, title=title, received_at=received_at,
        rating=rating, metadata=metadata, locale=locale, platform=platform, reporter=reporter, lookups=lookups,
    )
    return _Item(
        index=index, channel=channel_obj, content=content,
        external_id=str(external_id).strip() if external_id not in (None, "") else None,
        title=(title or "").strip(), reporter=reporter, product=product, platform=(platform or "").lower(),
        app_version=app_version or "", received_at=received_at, locale=locale or "", rating=rating, metadata=metadata,
    )


def _reporter_key(item: _Item) -> tuple[int, str] | None:
    r = item.reporter
    if not r or not (r.get("external_id") or r.get("contact") or r.get("name")):
        return None
    return item.channel.pk, str(r.get("external_id") or r.get("contact") or r.get("name"))[:200]


def _reporters_upsert(items: list[_Item]) -> dict[tuple[int, str], Reporter]:
    """Reporters by (channel, external id), created or updated for a whole request: one read of the
    known ones, one insert of the new ones; a later item's non-empty name / contact / locale wins,
    as if the items came one by one; an erased reporter stays erased."""
    wanted: dict[tuple[int, str], dict] = {}
    for item in items:
        key = _reporter_key(item)
        if key is None:
            continue
        given = {"name": str(item.reporter.get("name") or "")[:200], "contact": str(item.reporter.get("contact") or "")[:200],
                 "locale": item.locale}
        if key not in wanted:
            wanted[key] = {"first": given, "updates": {}}
        wanted[key]["updates"].update({f: v for f, v in given.items() if v})
    if not wanted:
        return {}
    by_key = _reporters_fetch(wanted)
    missing = [k for k in wanted if k not in by_key]
    if missing:
        Reporter.objects.bulk_create(
            [Reporter(channel_id=c, external_id=e, **wanted[(c, e)]["first"]) for c, e in missing], ignore_conflicts=True,
        )
        by_key.update(_reporters_fetch(missing))
    changed_reporters, changed_fields, now = [], set(), timezone.now()
    for key, reporter in by_key.items():
        if reporter.erased_at is not None:
            continue
        # for a reporter created just now, only what later items of the request changed
        updates = wanted[key]["updates"]
        changed = [f for f, v in updates.items() if getattr(reporter, f) != v]
        for f in changed:
            setattr(reporter, f, updates[f])
        if changed:
            reporter.updated_at = now
            changed_reporters.append(reporter)
            changed_fields.update(changed)
    if changed_reporters:
        Reporter.objects.bulk_update(changed_reporters, [*sorted(changed_fields), "updated_at"], batch_size=500)
    return by_key


def _channel_pairs(pairs) -> Q:
    """(channel id, external id) pairs as one condition: per channel an `IN` list, so the
    (channel, external_id) index is probed once per pair, not channels × ids."""
    q = Q()
    for channel_id in {c for c, _e in pairs}:
        q |= Q(channel_id=channel_id, external_id__in=[e for c, e in pairs if c == channel_id])
    return q


def _reporters_fetch(keys) -> dict[tuple[int, str], Reporter]:
    found = {}
    for chunk in _chunks(list(keys), 400):
        found.update({(r.channel_id, r.external_id): r for r in Reporter.objects.filter(_channel_pairs(chunk))})
    return found


def _chunks(seq: list, size: int):
    for k in range(0, len(seq), size):
        yield seq[k:k + size]


def _stored_ids(items: list[_Item]) -> dict[tuple[int, str], int]:
    """The ids already stored for the items' (channel, external_id) pairs: one query per 900 items."""
    pairs = {(i.channel.pk, i.external_id) for i in items if i.external_id is not None}
    found: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted(pairs), 900):
        rows = Feedback.objects.filter(_channel_pairs(chunk)).values_list("pk", "channel_id", "external_id")
        found.update({(c, e): pk for pk, c, e in rows})
    return found


def _store(items: list[_Item], *, actor: Actor, lookups: _Lookups) -> list[_Item]:
    """Insert new items (none of them stored yet), fingerprint them and link near-duplicates —
    to stored feedback or to an earlier item of the same list. Call inside a transaction."""
    if not items:
        return items
    reporters = _reporters_upsert(items)
    now = timezone.now()
    for item in items:
        item.tokens = segmenter.search_tokens(f"{item.title} {item.content}")
        item.token_set = duplicates.dedup_tokens(item.tokens)
        item.bands = duplicates.band_values(item.token_set)
    _link_duplicates(items)
    lookups.prefetch_releases((lookups.product(i.product), i.platform, i.app_version) for i in items)
    rows = []
    for item in items:
        product = lookups.product(item.product)
        key = _reporter_key(item)
        item.feedback = Feedback(
            channel=item.channel, external_id=item.external_id, title=item.title, content=item.content,
            reporter=reporters.get(key) if key else None, product=product, platform=item.platform,
            app_version=item.app_version, release=lookups.release(product, item.platform, item.app_version),
            received_at=item.received_at or now, locale=item.locale, rating=item.rating, metadata=item.metadata or {},
            search_text=f" {' '.join(item.tokens)} ", status_changed_at=item.received_at or now,
            similarity=item.similarity,
        )
        if isinstance(item.canonical, int):
            item.feedback.canonical_id = item.canonical
        rows.append(item)
    # items linked to an earlier item of this list go in second, when that one has its id
    first = [i for i in rows if not isinstance(i.canonical, _Item)]
    second = [i for i in rows if isinstance(i.canonical, _Item)]
    counts: dict[int, int] = {}
    for i in second:
        i.canonical.feedback.duplicate_count += 1
    Feedback.objects.bulk_create([i.feedback for i in first])
    for i in second:
        i.feedback.canonical_id = i.canonical.feedback.pk
    if second:
        Feedback.objects.bulk_create([i.feedback for i in second])
    # a canonical item keeps all its bands, a linked one only those its cluster lacks (docs/duplicates.md)
    DuplicateBand.objects.bulk_create(
        [DuplicateBand(feedback_id=i.feedback.pk, value=v) for i in rows
         for v in (i.bands if i.canonical is None else i.new_bands)],
        batch_size=5000,
    )
    for i in first:
        if isinstance(i.canonical, int):
            counts[i.canonical] = counts.get(i.canonical, 0) + 1
    by_n: dict[int, list[int]] = {}
    for pk, n in counts.items():
        by_n.setdefault(n, []).append(pk)
    for n, pks in by_n.items():
        Feedback.objects.filter(pk__in=pks).update(duplicate_count=F("duplicate_count") + n)
    acknowledge = [i.feedback.pk for i in rows if i.channel.acknowledge]
    if acknowledge:
        transaction.on_commit(lambda: _enqueue_acknowledgements(acknowledge))
    linked = [i for i in rows if i.canonical is not None]
    if linked:
        FieldChange.objects.bulk_create([
            FieldChange(feedback_id=i.feedback.pk, actor_id=actor.user_id, actor_name=actor.name, via=actor.via,
                        field="canonical", old="", new=str(i.feedback.canonical_id))
            for i in linked
        ])
    return items


def feedback_create(
    *, channel, content: str, actor: Actor, external_id: str | None = None, title: str = "",
    reporter: dict | None = None, product: str | None = None, platform: str = "", app_version: str = "",
    received_at=None, locale: str = "", rating: int | None = None, metadata: dict | None = None,
    classify: bool = True,
) -> tuple[Feedback, bool]:
    """Store one feedback; (feedback, created). The same channel + external_id again returns the
    stored row unchanged, also when several clients retry it at the same moment."""
    lookups = _Lookups()
    item = _check(0, lookups, channel=channel, content=content, external_id=external_id, title=title,
                  reporter=reporter, product=product, platform=platform, app_version=app_version,
                  received_at=received_at, locale=locale, rating=rating, metadata=metadata)
    if item.external_id is not None:
        existing = Feedback.objects.filter(channel=item.channel, external_id=item.external_id).first()
        if existing is not None:
            return existing, False
    lookups.product(product)  # an unknown product is a 400 before anything is written
    try:
        with transaction.atomic():
            _store([item], actor=actor, lookups=lookups)
            if classify:
                _enqueue_with_commit([item.feedback.pk])
    except IntegrityError:
        if item.external_id is None:
            raise
        existing = Feedback.objects.filter(channel=item.channel, external_id=item.external_id).first()
        if existing is None:
            raise
        return existing, False
    return item.feedback, True


def _enqueue_with_commit(ids: list[int]) -> None:
    """Classify `ids` once the current transaction commits. The ORM broker keeps its jobs in this
    same database, so there the job row is written inside the transaction and commits (or rolls
    back) with the feedback: one commit — one WAL flush, ~4 ms here — per create instead of two.
    Other brokers (Redis) could hand the job to a worker before the commit, so they wait for it."""
    q = settings.Q_CLUSTER
    if q.get("orm") and not q.get("sync"):
        _enqueue_classification(ids)
    else:
        transaction.on_commit(lambda: _enqueue_classification(ids))


def _enqueue_acknowledgements(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task(ACKNOWLEDGE_TASK, ids, group="acknowledge")


def _enqueue_classification(ids: list[int]) -> None:
    from django_q.tasks import async_task

    if len(ids) == 1:
        async_task(CLASSIFY_TASK, ids[0], task_name=f"classify-{ids[0]}", group="classify")
    else:
        async_task("feedback_archive.classification.tasks.classify_many", ids, group="classify")


def feedback_create_many(*, items: list[dict], actor: Actor) -> list[dict]:
    """Bulk intake in one transaction: each item stored or refused on its own (per-item errors as
    `feedback_create` gives them); one classification job for the new items after the commit."""
    with transaction.atomic():
        results, new_ids = _create_many(items=items, actor=actor)
    return results


def _signature_error(item: dict) -> str | None:
    unknown = sorted(set(item) - _ITEM_FIELDS)
    if unknown:
        return f"feedback_create() got an unexpected keyword argument '{unknown[0]}'"
    missing = [f for f in ("channel", "content") if f not in item]
    if missing:
        names = " and ".join(f"'{f}'" for f in missing)
        return f"feedback_create() missing {len(missing)} required keyword-only argument{'s' if len(missing) > 1 else ''}: {names}"
    return None


def _create_many(*, items: list[dict], actor: Actor) -> tuple[list[dict], list[int]]:
    """The batched path: check every item, find the stored ones with one query, store the rest
    with `_store`. If the insert collides with a concurrent request storing the same external ids
    (IntegrityError), the savepoint is rolled back and the request goes item by item, where each
    collision resolves to the stored row."""
    results: dict[int, dict] = {}
    lookups = _Lookups()
    checked: list[_Item] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            results[index] = {"index": index, "errors": {"non_field_errors": [_("Each item must be an object.")]}}
            continue
        problem = _signature_error(raw)
        if problem:
            results[index] = {"index": index, "errors": {"non_field_errors": [problem]}}
            continue
        try:
            checked.append(_check(index, lookups, **raw))
        except ApplicationError as exc:
            results[index] = {"index": index, "errors": exc.fields or {"non_field_errors": [exc.message]}}
    stored = _stored_ids(checked)
    new: list[_Item] = []
    first_of: dict[tuple[int, str], _Item] = {}
    repeats: list[_Item] = []
    for item in checked:
        key = (item.channel.pk, item.external_id)
        if item.external_id is not None and key in stored:
            results[item.index] = {"index": item.index, "id": stored[key], "created": False}
            continue
        if item.external_id is not None and key in first_of:
            repeats.append(item)  # the same id twice in one request: the second gets the first's row
            continue
        try:
            lookups.product(item.product)
        except ApplicationError as exc:
            results[item.index] = {"index": item.index, "errors": exc.fields or {"non_field_errors": [exc.message]}}
            continue
        if item.external_id is not None:
            first_of[key] = item
        new.append(item)
    try:
        with transaction.atomic():
            _store(new, actor=actor, lookups=lookups)
    except IntegrityError:
        lookups.forget_writes()
        return _create_many_one_by_one(items=items, actor=actor)
    for item in new:
        results[item.index] = {"index": item.index, "id": item.feedback.pk, "created": True}
    for item in repeats:
        results[item.index] = {"index": item.index, "id": first_of[(item.channel.pk, item.external_id)].feedback.pk,
                               "created": False}
    new_ids = [i.feedback.pk for i in new]
    if new_ids:
        _enqueue_with_commit(new_ids)
    return [results[k] for k in sorted(results)], new_ids


def _create_many_one_by_one(*, items: list[dict], actor: Actor) -> tuple[list[dict], list[int]]:
    results, new_ids = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results.append({"index": index, "errors": {"non_field_errors": [_("Each item must be an object.")]}})
            continue
        try:
            with transaction.atomic():
                fb, created = feedback_create(actor=actor, classify=False, **item)
        except ApplicationError as exc:
            results.append({"index": index, "errors": exc.fields or {"non_field_errors": [exc.message]}})
            continue
        except TypeError as exc:
            results.append({"index": index, "errors": {"non_field_errors": [str(exc)]}})
            continue
        results.append({"index": index, "id": fb.pk, "created": created})
        if created:
            new_ids.append(fb.pk)
    if new_ids:
        _enqueue_with_commit(new_ids)
    return results, new_ids


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
    check_can_change(actor, feedback)
    if canonical.pk == feedback.pk or canonical.canonical_id == feedback.pk:
        raise ApplicationError(_("A feedback cannot be a duplicate of itself."), fields={"canonical": [_("Choose another item.")]})
    old = feedback.canonical_id
    if old == canonical.pk:
        return
    with transaction.atomic():
        feedback.canonical = canonical
        feedback.similarity = similarity
        _bump(feedback, "canonical", "similarity")
        # the duplicates of a merged item follow it to the new canonical
        moved = Feedback.objects.filter(canonical=feedback).update(canonical=canonical)
        Feedback.objects.filter(pk=canonical.pk).update(duplicate_count=F("duplicate_count") + 1 + moved)
        Feedback.objects.filter(pk=feedback.pk).update(duplicate_count=0)
        if old:
            Feedback.objects.filter(pk=old, duplicate_count__gt=0).update(duplicate_count=F("duplicate_count") - 1)
        audit_record(feedback=feedback, actor=actor, field="canonical", old=old, new=canonical.pk)


def feedback_unmark_duplicate(*, feedback: Feedback, actor: Actor) -> None:
    check_can_change(actor, feedback)
    old = feedback.canonical_id
    if old is None:
        return
    with transaction.atomic():
        feedback.canonical = None
        feedback.similarity = None
        _bump(feedback, "canonical", "similarity")
        Feedback.objects.filter(pk=old, duplicate_count__gt=0).update(duplicate_count=F("duplicate_count") - 1)
        fingerprint_store(feedback)  # canonical from now on: later near-duplicates must find it
        audit_record(feedback=feedback, actor=actor, field="canonical", old=old, new=None)


# --- labels, owner, releases -------------------------------------------------------------------
def labels_resolve(labels: dict) -> dict[str, Label]:
    """{'type': 'performance'} → Label objects; unknown codes raise a 400 naming them."""
    if not isinstance(labels, dict):
        raise ApplicationError("bad labels", fields={"labels": [_("Expected an object of dimension code → label code.")]})
    found = {
        (lab.dimension.code, lab.code): lab
        for lab in Label.objects.select_related("dimension").filter(dimension__code__in=list(labels), is_active=True)
    }
    errors = {}
    out = {}
    for dim, code in labels.items():
        lab = found.get((dim, code))
        if lab is None:
            known_dim = any(d == dim for d, _ in found) or Label.objects.filter(dimension__code=dim).exists()
            errors[f"labels.{dim}"] = [_("Unknown label '%(label)s' for dimension '%(dimension)s'.") % {"label": code, "dimension": dim}
                                  if known_dim else _("Unknown dimension '%(dimension)s'.") % {"dimension": dim}]
        else:
            out[dim] = lab
    if errors:
        raise ApplicationError("unknown labels", fields={"labels": [m for msgs in errors.values() for m in msgs], **errors})
    return out


def feedback_set_labels(*, feedback: Feedback, labels: dict, actor: Actor, route: bool = True) -> None:
    """`route=False` for callers that set the owner themselves right after (history imports,
    demo data): re-routing would be a no-op job per item."""
    check_can_change(actor, feedback)
    resolved = labels_resolve(labels)
    current = {
        link.dimension.code: link
        for link in FeedbackLabel.objects.select_related("dimension", "label").filter(feedback=feedback)
    }
    changed = False
    for dim, label in resolved.items():
        link = current.get(dim)
        if link is not None and link.label_id == label.pk:
            continue
        old = link.label.code if link else None
        FeedbackLabel.objects.update_or_create(
            feedback=feedback, dimension=label.dimension,
            defaults={"label": label, "confirmed_by_id": actor.user_id, "confirmed_by_name": actor.name, "via": actor.via},
        )
        audit_record(feedback=feedback, actor=actor, field=f"labels.{dim}", old=old, new=label.code)
        changed = True
    if changed:
        _bump(feedback)
    if changed and route:
        feedback_id = feedback.pk
        from django_q.tasks import async_task

        transaction.on_commit(lambda: async_task("feedback_archive.workflow.tasks.route_feedback", feedback_id))


def feedback_assign(*, feedback: Feedback, actor: Actor, assignee=..., team=...) -> None:
    check_can_change(actor, feedback)
    fields = []
    if assignee is not ... and feedback.assignee_id != getattr(assignee, "pk", None):
        audit_record(feedback=feedback, actor=actor, field="assignee",
                     old=feedback.assignee.get_username() if feedback.assignee else None,
                     new=assignee.get_username() if assignee else None)
        feedback.assignee = assignee
        fields.append("assignee")
    if team is not ... and feedback.team_id != getattr(team, "pk", None):
        audit_record(feedback=feedback, actor=actor, field="team",
                     old=feedback.team.slug if feedback.team else None, new=team.slug if team else None)
        feedback.team = team
        fields.append("team")
    if fields:
        _bump(feedback, *fields)


def feedback_set_release(*, feedback: Feedback, actor: Actor, release: Release | None = ..., fixed_in: Release | None = ...) -> None:
    fields = []
    for name, value in (("release", release), ("fixed_in", fixed_in)):
        if value is ... or getattr(feedback, f"{name}_id") == getattr(value, "pk", None):
            continue
        old = getattr(feedback, name)
        audit_record(feedback=feedback, actor=actor, field=name, old=old.version if old else None, new=value.version if value else None)
        setattr(feedback, name, value)
        fields.append(name)
    if fields:
        _bump(feedback, *fields)


def release_lookup(*, feedback: Feedback, version: str, field: str = "release") -> Release:
    release = release_for_report(product=feedback.product or product_get(None), platform=feedback.platform, raw_version=version)
    if release is None:
        raise ApplicationError("bad release", fields={field: [_("'%(version)s' is not a version.") % {"version": version}]})
    return release


def feedback_update(*, feedback_id: int, actor: Actor, labels: dict | None = None, assignee: str | None = ...,
                    team: str | None = ..., release: str | None = ..., fixed_in: str | None = ...,
                    expected_version: int | None = None) -> Feedback:
    """The PATCH of the API and the admin's edits: labels, owner, team, releases — all or nothing."""
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update(of=("self",)).select_related("team").get(pk=feedback_id)
        check_can_change(actor, feedback)
        check_version(feedback, expected_version)
        errors = {}
        assignee_obj = team_obj = release_obj = fixed_obj = ...
        if assignee is not ...:
            assignee_obj = get_user_model().objects.filter(username=assignee).first() if assignee else None
            if assignee and assignee_obj is None:
                errors["assignee"] = [_("Unknown user '%(user)s'.") % {"user": assignee}]
        if team is not ...:
            team_obj = Team.objects.filter(slug=team).first() if team else None
            if team and team_obj is None:
                errors["team"] = [_("Unknown team '%(team)s'.") % {"team": team}]
        if errors:
            raise ApplicationError("invalid update", fields=errors)
        if release is not ...:
            release_obj = release_lookup(feedback=feedback, version=release) if release else None
        if fixed_in is not ...:
            fixed_obj = release_lookup(feedback=feedback, version=fixed_in, field="fixed_in") if fixed_in else None
        if labels:
            feedback_set_labels(feedback=feedback, labels=labels, actor=actor)
        feedback_assign(feedback=feedback, actor=actor, assignee=assignee_obj, team=team_obj)
        feedback_set_release(feedback=feedback, actor=actor, release=release_obj, fixed_in=fixed_obj)
    return feedback


def feedback_ids(items: Iterable[Feedback]) -> list[int]:
    return [f.pk for f in items]
