"""Labels, owner and team, releases: the edits an agent makes to one feedback."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.permissions import check_can_change
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Release
from feedback_archive.versions.services import product_get, release_for_report

from ..choices import Via
from ..models import Feedback, FeedbackLabel
from .audit import audit_record, _bump, check_version

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


def feedback_set_labels(*, feedback: Feedback, labels: dict, actor: Actor) -> bool:
    """Confirm labels; True when any changed. Re-routing after a relabel is the workflow's
    decision (workflow.routing.route_after_relabel), called by the layers that orchestrate."""
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
    return changed


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
        _bump(feedback, *fields, count=actor.via != Via.JOB)  # routing jobs do not count (see _bump)


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
