"""Writes to feedback. `feedback_create` is the single way in: the API, the bulk endpoint, imports,
the admin and the demo data all call it."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F
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
from feedback_archive.versions.services import product_get, release_for_report

from . import duplicates
from .models import Channel, DuplicateBand, Feedback, FeedbackLabel, FieldChange, Reporter

CLASSIFY_TASK = "feedback_archive.classification.tasks.classify_feedback"


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
def _validate(*, channel, content, external_id, title, received_at, rating, metadata, locale, platform, reporter):
    errors: dict[str, list[str]] = {}
    content = (content or "").strip()
    if not content:
        errors["content"] = [_("Content may not be empty.")]
    elif len(content) > settings.FEEDBACK_MAX_CONTENT_CHARS:
        errors["content"] = [_("Content is %(n)d characters; at most %(max)d are allowed.") % {"n": len(content), "max": settings.FEEDBACK_MAX_CONTENT_CHARS}]
    channel_obj = channel if isinstance(channel, Channel) else Channel.objects.filter(slug=channel or "", is_active=True).first()
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


def reporter_upsert(*, channel: Channel, external_id: str, name: str = "", contact: str = "", locale: str = "") -> Reporter:
    reporter, created = Reporter.objects.get_or_create(
        channel=channel, external_id=external_id, defaults={"name": name, "contact": contact, "locale": locale}
    )
    if not created and reporter.erased_at is None:
        given = {"name": name, "contact": contact, "locale": locale}
        changed = [f for f, v in given.items() if v and getattr(reporter, f) != v]
        for f in changed:
            setattr(reporter, f, given[f])
        if changed:
            reporter.save(update_fields=[*changed, "updated_at"])
    return reporter


def feedback_create(
    *, channel, content: str, actor: Actor, external_id: str | None = None, title: str = "",
    reporter: dict | None = None, product: str | None = None, platform: str = "", app_version: str = "",
    received_at=None, locale: str = "", rating: int | None = None, metadata: dict | None = None,
    classify: bool = True,
) -> tuple[Feedback, bool]:
    """Store one feedback; (feedback, created). The same channel + external_id again returns the
    stored row unchanged, also when several clients retry it at the same moment."""
    channel_obj, content, received_at = _validate(
        channel=channel, content=content, external_id=external_id, title=title, received_at=received_at,
        rating=rating, metadata=metadata, locale=locale, platform=platform, reporter=reporter,
    )
    external_id = str(external_id).strip() if external_id not in (None, "") else None
    if external_id is not None:
        existing = Feedback.objects.filter(channel=channel_obj, external_id=external_id).first()
        if existing is not None:
            return existing, False
    product_obj = product_get(product)
    try:
        with transaction.atomic():
            reporter_obj = None
            if reporter and (reporter.get("external_id") or reporter.get("contact") or reporter.get("name")):
                reporter_obj = reporter_upsert(
                    channel=channel_obj,
                    external_id=str(reporter.get("external_id") or reporter.get("contact") or reporter.get("name"))[:200],
                    name=str(reporter.get("name") or "")[:200], contact=str(reporter.get("contact") or "")[:200],
                    locale=locale,
                )
            tokens = segmenter.search_tokens(f"{title} {content}")
            now = timezone.now()
            feedback = Feedback.objects.create(
                channel=channel_obj, external_id=external_id, title=(title or "").strip(), content=content,
                reporter=reporter_obj, product=product_obj, platform=(platform or "").lower(),
                app_version=app_version or "",
                release=release_for_report(product=product_obj, platform=(platform or "").lower(), raw_version=app_version or ""),
                received_at=received_at or now, locale=locale or "", rating=rating, metadata=metadata or {},
                search_text=f" {' '.join(tokens)} ", status_changed_at=received_at or now,
            )
            duplicate_link_at_ingest(feedback=feedback, tokens=tokens, actor=actor)
    except IntegrityError:
        if external_id is None:
            raise
        existing = Feedback.objects.filter(channel=channel_obj, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False
    if classify:
        transaction.on_commit(lambda: _enqueue_classification([feedback.pk]))
    return feedback, True


def _enqueue_classification(ids: list[int]) -> None:
    from django_q.tasks import async_task

    if len(ids) == 1:
        async_task(CLASSIFY_TASK, ids[0], task_name=f"classify-{ids[0]}", group="classify")
    else:
        async_task("feedback_archive.classification.tasks.classify_many", ids, group="classify")


def feedback_create_many(*, items: list[dict], actor: Actor) -> list[dict]:
    """Bulk intake: each item stored or refused on its own (a savepoint each), all in one
    transaction — one commit per request instead of one per item; one classification job."""
    with transaction.atomic():
        return _create_many(items=items, actor=actor)


def _create_many(*, items: list[dict], actor: Actor) -> list[dict]:
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
        transaction.on_commit(lambda: _enqueue_classification(new_ids))
    return results


# --- duplicates --------------------------------------------------------------------------------
def duplicate_link_at_ingest(*, feedback: Feedback, tokens: list[str], actor: Actor) -> Feedback | None:
    """Store the fingerprint and link to the most similar earlier feedback, if similar enough."""
    token_set = duplicates.dedup_tokens(tokens)
    bands = duplicates.band_values(token_set)
    if not bands:
        return None
    candidate_ids = list(
        DuplicateBand.objects.filter(value__in=bands).values("feedback_id")
        .annotate(hits=Count("id")).order_by("-hits", "-feedback_id").values_list("feedback_id", flat=True)[:50]
    )
    DuplicateBand.objects.bulk_create([DuplicateBand(feedback=feedback, value=v) for v in bands])
    if not candidate_ids:
        return None
    best, best_score = None, 0.0
    for cid, cano, text in Feedback.objects.filter(pk__in=candidate_ids).values_list("id", "canonical_id", "search_text"):
        other = duplicates.dedup_tokens(text.split())
        if duplicates.negation_differs(token_set, other):
            continue
        score = duplicates.jaccard(token_set, other)
        if score > best_score:
            best, best_score = (cano or cid), score
    if best is None or best_score < duplicates.DUPLICATE_THRESHOLD:
        return None
    canonical = Feedback.objects.get(pk=best)
    feedback_mark_duplicate(feedback=feedback, canonical=canonical, similarity=best_score, actor=actor)
    return canonical


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
