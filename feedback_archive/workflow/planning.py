"""Suggestions reach product planning (同步给产品规划团队): the product owners' queue and their decisions.

The queue holds every item that waits for a roadmap decision:
- items whose intent is a suggestion (the confirmed intent label, or — while no person confirmed
  one — the classifier's suggestion), and
- items closed as "won't fix for now" (the user heard "not now"; planning decides whether "later"),
that are not linked to a roadmap item and have no decision yet. Items of one problem
(`Feedback.problem`) form one group; others stand alone. Each group shows its demand: items,
distinct reporters, channels, severity.

Deciding: **link** the group's items to a roadmap item (its demand grows, shipping it later tells
every reporter), or **decline** with the reason, which goes to each reporter in the "not now"
template (`{reason}` required); an open item is then closed as won't-fix, answered by that reply.
"""
from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.classification.selectors import suggested_label_feedback
from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.core.permissions import check_can_change
from feedback_archive.feedback.choices import Resolution, Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.feedback.services import audit_record

from .models import DecisionKind, ProductDecision, ReplyEvent, RoadmapItem, RoadmapStatus
from .replies import reply_from_template
from .roadmap import roadmap_set_links
from .services import feedback_transition

SUGGESTION = "suggestion"
QUEUE_LIMIT = 2000  # items read per queue page; the groups are exact within them


def _awaiting():
    intent = FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension__code="intent")
    confirmed_suggestion = Exists(intent.filter(label__code=SUGGESTION))
    suggested = Q(pk__in=suggested_label_feedback(dimension="intent", codes=[SUGGESTION])) & ~Exists(intent)
    wont_fix = Q(status=Status.CLOSED, resolution=Resolution.WONT_FIX)
    linked = Exists(RoadmapItem.feedback.through.objects.filter(feedback_id=OuterRef("pk")))
    decided = Exists(ProductDecision.objects.filter(feedback_id=OuterRef("pk")))
    return (Feedback.objects.filter(confirmed_suggestion | suggested | wont_fix)
            .exclude(linked).exclude(decided).filter(canonical__isnull=True))


def planning_queue(*, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Groups awaiting a decision, most distinct reporters first."""
    rows = list(_awaiting().order_by("received_at", "id")
                .values("pk", "title", "content", "problem_id", "problem__title", "reporter_id", "channel__slug",
                        "status", "resolution", "received_at")[:limit])
    severity = dict(FeedbackLabel.objects.filter(feedback_id__in=[r["pk"] for r in rows], dimension__code="severity")
                    .values_list("feedback_id", "label__code"))
    groups: dict[str, dict] = {}
    for r in rows:
        key = f"problem:{r['problem_id']}" if r["problem_id"] else f"item:{r['pk']}"
        g = groups.setdefault(key, {
            "key": key, "problem_id": r["problem_id"],
            "title": r["problem__title"] or (r["title"] or r["content"] or "")[:80],
            "feedback_ids": [], "reporters": set(), "channels": defaultdict(int), "severity": defaultdict(int),
            "why": defaultdict(int), "oldest": r["received_at"],
        })
        g["feedback_ids"].append(r["pk"])
        if r["reporter_id"]:
            g["reporters"].add(r["reporter_id"])
        g["channels"][r["channel__slug"]] += 1
        g["severity"][severity.get(r["pk"], "unlabelled")] += 1
        g["why"]["wont_fix" if r["resolution"] == Resolution.WONT_FIX else "suggestion"] += 1
    out = []
    for g in groups.values():
        out.append({**g, "items": len(g["feedback_ids"]), "reporters": len(g["reporters"]),
                    "channels": dict(g["channels"]), "severity": dict(g["severity"]), "why": dict(g["why"]),
                    "oldest": timezone.localtime(g["oldest"]).isoformat() if g["oldest"] else None})
    return sorted(out, key=lambda g: (-g["reporters"], -g["items"], g["key"]))


def _decide(feedback: Feedback, *, kind: str, actor: Actor, roadmap_item=None, reason: str = "") -> None:
    ProductDecision.objects.update_or_create(feedback=feedback, defaults={
        "kind": kind, "roadmap_item": roadmap_item, "reason": reason, "decided_by_name": actor.name,
        "decided_at": timezone.now()})
    audit_record(feedback=feedback, actor=actor, field="product_decision", old="",
                 new=f"{kind}: {roadmap_item.title if roadmap_item else reason}"[:200])


def _feedback(queryset, fid: int) -> Feedback:
    """The item, or a refusal of this one id (a bulk selection may name an item deleted meanwhile)."""
    feedback = queryset.filter(pk=fid).first()
    if feedback is None:
        raise ApplicationError(_("No feedback #%(id)s.") % {"id": fid})
    return feedback


def planning_link(*, feedback_ids: list[int], roadmap_item_id: int, actor: Actor) -> tuple[list[int], dict[int, str]]:
    """Link items to a roadmap item (kept links stay); each item on its own: (done, {id: reason})."""
    item = RoadmapItem.objects.filter(pk=roadmap_item_id).first()
    if item is None:
        raise ApplicationError("no roadmap item", fields={"roadmap_item": [_("No roadmap item #%(id)s.") % {"id": roadmap_item_id}]})
    if item.status == RoadmapStatus.SHIPPED:
        raise ConflictError(_("“%(title)s” has already shipped; link the items to planned work.") % {"title": item.title})

    @transaction.atomic
    def link(fid):
        feedback = _feedback(Feedback.objects.select_related("team"), fid)
        check_can_change(actor, feedback)
        current = list(item.feedback.values_list("pk", flat=True))
        roadmap_set_links(item=item, feedback_ids=[*current, fid], actor=actor)
        _decide(feedback, kind=DecisionKind.LINKED, actor=actor, roadmap_item=item)

    return tuple(each(feedback_ids, link))


def planning_decline(*, feedback_ids: list[int], reason: str, actor: Actor,
                     expectation: str = "") -> tuple[list[int], dict[int, str]]:
    """Decline with a reason: the "not now" reply (template, reason required) to each reporter, and
    an open item closed as won't-fix. Each item on its own: (done, {id: reason})."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason needed", fields={"reason": [_("Say why: the reporters are told.")]})

    @transaction.atomic
    def decline(fid):
        feedback = _feedback(Feedback.objects.select_related("team", "reporter", "channel", "fixed_in"), fid)
        check_can_change(actor, feedback)
        reply_from_template(feedback=feedback, event=ReplyEvent.NOT_NOW, actor=actor, reason=reason,
                            expectation=expectation or _("we keep it on file for future planning"))
        if feedback.status != Status.CLOSED:
            feedback_transition(feedback_id=fid, name="close", actor=actor, resolution=Resolution.WONT_FIX,
                                note=_("Declined by product planning: %(reason)s") % {"reason": reason})
        _decide(feedback, kind=DecisionKind.DECLINED, actor=actor, reason=reason)

    return tuple(each(feedback_ids, decline))
