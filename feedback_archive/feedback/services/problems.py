"""Problems: one problem users hit, many reports and wordings (docs/duplicates.md, "Problems").

Every write here follows one protocol, so two agents (or an agent and the matching worker) acting
on the same problems at once cannot interleave:

1. lock the Problem rows involved with SELECT … FOR UPDATE, **in id order** (a stable order: two
   merges of the same pair wait for each other instead of deadlocking);
2. re-read what the decision depends on under the lock (an item's current problem, whether a
   problem was merged meanwhile) and refuse with a ConflictError (409) if it moved;
3. check the actor's team scope on every item that moves and on the lead of every problem changed;
4. move the member rows, then recompute each touched problem's counts, dates, releases, labels,
   title and the `canonical`/`duplicate_count` view from its member rows — in the same transaction.

`canonical` and `duplicate_count` stay the API's view of membership: every member other than the
lead has canonical = the lead, the lead has duplicate_count = members − 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    JSONField,
    Max,
    Min,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.core.permissions import check_can_change

from .. import matching
from ..models import Feedback, FeedbackLabel, FieldChange, Problem, ProblemProposal, ProblemTerm
from feedback_archive.versions.models import Release

from .audit import audit_record

TITLE_CHARS = 60
LABEL_DIMENSIONS = ("type", "module", "severity")


class NotFoundError(ApplicationError):
    """An id that names nothing (404 at the API)."""


# --- locking and reading ---------------------------------------------------------------------


def _lock_problems(ids) -> dict[int, Problem]:
    """Lock the problems in id order; an unknown id is a 404, a problem merged meanwhile a 409."""
    ids = sorted({int(i) for i in ids if i is not None})
    got = {p.pk: p for p in Problem.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for pid in ids:
        if pid not in got:
            raise NotFoundError(_("Problem #%(id)s does not exist (it may have been emptied and removed).") % {"id": pid})
        if got[pid].merged_into_id:
            raise ConflictError(_("Problem #%(id)s was merged into problem #%(into)s meanwhile; reload and act there.")
                                % {"id": pid, "into": got[pid].merged_into_id})
    return got


def _feedback(feedback_id) -> Feedback:
    try:
        return Feedback.objects.select_related("team").get(pk=int(feedback_id))
    except (Feedback.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(_("Feedback #%(id)s does not exist.") % {"id": feedback_id}) from None


def _check_lead(actor: Actor, problem: Problem) -> None:
    """A problem belongs to the team of its lead item: changing it needs the right to change that."""
    if problem.lead_id and actor.user is not None:  # a job or an API key may change any (no read needed)
        check_can_change(actor, Feedback.objects.select_related("team").get(pk=problem.lead_id))


def _check_version(problem: Problem, expected_version) -> None:
    if expected_version is not None and int(expected_version) != problem.version:
        raise ConflictError(_("Someone else changed problem #%(id)s (now version %(v)s, you saw %(e)s); reload it.")
                            % {"id": problem.pk, "v": problem.version, "e": expected_version})


# --- the recomputation -----------------------------------------------------------------------


def _title_from(feedback: Feedback) -> str:
    text = " ".join((feedback.title or feedback.content or "").split())
    return (text[:TITLE_CHARS - 1] + "…") if len(text) > TITLE_CHARS else text or f"#{feedback.pk}"


def _refresh(problem: Problem) -> Problem | None:
    """Make every derived field of `problem` equal to what its member rows say. An empty problem
    that was not merged is deleted (None); a merged one keeps its row with zero counts."""
    members = Feedback.objects.filter(problem_id=problem.pk)
    agg = members.aggregate(
        n=Count("id"), reporters=Count("reporter", distinct=True), anonymous=Count("id", filter=Q(reporter__isnull=True)),
        channels=Count("channel", distinct=True), first=Min("received_at"), last=Max("received_at"),
    )
    if not agg["n"]:
        if problem.merged_into_id:
            problem.member_count = problem.reporter_count = problem.channel_count = 0
            problem.lead = None
            problem.version += 1
            problem.save()
            return problem
        problem.delete()
        return None
    if problem.lead_id is None or not members.filter(pk=problem.lead_id).exists():
        problem.lead_id = members.order_by("received_at", "id").values_list("id", flat=True).first()
    lead = Feedback.objects.get(pk=problem.lead_id)
    problem.member_count = agg["n"]
    problem.reporter_count = agg["reporters"] + agg["anonymous"]  # each anonymous report is its own person
    problem.channel_count = agg["channels"]
    problem.first_seen_at, problem.last_seen_at = agg["first"], agg["last"]
    problem.product_id = lead.product_id
    problem.first_release_id = (
        members.exclude(release=None).order_by("release__version_key", "received_at").values_list("release_id", flat=True).first())
    if not problem.title_locked:
        problem.title = _title_from(lead)
    if not problem.labels_locked:
        _vote_labels(problem)
    if problem.fixed_in_id and problem.regressed_at is None and _regressing(problem).exists():
        problem.regressed_at = timezone.now()
    problem.version += 1
    problem.save()
    # the duplicates view the API has always shown
    members.exclude(pk=lead.pk).exclude(canonical_id=lead.pk, duplicate_count=0).update(canonical_id=lead.pk,
                                                                                          duplicate_count=0)
    # `similarity` (the API's score of the duplicate link) is the matching score where one exists
    members.exclude(pk=lead.pk).filter(similarity__isnull=True, problem_score__isnull=False).update(
        similarity=F("problem_score"))
    Feedback.objects.filter(pk=lead.pk).update(canonical=None, duplicate_count=agg["n"] - 1)
    return problem


def _advance(problem: Problem, items: list[Feedback], *, lead: Feedback, new_reporters: int, new_channels: int,
             version_key: dict[int, int]) -> None:
    """Move a problem's derived fields by what joining `items` add (one join or a worker job's
    joins alike): counts, first/last seen, the first release, product and title. `version_key`
    holds the sort key of the items' releases and of the problem's first release."""
    first = min(f.received_at for f in items)
    last = max(f.received_at for f in items)
    problem.member_count += len(items)
    problem.reporter_count += new_reporters
    problem.channel_count += new_channels
    problem.first_seen_at = min(first, problem.first_seen_at) if problem.first_seen_at else first
    problem.last_seen_at = max(last, problem.last_seen_at) if problem.last_seen_at else last
    # the earliest release (by version order, then time) among members: only the joining items'
    # releases can move it
    with_release = [f for f in items if f.release_id]
    if with_release:
        best = min(with_release, key=lambda f: (version_key[f.release_id], f.received_at))
        current = version_key.get(problem.first_release_id)
        if current is None or version_key[best.release_id] < current:
            problem.first_release_id = best.release_id
        elif version_key[best.release_id] == current and best.release_id != problem.first_release_id:
            # two releases with one sort key (two products): the earlier report decides, as in _refresh
            problem.first_release_id = (
                Feedback.objects.filter(Q(problem_id=problem.pk) | Q(pk__in=[f.pk for f in items]))
                .exclude(release=None).order_by("release__version_key", "received_at")
                .values_list("release_id", flat=True).first())
    problem.product_id = lead.product_id
    if not problem.title_locked:
        problem.title = _title_from(lead)


def _add_members(problem: Problem, items: list[Feedback], *, actor: Actor, old: dict[int, int | None],
                 score=None, evidence=None) -> Problem:
    """Make `items` members of `problem` (locked, or new and not saved yet) and move every derived
    field by what they add, instead of re-aggregating every member row as `_refresh` does: a join
    is the worker's hot path and a problem can hold thousands of members. The result equals
    `_refresh`'s (tests compare the two); merges, splits and removals keep using `_refresh`.
    Queries: one read of what the problem already has, the label vote, the problem row, one UPDATE
    of the items and the lead, the audit rows."""
    ids = [f.pk for f in items]
    had_members = problem.pk is not None and problem.member_count > 0
    if problem.lead_id is None:
        problem.lead_id = min(items, key=lambda f: (f.received_at, f.pk)).pk
    lead = next((f for f in items if f.pk == problem.lead_id), None)
    named = sorted({f.reporter_id for f in items if f.reporter_id})
    channels = sorted({f.channel_id for f in items})
    releases = sorted({f.release_id for f in items if f.release_id} | {problem.first_release_id} - {None})
    # one read: the lead's text (when it is not joining), which of the items' reporters and
    # channels other members already have (EXISTS probes), the version sort key of each release
    others = Feedback.objects.filter(problem_id=problem.pk).exclude(pk__in=ids)
    probes: dict = {}
    if lead is None:
        lead_row = Feedback.objects.filter(pk=problem.lead_id)
        probes.update({f"lead_{f}": Subquery(lead_row.values(f)[:1]) for f in ("title", "content", "product_id")})
    if had_members:
        probes.update({f"r{r}": Exists(others.filter(reporter_id=r)) for r in named})
        probes.update({f"c{c}": Exists(others.filter(channel_id=c)) for c in channels})
    probes.update({f"v{r}": Subquery(Release.objects.filter(pk=r).values("version_key")[:1]) for r in releases})
    if problem.pk is not None:
        got = Problem.objects.filter(pk=problem.pk).annotate(**probes).values(*probes).get() if probes else {}
    else:  # a new problem: nothing to probe but the release keys
        got = {f"v{r}": k for r, k in Release.objects.filter(pk__in=releases).values_list("id", "version_key")}
    if lead is None:
        lead = Feedback(pk=problem.lead_id, title=got["lead_title"], content=got["lead_content"],
                        product_id=got["lead_product_id"])
    new_reporters = sum(1 for r in named if not got.get(f"r{r}")) + sum(1 for f in items if not f.reporter_id)
    new_channels = sum(1 for c in channels if not got.get(f"c{c}"))
    _advance(problem, items, lead=lead, new_reporters=new_reporters, new_channels=new_channels,
             version_key={r: got[f"v{r}"] for r in releases})
    if not problem.labels_locked:
        # members are labelled after they join (classification runs after matching): re-vote
        _vote_labels(problem, feedback_ids=None if had_members else ids)
    # (the items do not point at the problem yet: they are checked by id)
    if (problem.fixed_in_id and problem.regressed_at is None
            and _regressing(problem, Feedback.objects.filter(pk__in=ids)).exists()):
        problem.regressed_at = timezone.now()
    problem.version += 1
    problem.save()
    # membership and the duplicates view the API has always shown (every member but the lead has
    # canonical = the lead; the lead counts the others; `similarity` is the matching score where
    # the item had none), for the joining items and the lead, in one statement
    lead_id = problem.lead_id
    score_value = Value(score, output_field=FloatField())
    Feedback.objects.filter(pk__in=[*ids, lead_id]).update(
        problem_id=Case(When(pk__in=ids, then=Value(problem.pk)), default=F("problem_id"),
                        output_field=BigIntegerField()),
        problem_score=Case(When(pk__in=ids, then=score_value), default=F("problem_score"), output_field=FloatField()),
        problem_evidence=Case(When(pk__in=ids, then=Value(list(evidence or []), output_field=JSONField())),
                              default=F("problem_evidence")),
        canonical_id=Case(When(pk=lead_id, then=Value(None)), default=Value(lead_id),
                          output_field=BigIntegerField()),
        duplicate_count=Case(When(pk=lead_id, then=Value(problem.member_count - 1)), default=Value(0),
                             output_field=IntegerField()),
        similarity=Case(When(pk=lead_id, then=F("similarity")), default=Coalesce(F("similarity"), score_value),
                        output_field=FloatField()),
        updated_at=timezone.now(),
    )
    _audit_moves(ids, problem, actor=actor, old=old)
    return problem


def _vote_labels(problem: Problem, *, feedback_ids=None) -> None:
    """The most frequent confirmed label of each dimension among the members (`feedback_ids`: a new
    problem's members, not written yet)."""
    members = Q(feedback_id__in=feedback_ids) if feedback_ids is not None else Q(feedback__problem_id=problem.pk)
    votes = (FeedbackLabel.objects.filter(members, dimension__code__in=LABEL_DIMENSIONS)
             .values("dimension__code", "label_id").annotate(n=Count("id")).order_by("-n", "label_id"))
    chosen: dict[str, int] = {}
    for row in votes:
        chosen.setdefault(row["dimension__code"], row["label_id"])
    problem.type_id, problem.module_id, problem.severity_id = (chosen.get(d) for d in LABEL_DIMENSIONS)


def _regressing(problem: Problem, members=None):
    """Members (`members`, else the problem's member rows) stored after the fix was recorded,
    reported on the fix release or a later one of the same product: the problem came back
    (workflow/regressions.py reopens and alerts)."""
    fixed = problem.fixed_in
    members = Feedback.objects.filter(problem_id=problem.pk) if members is None else members
    return members.filter(
        created_at__gte=problem.fixed_at or problem.created_at,
        release__product_id=fixed.product_id, release__version_key__gte=fixed.version_key,
    ).exclude(pk=problem.lead_id)


def regression_reports(*, problem_id: int) -> list[int]:
    """Ids of the reports that made a problem a regression (for the reopen note and the alert)."""
    problem = Problem.objects.select_related("fixed_in").get(pk=problem_id)
    return list(_regressing(problem).order_by("id").values_list("id", flat=True)) if problem.fixed_in_id else []


def problem_refresh(*, problem_id: int) -> Problem | None:
    """Recompute one problem from its members (repairs; the services call `_refresh` themselves)."""
    with transaction.atomic():
        problem = _lock_problems([problem_id])[problem_id]
        return _refresh(problem)


def terms_add(*, problem_id: int, texts) -> None:
    """Index the concepts of these members under the problem (the candidate look-up of matching).
    `texts`: (text, stored search tokens) pairs — the tokens stage's cut, not redone here — or
    plain texts (cut here)."""
    pairs = [(t, None) if isinstance(t, str) else (t[0], t[1] or None) for t in texts]
    terms = sorted({h for text, tokens in pairs for h in matching.term_hashes(text, tokens)})
    if not terms:
        return
    # the ones the problem already holds are skipped by the unique constraint (ON CONFLICT DO NOTHING)
    ProblemTerm.objects.bulk_create([ProblemTerm(problem_id=problem_id, term=t) for t in terms], ignore_conflicts=True)


def _set_member(feedback_ids, problem: Problem, *, actor: Actor, old: dict[int, int | None], score=None,
                evidence=None) -> None:
    Feedback.objects.filter(pk__in=feedback_ids).update(
        problem=problem, problem_score=score, problem_evidence=list(evidence or []), updated_at=timezone.now())
    _audit_moves(feedback_ids, problem, actor=actor, old=old)


def _audit_moves(feedback_ids, problem: Problem, *, actor: Actor, old: dict[int, int | None]) -> None:
    # one INSERT for all (audit_record writes one row per call)
    FieldChange.objects.bulk_create([
        FieldChange(feedback_id=fid, actor_id=actor.user_id, actor_name=actor.name, via=actor.via, field="problem",
                    old=f"#{old[fid]}" if old.get(fid) else "", new=f"#{problem.pk}")
        for fid in feedback_ids if old.get(fid) != problem.pk])


# --- the services ----------------------------------------------------------------------------


def problem_create(*, feedback_ids: list[int], actor: Actor, title: str = "", score=None, evidence=None) -> Problem:
    """A new problem made of these items (taken out of the problems they were in); the first is its lead."""
    ids = list(dict.fromkeys(int(i) for i in feedback_ids))
    if not ids:
        raise ApplicationError("no items", fields={"feedback_ids": [_("Name at least one feedback.")]})
    title = (title or "").strip()[:200]
    with transaction.atomic():
        items = {f.pk: f for f in Feedback.objects.select_related("team").filter(pk__in=ids)}
        missing = [i for i in ids if i not in items]
        if missing:
            raise NotFoundError(_("Feedback #%(id)s does not exist.") % {"id": missing[0]})
        for f in items.values():
            check_can_change(actor, f)
        old = {f.pk: f.problem_id for f in items.values()}
        olds = _lock_problems(old.values())
        # re-read under the lock: an item moved meanwhile is a conflict, not a silent second move
        now = dict(Feedback.objects.filter(pk__in=ids).values_list("id", "problem_id"))
        if now != old:
            raise ConflictError(_("One of these items moved to another problem meanwhile; reload and try again."))
        problem = _add_members(Problem(title=title or "…", title_locked=bool(title), lead_id=ids[0]),
                               [items[i] for i in ids], actor=actor, old=old, score=score, evidence=evidence)
        terms_add(problem_id=problem.pk, texts=[(f"{items[i].title} {items[i].content}", items[i].search_text) for i in ids])
        for p in olds.values():
            _refresh(p)
        return problem


def problem_move_item(*, feedback_id: int, problem_id: int, actor: Actor, score=None, evidence=None,
                      expected_version: int | None = None) -> Problem:
    """Move one item into a problem (joining it when it is in none). Needs the right to change the
    item and the target problem's lead (and the lead of the problem it leaves)."""
    feedback = _feedback(feedback_id)
    check_can_change(actor, feedback)
    with transaction.atomic():
        source_id = feedback.problem_id
        locked = _lock_problems([problem_id, source_id])
        target = locked[int(problem_id)]
        _check_version(target, expected_version)
        current = Feedback.objects.filter(pk=feedback.pk).values_list("problem_id", flat=True).first()
        if current != source_id:
            raise ConflictError(_("Feedback #%(id)s moved to problem #%(p)s meanwhile; reload and try again.")
                                % {"id": feedback.pk, "p": current})
        if source_id == target.pk:
            raise ApplicationError("same problem", fields={"problem": [
                _("Feedback #%(id)s is already in problem #%(p)s.") % {"id": feedback.pk, "p": target.pk}]})
        _check_lead(actor, target)
        if source_id:
            _check_lead(actor, locked[source_id])
        _add_members(target, [feedback], actor=actor, old={feedback.pk: source_id}, score=score, evidence=evidence)
        terms_add(problem_id=target.pk, texts=[(f"{feedback.title} {feedback.content}", feedback.search_text)])
        ProblemProposal.objects.filter(feedback=feedback, problem=target, decision=ProblemProposal.Decision.OPEN).update(
            decision=ProblemProposal.Decision.ACCEPTED, decided_by_id=actor.user_id, decided_at=timezone.now())
        if source_id:
            _refresh(locked[source_id])
        return target


def problem_place(*, feedback: Feedback, problem_id: int | None, actor: Actor, score=None, evidence=None) -> Problem:
    """The matching worker's placement of an item that is in no problem and whose row the caller
    read under its lock (SELECT … FOR UPDATE, services/matching.py): it joins `problem_id`, or
    becomes a problem of its own when None. What problem_move_item and problem_create re-read under
    their locks the lock already guarantees here; an item in no problem has no open proposal to
    accept (proposals are written with the item's own problem)."""
    if feedback.problem_id is not None:
        raise ConflictError(_("Feedback #%(id)s is already in problem #%(p)s.") % {"id": feedback.pk, "p": feedback.problem_id})
    check_can_change(actor, feedback)
    with transaction.atomic():
        if problem_id is None:
            problem = Problem(title="…", lead_id=feedback.pk)
        else:
            problem = _lock_problems([problem_id])[int(problem_id)]
            _check_lead(actor, problem)
        _add_members(problem, [feedback], actor=actor, old={feedback.pk: None}, score=score, evidence=evidence)
        terms_add(problem_id=problem.pk, texts=[(f"{feedback.title} {feedback.content}", feedback.search_text)])
        return problem


def problem_take_out(*, feedback_id: int, actor: Actor) -> Problem:
    """Take an item out of its problem: it becomes a problem of its own, and the old problem is
    remembered as rejected for it (matching never puts it back)."""
    feedback = _feedback(feedback_id)
    check_can_change(actor, feedback)
    if feedback.problem_id is None:
        raise ApplicationError("not in a problem", fields={"feedback": [
            _("Feedback #%(id)s is not part of any problem.") % {"id": feedback.pk}]})
    with transaction.atomic():
        source = _lock_problems([feedback.problem_id])[feedback.problem_id]
        if Feedback.objects.filter(pk=feedback.pk).values_list("problem_id", flat=True).first() != source.pk:
            raise ConflictError(_("Feedback #%(id)s moved meanwhile; reload and try again.") % {"id": feedback.pk})
        if source.member_count <= 1:
            raise ApplicationError("alone", fields={"feedback": [
                _("Feedback #%(id)s is the only report of problem #%(p)s.") % {"id": feedback.pk, "p": source.pk}]})
        _remember_rejection(feedback.pk, source.pk, actor)
        problem = _add_members(Problem(title="…", lead_id=feedback.pk), [feedback], actor=actor,
                               old={feedback.pk: source.pk})
        terms_add(problem_id=problem.pk, texts=[(f"{feedback.title} {feedback.content}", feedback.search_text)])
        _refresh(source)
        return problem


def _remember_rejection(feedback_id: int, problem_id: int, actor: Actor) -> None:
    now = timezone.now()
    updated = ProblemProposal.objects.filter(feedback_id=feedback_id, problem_id=problem_id).update(
        decision=ProblemProposal.Decision.REJECTED, decided_by_id=actor.user_id, decided_at=now)
    if not updated:
        ProblemProposal.objects.create(feedback_id=feedback_id, problem_id=problem_id, score=0.0, evidence=[],
                                       decision=ProblemProposal.Decision.REJECTED, decided_by_id=actor.user_id,
                                       decided_at=now)


def problem_merge(*, source_id: int, target_id: int, actor: Actor, expected_version: int | None = None) -> Problem:
    """Every member of `source` joins `target`; `source` stays as an empty row pointing at `target`
    (so a second agent merging the same pair gets a 409 naming where it went)."""
    try:
        source_id, target_id = int(source_id), int(target_id)
    except (TypeError, ValueError):
        raise ApplicationError("bad id", fields={"into": [_("A problem id is a number.")]}) from None
    if source_id == target_id:
        raise ApplicationError("itself", fields={"into": [_("A problem cannot be merged into itself.")]})
    with transaction.atomic():
        locked = _lock_problems([source_id, target_id])
        source, target = locked[source_id], locked[target_id]
        _check_version(source, expected_version)
        members = list(Feedback.objects.select_related("team").filter(problem_id=source.pk).order_by("id"))
        for f in members:
            check_can_change(actor, f)
        _check_lead(actor, target)
        _set_member([f.pk for f in members], target, actor=actor, old={f.pk: source.pk for f in members},
                    score=None, evidence=["merged by hand"])
        # the concept index and the rejections follow the members; open proposals to the source go
        # to the target unless the item already has a proposal there
        terms = list(ProblemTerm.objects.filter(problem_id=source.pk).values_list("term", flat=True))
        ProblemTerm.objects.bulk_create([ProblemTerm(problem_id=target.pk, term=t) for t in terms], ignore_conflicts=True)
        ProblemTerm.objects.filter(problem_id=source.pk).delete()
        taken = set(ProblemProposal.objects.filter(problem_id=target.pk).values_list("feedback_id", flat=True))
        ProblemProposal.objects.filter(problem_id=source.pk).exclude(feedback_id__in=taken).update(problem_id=target.pk)
        ProblemProposal.objects.filter(problem_id=source.pk).delete()
        ProblemProposal.objects.filter(problem_id=target.pk, feedback__problem_id=target.pk,
                                       decision=ProblemProposal.Decision.OPEN).delete()
        if not target.title_locked and source.title_locked:
            target.title, target.title_locked = source.title, True
        if target.fixed_in_id is None and source.fixed_in_id:
            target.fixed_in_id = source.fixed_in_id
        source.merged_into = target
        _refresh(source)
        return _refresh(target)


def problem_merge_into_item(*, source_id: int, feedback_id: int, actor: Actor) -> Problem:
    """Merge a problem into the problem of an item ("this is the same as #F")."""
    feedback = _feedback(feedback_id)
    if feedback.problem_id == int(source_id):
        raise ApplicationError("own member", fields={"into_feedback": [
            _("Feedback #%(id)s is a member of problem #%(p)s: a problem cannot be merged into its own member.")
            % {"id": feedback.pk, "p": source_id}]})
    if feedback.problem_id is None:
        return problem_merge_item_in(source_id=source_id, feedback_id=feedback.pk, actor=actor)
    return problem_merge(source_id=source_id, target_id=feedback.problem_id, actor=actor)


def problem_merge_item_in(*, source_id: int, feedback_id: int, actor: Actor) -> Problem:
    """An item in no problem joins `source` (the reverse merge of a one-report problem)."""
    return problem_move_item(feedback_id=feedback_id, problem_id=source_id, actor=actor)


def problem_split(*, problem_id: int, feedback_ids: list[int], actor: Actor, title: str = "") -> Problem:
    """Move some members of a problem into a new problem of their own (the first is its lead)."""
    ids = list(dict.fromkeys(int(i) for i in feedback_ids or []))
    if not ids:
        raise ApplicationError("no items", fields={"feedback_ids": [_("Choose the reports to split off.")]})
    with transaction.atomic():
        source = _lock_problems([problem_id])[int(problem_id)]
        members = {f.pk: f for f in Feedback.objects.select_related("team").filter(problem_id=source.pk)}
        foreign = [i for i in ids if i not in members]
        if foreign:
            raise ApplicationError("not members", fields={"feedback_ids": [
                _("Not reports of problem #%(p)s: %(ids)s.") % {"p": source.pk, "ids": ", ".join(f"#{i}" for i in foreign)}]})
        if len(ids) == len(members):
            raise ApplicationError("all members", fields={"feedback_ids": [
                _("Leave at least one report in problem #%(p)s (to rename it, edit its title).") % {"p": source.pk}]})
        for i in ids:
            check_can_change(actor, members[i])
        _check_lead(actor, source)
        for i in ids:  # split items are not proposed back into the problem they left
            _remember_rejection(i, source.pk, actor)
        problem = _add_members(
            Problem(title=(title or "").strip()[:200] or "…", title_locked=bool((title or "").strip()), lead_id=ids[0]),
            [members[i] for i in ids], actor=actor, old=dict.fromkeys(ids, source.pk), evidence=["split by hand"])
        terms_add(problem_id=problem.pk, texts=[(f"{members[i].title} {members[i].content}", members[i].search_text) for i in ids])
        _refresh(source)
        return problem


_UNSET = object()


def problem_edit(*, problem_id: int, actor: Actor, title=_UNSET, type=_UNSET, module=_UNSET, severity=_UNSET,
                 expected_version: int | None = None) -> Problem:
    """A person's title or labels: set and locked (recomputation from members leaves them). Labels
    are taxonomy Label objects (or None to clear)."""
    with transaction.atomic():
        problem = _lock_problems([problem_id])[int(problem_id)]
        _check_version(problem, expected_version)
        _check_lead(actor, problem)
        changes = []
        if title is not _UNSET:
            title = " ".join(str(title or "").split())[:200]
            if not title:
                raise ApplicationError("empty title", fields={"title": [_("A problem needs a title.")]})
            changes.append(("problem.title", problem.title, title))
            problem.title, problem.title_locked = title, True
        for dim, value in (("type", type), ("module", module), ("severity", severity)):
            if value is _UNSET:
                continue
            if value is not None and getattr(value.dimension, "code", None) != dim:
                raise ApplicationError("wrong dimension", fields={dim: [_("“%(label)s” is not a %(dim)s label.")
                                                                        % {"label": value, "dim": dim}]})
            changes.append((f"problem.{dim}", getattr(problem, dim), value))
            setattr(problem, dim, value)
            problem.labels_locked = True
        problem.version += 1
        problem.save()
        if problem.lead_id:
            for field, old, new in changes:
                audit_record(feedback=Feedback(pk=problem.lead_id), actor=actor, field=field, old=old, new=new)
        return problem


def problem_mark_fixed(*, problem_id: int, release_id: int | None, actor: Actor) -> Problem:
    """The fix of this problem ships in `release_id` (the lead item was closed as fixed). A report
    stored from now on, on that release or a later one of the same product, is a regression."""
    with transaction.atomic():
        problem = _lock_problems([problem_id])[int(problem_id)]
        if release_id is None:
            return problem
        old = problem.fixed_in_id
        problem.fixed_in_id, problem.fixed_at, problem.regressed_at = release_id, timezone.now(), None
        problem.version += 1
        problem.save(update_fields=["fixed_in", "fixed_at", "regressed_at", "version", "updated_at"])
        if problem.lead_id and old != release_id:
            audit_record(feedback=Feedback(pk=problem.lead_id), actor=actor, field="problem.fixed_in", old=old,
                         new=release_id)
        return problem


def proposal_accept(*, proposal_id: int, actor: Actor) -> Problem:
    proposal = _proposal(proposal_id)
    if proposal.decision != ProblemProposal.Decision.OPEN:
        raise ConflictError(_("This proposal was already %(d)s.") % {"d": proposal.get_decision_display()})
    return problem_move_item(feedback_id=proposal.feedback_id, problem_id=proposal.problem_id, actor=actor,
                             score=proposal.score, evidence=proposal.evidence)


def proposal_reject(*, proposal_id: int, actor: Actor) -> ProblemProposal:
    """Remembered: the item is never proposed for this problem again."""
    proposal = _proposal(proposal_id)
    check_can_change(actor, _feedback(proposal.feedback_id))
    with transaction.atomic():
        updated = ProblemProposal.objects.filter(pk=proposal.pk, decision=ProblemProposal.Decision.OPEN).update(
            decision=ProblemProposal.Decision.REJECTED, decided_by_id=actor.user_id, decided_at=timezone.now())
        if not updated:
            raise ConflictError(_("This proposal was already decided."))
        audit_record(feedback=Feedback(pk=proposal.feedback_id), actor=actor, field="problem.proposal",
                     old=f"#{proposal.problem_id}?", new=_("rejected"))
    proposal.refresh_from_db()
    return proposal


def _proposal(proposal_id) -> ProblemProposal:
    try:
        return ProblemProposal.objects.get(pk=int(proposal_id))
    except (ProblemProposal.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(_("Proposal #%(id)s does not exist.") % {"id": proposal_id}) from None


# --- the matching worker's placement of a whole job ---------------------------------------------


@dataclass
class Placement:
    """One item's place, decided by matching (services/matching.py) for a whole job at once: it
    joins problem `key` (an existing problem's id), or leads a new problem (`new`: `key` is a
    stand-in the job made up, larger than every existing id in creation order; later items of the
    job may join it by that key). The item is in no problem and its row is locked by the caller."""

    item: Feedback
    key: int
    new: bool = False
    score: float | None = None
    evidence: list = field(default_factory=list)


def item_terms(item: Feedback) -> list[int]:
    """The concept keys `terms_add` indexes for one member (its stored tokens when it has them)."""
    return sorted(set(matching.term_hashes(f"{item.title} {item.content}", item.search_text or None)))


def vote(counts: dict[tuple[str, int], int]) -> dict[str, int]:
    """`_vote_labels` over counted labels: per dimension the most frequent, the smallest id on a tie."""
    chosen: dict[str, tuple[int, int]] = {}
    for (dim, label_id), n in counts.items():
        if dim not in chosen or (-n, label_id) < chosen[dim]:
            chosen[dim] = (-n, label_id)
    return {dim: label_id for dim, (_n, label_id) in chosen.items()}


def member_votes(problem_ids) -> dict[int, dict[tuple[str, int], int]]:
    """The confirmed labels of each problem's current member rows, counted per (dimension, label)."""
    out: dict[int, dict] = {int(p): {} for p in problem_ids}
    if out:
        for pid, dim, label_id, n in (FeedbackLabel.objects.filter(
                feedback__problem_id__in=list(out), dimension__code__in=LABEL_DIMENSIONS)
                .values_list("feedback__problem_id", "dimension__code", "label_id").annotate(n=Count("id"))):
            out[pid][(dim, label_id)] = n
    return out


def _write_members(changed: list[Feedback], other_leads: list[Feedback], now) -> None:
    """The joining items (problem, score, evidence, the duplicates view) and the leads of the
    problems they joined (the duplicates view) in one UPDATE. On PostgreSQL the values travel as
    arrays (`unnest`): Django's bulk_update builds a CASE per field and row, which cost more CPU
    than everything else the write does for a job of 200."""
    if connection.vendor != "postgresql":
        Feedback.objects.bulk_update(changed, ["problem", "problem_score", "problem_evidence", "canonical",
                                               "duplicate_count", "similarity", "updated_at"])
        if other_leads:
            Feedback.objects.bulk_update(other_leads, ["canonical", "duplicate_count", "updated_at"])
        return
    rows = ([(f.pk, True, f.problem_id, f.problem_score, json.dumps(f.problem_evidence, ensure_ascii=False),
              f.canonical_id, f.duplicate_count, f.similarity) for f in changed]
            + [(f.pk, False, None, None, None, None, f.duplicate_count, None) for f in other_leads])
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Feedback._meta.db_table} f SET"
            " problem_id = CASE WHEN v.moved THEN v.problem_id ELSE f.problem_id END,"
            " problem_score = CASE WHEN v.moved THEN v.score ELSE f.problem_score END,"
            " problem_evidence = CASE WHEN v.moved THEN v.evidence::jsonb ELSE f.problem_evidence END,"
            " similarity = CASE WHEN v.moved THEN v.similarity ELSE f.similarity END,"
            " canonical_id = v.canonical_id, duplicate_count = v.duplicate_count, updated_at = %s"
            " FROM unnest(%s::bigint[], %s::boolean[], %s::bigint[], %s::float8[], %s::text[], %s::bigint[],"
            " %s::integer[], %s::float8[]) AS v(id, moved, problem_id, score, evidence, canonical_id, duplicate_count,"
            " similarity) WHERE f.id = v.id", [now, *(list(col) for col in zip(*rows))])


