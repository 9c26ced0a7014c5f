"""Intake: `feedback_create` is the single way in — the API, the bulk endpoint, imports, the admin and
the demo data all call it. Each item is validated and stored on its own."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from feedback_archive.core import segmenter
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.versions.services import product_get, release_for_report, releases_registered

from .. import duplicates
from ..models import Channel, DuplicateBand, Feedback, FieldChange, Reporter
from .audit import audit_record, _bump  # noqa: F401
from .duplicates import _link_duplicates
from .items import _chunks, _Item

CLASSIFY_TASK = "feedback_archive.classification.tasks.classify_feedback"
ACKNOWLEDGE_TASK = "feedback_archive.workflow.tasks.acknowledge_feedback"

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

    for start in range(0, len(ids), settings.JOB_MAX_ITEMS):  # bounded jobs, as for classification
        async_task(ACKNOWLEDGE_TASK, ids[start:start + settings.JOB_MAX_ITEMS], group="acknowledge")


def _enqueue_classification(ids: list[int]) -> None:
    from django_q.tasks import async_task

    if len(ids) == 1:
        async_task(CLASSIFY_TASK, ids[0], task_name=f"classify-{ids[0]}", group="classify")
    else:
        # jobs of at most JOB_MAX_ITEMS: a stopping worker finishes its job first (docs/reliability.md)
        for start in range(0, len(ids), settings.JOB_MAX_ITEMS):
            async_task("feedback_archive.classification.tasks.classify_many", ids[start:start + settings.JOB_MAX_ITEMS],
                       group="classify")


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
