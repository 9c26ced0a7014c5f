"""Intake: `feedback_create` is the single way in — the API, the bulk endpoint, imports, the admin and
the demo data all call it (through `intake.services.feedback_receive*`, which enqueues the pipeline).
Each item is validated and stored on its own.

Intake is thin (issue #17): it validates, resolves (channel, external id) idempotency and stores the
row with its raw reporter and version fields as `received`. Everything that needs understanding —
reporter upsert and release mapping (`feedback_resolve_sources`), search tokens (`feedback_index`),
duplicate / problem links (`feedback_match`), classification, routing, the acknowledgement — is
done by the worker pipeline (intake/pipeline.py), which calls the services below stage by stage."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from feedback_archive.core import segmenter
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, error_text, error_fields
from feedback_archive.core.validation import json_error, max_length, text_error
from feedback_archive.versions.models import Product, Release
from feedback_archive.versions.services import product_get, release_for_report, releases_registered

from ..choices import PipelineState
from ..models import Channel, Feedback, Reporter
from .items import _chunks, _Item

logger = logging.getLogger(__name__)

# A deadlock between two requests is retried inside the request this many times before the 503.
DEADLOCK_RETRIES = 3
COLLISION_RETRIES = 3

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


def _text_errors(errors: dict, **fields) -> None:
    """What PostgreSQL would refuse in a text field (NUL, a lone surrogate) as a field error, so a
    poisoned item is refused on its own instead of failing its neighbours' statement (#11 item 2)."""
    for name, value in fields.items():
        if isinstance(value, str) and name not in errors and (err := text_error(value)):
            errors[name] = [_("This field %(err)s.") % {"err": err}]


def _validate(*, channel, content, external_id, title, received_at, rating, metadata, locale, platform, reporter,
              app_version="", product=None, lookups: _Lookups | None = None):
    errors: dict[str, list[str]] = {}
    _text_errors(errors, content=content, title=title, external_id=external_id, locale=locale, platform=platform,
                 app_version=app_version, product=product, channel=channel if isinstance(channel, str) else None)
    if errors:
        raise ApplicationError("invalid feedback", fields=errors)
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
        elif received_at.astimezone(dt.timezone.utc).year < 1970:  # in UTC: 1969-12-31T23:59:59Z is 1970 in Shanghai
            errors["received_at"] = [_("received_at before 1970 is not plausible.")]
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
        errors["rating"] = [_("Rating must be an integer from 1 to 5.")]
    if metadata is not None:
        if not isinstance(metadata, dict):
            errors["metadata"] = [_("Metadata must be a JSON object.")]
        elif err := json_error(metadata):
            errors["metadata"] = [_("Metadata %(err)s.") % {"err": err}]
        elif len(json.dumps(metadata, ensure_ascii=False).encode()) > settings.FEEDBACK_MAX_METADATA_BYTES:
            errors["metadata"] = [_("Metadata is larger than 16 KB.")]
    if locale and len(locale) > 35:
        errors["locale"] = [_("At most %(max)d characters.") % {"max": 35}]
    if platform and len(platform) > 20:
        errors["platform"] = [_("At most %(max)d characters.") % {"max": 20}]
    # the version string becomes a release row (versions_release.version) in the pipeline: its
    # column is the limit, read from the models rather than written here a second time
    limit = min(max_length(Feedback, "app_version"), max_length(Release, "version"))
    if app_version and isinstance(app_version, str) and len(app_version) > limit:
        errors["app_version"] = [_("At most %(max)d characters.") % {"max": limit}]
    if reporter is not None and not isinstance(reporter, dict):
        errors["reporter"] = [_("Reporter must be an object with external_id, name, contact.")]
    elif reporter is not None and (err := json_error(reporter)):
        errors["reporter"] = [_("Reporter %(err)s.") % {"err": err}]
    if errors:
        raise ApplicationError("invalid feedback", fields=errors)
    return channel_obj, content, received_at