def problem_place_many(*, placements: list[Placement], actor: Actor,
                       item_labels: dict[int, dict[str, int]] | None = None,
                       terms: dict[int, list[int]] | None = None,
                       proposals: list[tuple[int, int, float, list]] = ()) -> dict[int, int]:
    """`problem_place` for every item of a matching job at once, in the order given, with the same
    result as placing them one by one (tests/feedback/test_problem_matching_bulk.py): each problem
    row is locked once (in id order, with every other problem the job joins), its counts, dates,
    first release, title and labels moved by what all its joining items add, and each table written
    once for the job — new problems, joined problems, the items and leads, the audit rows, the
    concept index, the proposals (feedback id, problem key, score, evidence). `item_labels`: the
    items' confirmed label ids per dimension (read here when None); `terms`: their concept keys
    (computed when None). Returns {problem key: problem id} (new problems' stand-ins → their ids)."""
    if not placements:
        return {}
    for p in placements:
        if p.item.problem_id is not None:
            raise ConflictError(_("Feedback #%(id)s is already in problem #%(p)s.")
                                % {"id": p.item.pk, "p": p.item.problem_id})
        check_can_change(actor, p.item)
    ids = [p.item.pk for p in placements]
    if item_labels is None:
        item_labels = {}
        for fid, dim, label_id in FeedbackLabel.objects.filter(
                feedback_id__in=ids, dimension__code__in=LABEL_DIMENSIONS).values_list(
                "feedback_id", "dimension__code", "label_id"):
            item_labels.setdefault(fid, {})[dim] = label_id
    joining: dict[int, list[Placement]] = {}
    for p in placements:
        joining.setdefault(p.key, []).append(p)
    new_keys = [p.key for p in placements if p.new]
    existing = sorted(k for k in joining if k not in set(new_keys))
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_problems(existing)  # one statement, id order (see the module docstring)
        for problem in locked.values():
            _check_lead(actor, problem)
        problems: dict[int, Problem] = dict(locked)
        for key in new_keys:
            lead = joining[key][0].item
            problems[key] = Problem(title="…", lead_id=lead.pk)
        # what the joined problems' other members already have: one read each for reporters,
        # channels, leads' texts, labels; the release keys of every release involved
        have_reporter, have_channel = set(), set()
        named = {p.item.reporter_id for k in existing for p in joining[k] if p.item.reporter_id}
        if named:
            have_reporter = set(Feedback.objects.filter(problem_id__in=existing, reporter_id__in=named)
                                .values_list("problem_id", "reporter_id").distinct())
        if existing:
            channels = {p.item.channel_id for k in existing for p in joining[k]}
            have_channel = set(Feedback.objects.filter(problem_id__in=existing, channel_id__in=channels)
                               .values_list("problem_id", "channel_id").distinct())
        lead_ids = {problems[k].lead_id for k in existing} - {None}
        leads = {f.pk: f for f in Feedback.objects.filter(pk__in=lead_ids).only("id", "title", "content", "product_id", "status")}
        leads.update({p.item.pk: p.item for p in placements})
        votes = member_votes([k for k in existing if not problems[k].labels_locked and problems[k].member_count > 0])
        release_ids = ({p.item.release_id for p in placements if p.item.release_id}
                       | {problems[k].first_release_id for k in existing} - {None})
        version_key = dict(Release.objects.filter(pk__in=release_ids).values_list("id", "version_key"))
        for key, joins in joining.items():
            problem = problems[key]
            items = [p.item for p in joins]
            had_members = problem.member_count > 0
            if problem.lead_id is None:
                problem.lead_id = min(items, key=lambda f: (f.received_at, f.pk)).pk
            lead = leads.get(problem.lead_id)
            pid = problem.pk
            _advance(problem, items, lead=lead, version_key=version_key,
                     new_reporters=(len({f.reporter_id for f in items if f.reporter_id
                                         and (pid, f.reporter_id) not in have_reporter})
                                    + sum(1 for f in items if not f.reporter_id)),
                     new_channels=len({f.channel_id for f in items if (pid, f.channel_id) not in have_channel}))
            if not problem.labels_locked:
                # one by one, each join re-votes over the members before it: the old members and
                # every joining item but the last (a new problem: its lead alone at first)
                counts = dict(votes.get(pid, {})) if had_members else {}
                voters = items[:-1] if had_members else items[:max(1, len(items) - 1)]
                for f in voters:
                    for dim, label_id in (item_labels.get(f.pk) or {}).items():
                        counts[(dim, label_id)] = counts.get((dim, label_id), 0) + 1
                chosen = vote(counts)
                problem.type_id, problem.module_id, problem.severity_id = (chosen.get(d) for d in LABEL_DIMENSIONS)
            if (problem.fixed_in_id and problem.regressed_at is None
                    and _regressing(problem, Feedback.objects.filter(pk__in=[f.pk for f in items])).exists()):
                problem.regressed_at = now
            problem.version += len(items)
            problem.updated_at = now
        if new_keys:
            created = Problem.objects.bulk_create([problems[k] for k in new_keys])
            for key, problem in zip(new_keys, created):
                problems[key] = problem
        if existing:
            Problem.objects.bulk_update([problems[k] for k in existing], [
                "member_count", "reporter_count", "channel_count", "first_seen_at", "last_seen_at", "first_release",
                "product", "title", "type", "module", "severity", "regressed_at", "version", "updated_at"])
        ids_of = {key: problems[key].pk for key in joining}
        # membership and the duplicates view (every member but the lead has canonical = the lead,
        # the lead counts the others, `similarity` is the matching score where the item had none)
        changed = []
        for key, joins in joining.items():
            problem = problems[key]
            for p in joins:
                f = p.item
                f.problem_id, f.problem_score, f.problem_evidence = problem.pk, p.score, list(p.evidence or [])
                if f.pk == problem.lead_id:
                    f.canonical_id, f.duplicate_count = None, problem.member_count - 1
                else:
                    f.canonical_id, f.duplicate_count = problem.lead_id, 0
                    if f.similarity is None:
                        f.similarity = p.score
                f.updated_at = now
                changed.append(f)
        moved = {f.pk for f in changed}
        other_leads = [Feedback(pk=problems[k].lead_id, canonical_id=None, duplicate_count=problems[k].member_count - 1,
                                updated_at=now) for k in joining if problems[k].lead_id not in moved]
        _write_members(changed, other_leads, now)
        FieldChange.objects.bulk_create([
            FieldChange(feedback_id=p.item.pk, actor_id=actor.user_id, actor_name=actor.name, via=actor.via,
                        field="problem", old="", new=f"#{ids_of[p.key]}") for p in placements])
        rows = {(ids_of[p.key], t) for p in placements
                for t in (terms[p.item.pk] if terms is not None else item_terms(p.item))}
        ProblemTerm.objects.bulk_create([ProblemTerm(problem_id=pid, term=t) for pid, t in sorted(rows)],
                                        ignore_conflicts=True)
        if proposals:
            ProblemProposal.objects.bulk_create([
                ProblemProposal(feedback_id=fid, problem_id=ids_of.get(key, key), score=score, evidence=evidence)
                for fid, key, score, evidence in proposals], ignore_conflicts=True)
    return ids_of
