"""Certification: new staff are trained **and assessed** on the standard before their labels count.

- A certification quiz is the classification quiz on one dimension, CERTIFICATION_QUIZ_SIZE (25)
  items drawn from the gold set. It passes when accuracy ≥ the dimension's pass mark and Cohen's κ
  against the gold labels ≥ its κ mark (CERTIFICATION_PASS_MARKS, default κ 0.7, accuracy 0.8).
- Each quiz is one `Certification` row (unique per attempt and dimension): pending → passed/failed.
  Submitting twice is refused (409) and keeps the one record.
- A pass holds while the dimension's definitions are what they were when the quiz began (a
  fingerprint of every active label's code and definitions). When the standard changes a
  definition, passes on that dimension expire (`certification_expire_stale`), and a quiz begun on
  the old standard can no longer be submitted (409: start a new one).
- With CERTIFICATION_REQUIRED_TO_CONFIRM on, `labels_confirm_checked` refuses an uncertified
  agent's label confirmation with the reason, changes nothing on the item, and keeps the choice
  as a `LabelSuggestion` for a certified agent to accept or reject. API keys (integrations and
  imports, not people) are not subject to it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from itertools import combinations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.classification import metrics
from feedback_archive.classification.models import GoldExample, QuizAnswer, QuizAttempt
from feedback_archive.classification.services import quiz_start, quiz_submit
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import Feedback, FeedbackLabel, FieldChange
from feedback_archive.feedback.selectors import feedback_labels_map
from feedback_archive.feedback.services import feedback_set_labels, feedback_update, labels_resolve
from feedback_archive.taxonomy.models import Dimension, Label

from .models import Certification, CertificationStatus, LabelSuggestion, LabelSuggestionStatus
from .routing import route_after_relabel

PEOPLE_VIA = ("admin", "api")  # label changes made by people (the audit trail's `via`)


# --- settings ------------------------------------------------------------------------------------------
def quiz_size() -> int:
    return int(settings.CERTIFICATION_QUIZ_SIZE)


def pass_marks(dimension_code: str) -> dict:
    marks = dict(settings.CERTIFICATION_PASS_MARKS)
    return {"kappa": 0.7, "accuracy": 0.8, **marks.get("*", {}), **marks.get(dimension_code, {})}


def strict() -> bool:
    return bool(settings.CERTIFICATION_REQUIRED_TO_CONFIRM)


# --- the standard's fingerprint --------------------------------------------------------------------------
def standard_fingerprint(dimension_id: int) -> str:
    """Changes exactly when a definition of the dimension changes (a label added, retired or
    re-defined); renaming the order or the display name does not expire anyone."""
    rows = (Label.objects.filter(dimension_id=dimension_id, is_active=True).order_by("code")
            .values_list("code", "definition", "definition_en"))
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


# --- quiz ------------------------------------------------------------------------------------------------
def certification_quiz_start(*, user, dimension_code: str, seed: int | None = None) -> Certification:
    dimension = Dimension.objects.filter(code=dimension_code).first()
    if dimension is None:
        raise ApplicationError("bad dimension", fields={"dimension": [_("Unknown dimension '%(d)s'.") % {"d": dimension_code}]})
    size = quiz_size()
    pool = GoldExample.objects.filter(dimension=dimension, is_active=True, label__is_active=True).count()
    if pool < size:
        raise ApplicationError("gold set too small", fields={"dimension": [
            _("The gold set of '%(d)s' has %(n)d examples; a certification quiz needs %(size)d.")
            % {"d": dimension.code, "n": pool, "size": size}]})
    with transaction.atomic():
        attempt = quiz_start(user=user, dimensions=[dimension.code], per_dimension=size, seed=seed)
        return Certification.objects.create(
            user=user, user_name=user.get_username(), dimension=dimension, attempt=attempt,
            standard_fingerprint=standard_fingerprint(dimension.pk), started_at=attempt.started_at,
        )


def certification_submit(*, attempt_id: int, answers: dict[int, int], user) -> list[Certification]:
    """Score a certification quiz and record pass/fail per dimension. Refused (409, nothing written)
    when already submitted or when the standard changed since the quiz began."""
    with transaction.atomic():
        certs = list(Certification.objects.select_for_update().filter(attempt_id=attempt_id).select_related("dimension"))
        if not certs:
            raise ApplicationError("not a certification quiz", fields={"attempt": [_("This quiz is not a certification quiz.")]})
        done = [c for c in certs if c.status != CertificationStatus.PENDING]
        if done:
            c = done[0]
            raise ConflictError(_("This quiz was already submitted on %(at)s (%(status)s); its record stands. "
                                  "Start a new quiz to try again.")
                                % {"at": f"{timezone.localtime(c.submitted_at):%Y-%m-%d %H:%M}", "status": c.get_status_display()})
        stale = [c for c in certs if c.standard_fingerprint != standard_fingerprint(c.dimension_id)]
        if stale:
            raise ConflictError(_("The standard for '%(d)s' changed after this quiz began, so it has expired; "
                                  "start a new quiz on the current definitions.") % {"d": stale[0].dimension.code})
        attempt = quiz_submit(attempt=QuizAttempt.objects.get(pk=attempt_id), answers=answers, user=user)
        now = timezone.now()
        for cert in certs:
            result = (attempt.results or {}).get(cert.dimension.code, {})
            marks = pass_marks(cert.dimension.code)
            kappa, accuracy = result.get("kappa"), result.get("accuracy")
            passed = kappa is not None and accuracy is not None and kappa >= marks["kappa"] and accuracy >= marks["accuracy"]
            cert.status = CertificationStatus.PASSED if passed else CertificationStatus.FAILED
            cert.submitted_at, cert.n, cert.kappa, cert.accuracy = now, result.get("n", 0), kappa, accuracy
            cert.pass_kappa, cert.pass_accuracy = marks["kappa"], marks["accuracy"]
            cert.save(update_fields=["status", "submitted_at", "n", "kappa", "accuracy", "pass_kappa", "pass_accuracy"])
    return certs


def certification_expire_stale(*, now=None) -> int:
    """Expire every pass whose dimension's definitions changed since; returns how many."""
    now = now or timezone.now()
    current = {d: standard_fingerprint(d) for d in Dimension.objects.values_list("pk", flat=True)}
    stale = [c.pk for c in Certification.objects.filter(status=CertificationStatus.PASSED, expired_at__isnull=True)
             .only("pk", "dimension_id", "standard_fingerprint") if c.standard_fingerprint != current.get(c.dimension_id)]
    if stale:
        Certification.objects.filter(pk__in=stale).update(
            expired_at=now, expiry_reason=_("the standard changed a definition of this dimension"))
    return len(stale)