def _check(index: int, lookups: _Lookups, *, channel, content, external_id=None, title="", reporter=None, product=None,
           platform="", app_version="", received_at=None, locale="", rating=None, metadata=None) -> _Item:
    channel_obj, content, received_at = _validate(
        channel=channel, content=content, external_id=external_id, title=title, received_at=received_at,
        rating=rating, metadata=metadata, locale=locale, platform=platform, reporter=reporter, lookups=lookups,
        app_version=app_version, product=product,
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
    missing = sorted(k for k in wanted if k not in by_key)  # a stable lock order (#11 item 6)
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
        changed_reporters.sort(key=lambda r: r.pk)
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
    """Insert new items (none of them stored yet) as `received`, with the reporter as sent and the
    version string as reported: one `bulk_create`. Call inside a transaction.

    Rows go in sorted by (channel, external id): two requests inserting overlapping ids then take
    the unique index's locks in the same order, so they wait for each other instead of deadlocking
    (#11 item 6)."""
    if not items:
        return items
    now = timezone.now()
    for item in items:
        product = lookups.product(item.product)
        reporter = item.reporter if item.reporter and _reporter_key(item) else None
        item.feedback = Feedback(
            channel=item.channel, external_id=item.external_id, title=item.title, content=item.content,
            product=product, platform=item.platform, app_version=item.app_version,
            received_at=item.received_at or now, locale=item.locale, rating=item.rating, metadata=item.metadata or {},
            status_changed_at=item.received_at or now, pipeline_state=PipelineState.RECEIVED,
            intake_raw={"reporter": reporter} if reporter else None,
        )
    Feedback.objects.bulk_create([i.feedback for i in _sorted(items)])
    return items


def _sorted(items: list[_Item]) -> list[_Item]:
    """The one order every insert path takes the unique index's locks in."""
    return sorted(items, key=lambda i: (i.channel.pk, i.external_id is None, i.external_id or ""))


def feedback_create(
    *, channel, content: str, actor: Actor, external_id: str | None = None, title: str = "",
    reporter: dict | None = None, product: str | None = None, platform: str = "", app_version: str = "",
    received_at=None, locale: str = "", rating: int | None = None, metadata: dict | None = None,
) -> tuple[Feedback, bool]:
    """Store one feedback; (feedback, created). The same channel + external_id again returns the
    stored row unchanged, also when several clients retry it at the same moment. Enqueues nothing:
    `intake.services.feedback_receive` does, after the commit."""
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
    except IntegrityError:
        if item.external_id is None:
            raise
        existing = Feedback.objects.filter(channel=item.channel, external_id=item.external_id).first()
        if existing is None:
            raise
        return existing, False
    return item.feedback, True


def is_deadlock(exc: BaseException) -> bool:
    """PostgreSQL's deadlock_detected (40P01) or SQLite's "database is locked" after its busy wait."""
    cause = getattr(exc, "__cause__", None)
    code = getattr(cause, "pgcode", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    return code == "40P01" or "deadlock detected" in str(exc)


def feedback_create_many(*, items: list[dict], actor: Actor) -> list[dict]:
    """Bulk intake in one transaction: each item stored or refused on its own (per-item errors as
    `feedback_create` gives them). A deadlock with a concurrent request rolls the transaction back
    and is retried here (a short random pause, up to DEADLOCK_RETRIES times) before the caller
    sees the database error (503)."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                return _create_many(items=items, actor=actor)
        except OperationalError as exc:
            # inside a caller's transaction this atomic block is a savepoint: rolled back to it, the
            # caller's transaction is usable again, so the retry works there too
            if not is_deadlock(exc) or attempt == DEADLOCK_RETRIES:
                raise
            logger.warning("bulk intake deadlocked (attempt %d); retrying", attempt + 1)
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _signature_error(item: dict) -> str | None:
    unknown = sorted(set(item) - _ITEM_FIELDS)
    if unknown:
        return f"feedback_create() got an unexpected keyword argument '{unknown[0]}'"
    missing = [f for f in ("channel", "content") if f not in item]
    if missing:
        names = " and ".join(f"'{f}'" for f in missing)
        return f"feedback_create() missing {len(missing)} required keyword-only argument{'s' if len(missing) > 1 else ''}: {names}"
    return None


def _create_many(*, items: list[dict], actor: Actor, collisions: int = 0) -> list[dict]:
    """The batched path: check every item, find the stored ones with one query, store the rest
    with `_store`. If the insert collides with a concurrent request that committed the same
    external ids (IntegrityError), the savepoint is rolled back and the batch is tried again: the
    colliding rows are visible now and answer as stored. Going item by item in the request's own
    order instead would take the unique index's locks out of order and deadlock with the other
    request; only after COLLISION_RETRIES does it go item by item (still in sorted order)."""
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
            results[index] = {"index": index, "errors": error_fields(exc)}
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
            results[item.index] = {"index": item.index, "errors": error_fields(exc)}
            continue
        if item.external_id is not None:
            first_of[key] = item
        new.append(item)
    try:
        with transaction.atomic():
            _store(new, actor=actor, lookups=lookups)
    except IntegrityError:
        lookups.forget_writes()
        if collisions < COLLISION_RETRIES:
            return _create_many(items=items, actor=actor, collisions=collisions + 1)
        return _create_many_one_by_one(items=items, actor=actor, order=[i.index for i in _sorted(new)])
    for item in new:
        results[item.index] = {"index": item.index, "id": item.feedback.pk, "created": True}
    for item in repeats:
        results[item.index] = {"index": item.index, "id": first_of[(item.channel.pk, item.external_id)].feedback.pk,
                               "created": False}
    return [results[k] for k in sorted(results)]


def _create_many_one_by_one(*, items: list[dict], actor: Actor, order: list[int]) -> list[dict]:
    """Item by item, the new ones first in `order` (sorted like `_store`), then the rest; the
    answer is in the request's order."""
    results = []
    rank = {index: n for n, index in enumerate(order)}
    for index, item in sorted(enumerate(items), key=lambda pair: (pair[0] not in rank, rank.get(pair[0], 0), pair[0])):
        if not isinstance(item, dict):
            results.append({"index": index, "errors": {"non_field_errors": [_("Each item must be an object.")]}})
            continue
        try:
            with transaction.atomic():
                fb, created = feedback_create(actor=actor, **item)
        except ApplicationError as exc:
            results.append({"index": index, "errors": error_fields(exc)})
            continue
        except TypeError as exc:
            results.append({"index": index, "errors": {"non_field_errors": [error_text(exc)]}})
            continue
        results.append({"index": index, "id": fb.pk, "created": created})
    return sorted(results, key=lambda r: r["index"])


# --- the pipeline's feedback stages (called by intake/pipeline.py, in its transactions) ----------

class _Row:
    """A stored row seen as the reporter helpers see an item."""

    def __init__(self, pk, channel_id, reporter, locale):
        self.pk, self.reporter, self.locale = pk, reporter, locale
        self.channel = Channel(pk=channel_id)


def feedback_resolve_sources(*, feedback_ids: list[int]) -> int:
    """Pipeline stage 1: the reporter (created or updated from what intake received, for the whole
    batch at once: see `_reporters_upsert`) and the release the version string names (one query
    for all registered ones; an unregistered version is recorded as an unknown release). Writes
    `reporter`, `release` and empties `intake_raw`; does not bump `version` (agents' optimistic
    concurrency counts people's changes, not the pipeline's). Returns how many rows it resolved."""
    rows = list(Feedback.objects.filter(pk__in=feedback_ids).order_by("id")
                .values("id", "channel_id", "intake_raw", "locale", "product_id", "platform", "app_version"))
    if not rows:
        return 0
    pseudo = [_Row(r["id"], r["channel_id"], (r["intake_raw"] or {}).get("reporter"), r["locale"]) for r in rows]
    reporters = _reporters_upsert([p for p in pseudo if p.reporter])
    products = {p.pk: p for p in Product.objects.filter(pk__in={r["product_id"] for r in rows} - {None})}
    lookups = _Lookups()
    keys = [(products[r["product_id"]], r["platform"], r["app_version"]) for r in rows if r["product_id"] in products]
    lookups.prefetch_releases(keys)
    updates = []
    for r, p in zip(rows, pseudo):
        key = _reporter_key(p) if p.reporter else None
        product = products.get(r["product_id"])
        release = lookups.release(product, r["platform"], r["app_version"]) if product is not None else None
        updates.append(Feedback(pk=r["id"], reporter=reporters.get(key) if key else None, release=release,
                                intake_raw=None))
    Feedback.objects.bulk_update(updates, ["reporter", "release", "intake_raw"], batch_size=500)
    return len(updates)


def feedback_index(*, feedback_ids: list[int], tokens: dict[int, list[str]] | None = None) -> int:
    """Pipeline stage 2: the search tokens (`search_text`; on PostgreSQL the generated
    `search_vector` follows). `tokens` (id → tokens) may be computed by the caller outside its
    transaction (segmentation is the CPU-heavy part); missing ones are computed here."""
    rows = list(Feedback.objects.filter(pk__in=feedback_ids).order_by("id").values_list("id", "title", "content"))
    tokens = tokens or {}
    updates = []
    for pk, title, content in rows:
        toks = tokens.get(pk)
        if toks is None:
            toks = search_tokens_for(title, content)
        updates.append(Feedback(pk=pk, search_text=f" {' '.join(toks)} "))
    Feedback.objects.bulk_update(updates, ["search_text"], batch_size=500)
    return len(updates)


def search_tokens_for(title: str, content: str) -> list[str]:
    """The one segmentation of an item for search and duplicate fingerprints."""
    return segmenter.search_tokens(f"{title} {content}")