# --- reads -----------------------------------------------------------------------------------------------
def certified_dimensions(*, user_id: int) -> set[str]:
    """Dimensions on which the user holds a pass that has not expired (checked live)."""
    out = set()
    for cert in (Certification.objects.filter(user_id=user_id, status=CertificationStatus.PASSED, expired_at__isnull=True)
                 .select_related("dimension")):
        if cert.standard_fingerprint == standard_fingerprint(cert.dimension_id):
            out.add(cert.dimension.code)
    return out


def certification_board() -> list[dict]:
    """For leads: per agent and dimension, the current standing and the latest result."""
    certification_expire_stale()
    latest: dict[tuple[int, int], Certification] = {}
    best: dict[tuple[int, int], Certification] = {}
    for cert in Certification.objects.select_related("dimension").order_by("started_at", "id"):
        key = (cert.user_id, cert.dimension_id)
        latest[key] = cert
        if cert.status == CertificationStatus.PASSED and cert.expired_at is None:
            best[key] = cert
    rows = []
    for key, last in latest.items():
        held = best.get(key)
        rows.append({"user_id": key[0], "agent": last.user_name, "dimension": last.dimension.code,
                     "certified": held is not None, "certified_at": held.submitted_at if held else None,
                     "kappa": held.kappa if held else last.kappa, "accuracy": held.accuracy if held else last.accuracy,
                     "latest_status": last.status, "latest_at": last.submitted_at or last.started_at,
                     "expired": (not held) and Certification.objects.filter(
                         user_id=key[0], dimension_id=key[1], expired_at__isnull=False).exists()})
    return sorted(rows, key=lambda r: (r["agent"], r["dimension"]))


def agreement_by_pair(*, dimension_code: str, min_items: int = 1) -> list[dict]:
    """Cohen's κ between two agents on the items both labelled, per pair of agents: each one's last
    word on a feedback (label changes in the audit trail) and on a gold example (quiz answers).
    The audit trail records changes only, so a second agent who leaves a label as it was is not
    counted there; the quiz, where everyone answers, carries the agreement."""
    field = f"labels.{dimension_code}"
    last: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    for fid, who, code in (FieldChange.objects.filter(field=field, via__in=PEOPLE_VIA).exclude(new="")
                           .order_by("feedback_id", "at", "id").values_list("feedback_id", "actor_name", "new")):
        last[("feedback", fid)][who] = code
    for ex, who, code in (QuizAnswer.objects.filter(example__dimension__code=dimension_code, chosen__isnull=False)
                          .order_by("example_id", "attempt__submitted_at", "id")
                          .values_list("example_id", "attempt__user_name", "chosen__code")):
        last[("gold", ex)][who] = code
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for per in last.values():
        for a, b in combinations(sorted(per), 2):
            pairs[(a, b)].append((per[a], per[b]))
    rows = []
    for (a, b), labels in sorted(pairs.items()):
        if len(labels) < min_items:
            continue
        s = metrics.summary(metrics.matrix_from_pairs(labels))
        rows.append({"dimension": dimension_code, "agent_a": a, "agent_b": b, "items": s["n"],
                     "agreement": round(s["accuracy"], 4) if s["accuracy"] is not None else None,
                     "kappa": round(s["kappa"], 4) if s["kappa"] is not None else None})
    return rows


# --- the strict setting: only certified agents confirm labels ---------------------------------------------
def _uncertified(actor: Actor, feedback_id: int, labels: dict) -> list[str]:
    """The dimensions this edit would change that the actor is not certified on (a form that
    re-posts an unchanged label confirms nothing new)."""
    if not strict() or not labels or actor.user_id is None:
        return []
    current = dict(FeedbackLabel.objects.filter(feedback_id=feedback_id).values_list("dimension__code", "label__code"))
    changing = [dim for dim, code in labels.items() if code and current.get(dim) != code]
    if not changing:
        return []
    held = certified_dimensions(user_id=actor.user_id)
    return sorted(dim for dim in changing if dim not in held)


def _refuse(*, feedback_id: int, labels: dict, missing: list[str], actor: Actor) -> None:
    """Keep the choices as suggestions for review (own transaction), then refuse the whole edit."""
    resolved = labels_resolve({d: labels[d] for d in missing})
    with transaction.atomic():
        for label in resolved.values():
            LabelSuggestion.objects.update_or_create(
                feedback_id=feedback_id, dimension=label.dimension, proposed_by_id=actor.user_id,
                status=LabelSuggestionStatus.PENDING,
                defaults={"label": label, "proposed_by_name": actor.name},
            )
    raise ConflictError(
        _("Only certified agents may confirm labels, and %(name)s is not certified on: %(dims)s. Nothing was "
          "changed; your choice is kept as a suggestion for a certified agent to review. Take the "
          "certification quiz to confirm labels yourself.") % {"name": actor.name, "dims": ", ".join(missing)})


def labels_confirm_checked(*, feedback: Feedback, labels: dict, actor: Actor) -> None:
    """`feedback_set_labels` behind the certification rule (admin label edits and actions)."""
    missing = _uncertified(actor, feedback.pk, labels)
    if missing:
        _refuse(feedback_id=feedback.pk, labels=labels, missing=missing, actor=actor)
    if feedback_set_labels(feedback=feedback, labels=labels, actor=actor):
        route_after_relabel(feedback_id=feedback.pk)


def feedback_update_checked(*, feedback_id: int, actor: Actor, labels: dict | None = None, **kwargs) -> Feedback:
    """`feedback_update` (the API PATCH) behind the certification rule: an uncertified agent's labels
    refuse the whole PATCH (no other field is half-applied)."""
    missing = _uncertified(actor, feedback_id, labels or {})
    if missing:
        _refuse(feedback_id=feedback_id, labels=labels, missing=missing, actor=actor)
    before = feedback_labels_map(feedback_id=feedback_id) if labels else None
    feedback = feedback_update(feedback_id=feedback_id, actor=actor, labels=labels, **kwargs)
    if labels and feedback_labels_map(feedback_id=feedback_id) != before:
        route_after_relabel(feedback_id=feedback_id)
    return feedback


@transaction.atomic
def label_suggestion_review(*, suggestion_id: int, accept: bool, actor: Actor) -> LabelSuggestion:
    """A certified agent accepts (the label is confirmed under their name) or rejects a suggestion."""
    suggestion = LabelSuggestion.objects.select_for_update().select_related("dimension", "label").get(pk=suggestion_id)
    if suggestion.status != LabelSuggestionStatus.PENDING:
        raise ConflictError(_("This suggestion was already reviewed (%(status)s).") % {"status": suggestion.get_status_display()})
    if accept:
        feedback = Feedback.objects.get(pk=suggestion.feedback_id)
        labels_confirm_checked(feedback=feedback, labels={suggestion.dimension.code: suggestion.label.code}, actor=actor)
    suggestion.status = LabelSuggestionStatus.ACCEPTED if accept else LabelSuggestionStatus.REJECTED
    suggestion.reviewed_by_name, suggestion.reviewed_at = actor.name, timezone.now()
    suggestion.save(update_fields=["status", "reviewed_by_name", "reviewed_at"])
    return suggestion
