"""Roadmap: planned work linked to the feedback that asks for it, its demand, and what shipping it
does to that feedback.

Demand counts the linked items and the duplicates that follow them (the same problem reported
again), by the database: distinct reporters, items per channel, items per severity.

The shipping rule (`roadmap_ship`), for every linked item and in this order — all through the
workflow services, nothing set by hand:

1. every item gets `fixed_in` = the release (audited by `feedback_set_release`);
2. **verifying** → closed as `fixed` with the "fixed in X" reply (the release is the fix the
   verifier was waiting for); if the close is refused — e.g. the person shipping also submitted
   the fix and the team does not allow self-verification — it stays in verifying and gets the reply;
3. **in progress** → submitted for verification (note: shipped in X), then closed as in 2 where
   allowed; otherwise it waits in verifying for a verifier to check it on the release;
4. **pending** and **closed** (e.g. closed earlier as "can't fix now") → the reply only: nobody
   looked at the pending ones yet, and reopening closed items would only create work — but their
   reporters deserve to hear that it shipped;
5. duplicates follow their canonical item as usual; an item that already got a "fixed" reply in
   this run is not answered twice.

Items the actor may not change (another team's) are left alone and reported back.
"""
from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ConflictError
from feedback_archive.core.permissions import check_can_change
from feedback_archive.feedback.choices import Resolution, Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.feedback.services import audit_record, feedback_set_release
from feedback_archive.versions.models import Release

from .models import Reply, ReplyEvent, RoadmapItem, RoadmapStatus
from .replies import reply_from_template, template_reply_text
from .services import feedback_transition


# --- reads -------------------------------------------------------------------------------------------
def roadmap_feedback(*, item: RoadmapItem):
    """The linked items and their duplicates."""
    return Feedback.objects.filter(Q(roadmap_items=item) | Q(canonical__roadmap_items=item)).distinct()


def roadmap_demand(*, item: RoadmapItem) -> dict:
    ids = roadmap_feedback(item=item).values("pk")
    base = Feedback.objects.filter(pk__in=ids)
    totals = base.aggregate(feedback=Count("id"), reporters=Count("reporter", distinct=True))
    channels = {r["channel__slug"]: r["n"] for r in base.values("channel__slug").annotate(n=Count("id")).order_by("-n")}
    severity = {r["label__code"]: r["n"] for r in FeedbackLabel.objects.filter(feedback__in=ids, dimension__code="severity")
                .values("label__code").annotate(n=Count("id")).order_by("-n")}
    status = {r["status"]: r["n"] for r in base.values("status").annotate(n=Count("id"))}
    return {**totals, "channels": channels, "severity": severity, "status": status}


def roadmap_list():
    """For the admin list: direct links only, counted in one query."""
    return RoadmapItem.objects.select_related("target_release__product", "shipped_in__product").annotate(
        n_feedback=Count("feedback", distinct=True), n_reporters=Count("feedback__reporter", distinct=True),
    )


# --- writes ------------------------------------------------------------------------------------------
@transaction.atomic
def roadmap_set_links(*, item: RoadmapItem, feedback_ids: list[int], actor: Actor) -> tuple[int, int]:
    """Make the item's links exactly `feedback_ids`; each change is in the feedback's audit trail."""
    wanted = set(feedback_ids)
    current = set(item.feedback.values_list("pk", flat=True))
    added, removed = wanted - current, current - wanted
    for fb in Feedback.objects.filter(pk__in=added | removed):
        audit_record(feedback=fb, actor=actor, field="roadmap", old="" if fb.pk in added else item.title,
                     new=item.title if fb.pk in added else "")
    item.feedback.add(*added)
    item.feedback.remove(*removed)
    return len(added), len(removed)


def _fixed_reply_text(feedback: Feedback, release: Release) -> str:
    return template_reply_text(feedback=feedback, event=ReplyEvent.FIXED, release=release.version)


@transaction.atomic
def roadmap_ship(*, item: RoadmapItem, release: Release, actor: Actor) -> dict:
    """Mark the item shipped in `release` and carry the news to its feedback (rule above).
    Returns {"closed": [...], "verifying": [...], "replied": [...], "refused": {id: reason}}."""
    item = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    if item.status == RoadmapStatus.SHIPPED:
        raise ConflictError(_("“%(title)s” has already shipped in %(release)s.") % {"title": item.title, "release": item.shipped_in})
    started = timezone.now()
    item.status, item.shipped_in, item.shipped_at = RoadmapStatus.SHIPPED, release, started
    item.save(update_fields=["status", "shipped_in", "shipped_at", "updated_at"])
    outcome = {"closed": [], "verifying": [], "replied": [], "refused": {}}

    @transaction.atomic
    def carry(fid):
        fb = Feedback.objects.select_related("team", "reporter", "channel", "fixed_in").get(pk=fid)
        check_can_change(actor, fb)
        feedback_set_release(feedback=fb, actor=actor, fixed_in=release)
        fb.refresh_from_db()
        note = _("Shipped in %(release)s (roadmap: %(title)s)") % {"release": release.version, "title": item.title}
        if fb.status == Status.IN_PROGRESS:
            fb = feedback_transition(feedback_id=fb.pk, name="submit", actor=actor, note=note)
        if fb.status == Status.VERIFYING:
            try:
                with transaction.atomic():
                    feedback_transition(feedback_id=fb.pk, name="close", actor=actor, note=note,
                                        resolution=Resolution.FIXED, reply=_fixed_reply_text(fb, release))
                outcome["closed"].append(fb.pk)
                return
            except ConflictError:
                outcome["verifying"].append(fb.pk)  # a verifier checks it on the release
        already = Reply.objects.filter(feedback_id=fb.pk, event=ReplyEvent.FIXED, created_at__gte=started).exists()
        if not already and fb.reporter_id and fb.channel.can_reply:
            reply_from_template(feedback=fb, event=ReplyEvent.FIXED, actor=actor, release=release.version)
            outcome["replied"].append(fb.pk)

    ids = list(item.feedback.order_by(F("canonical_id").asc(nulls_first=True), "pk").values_list("pk", flat=True))
    outcome["refused"] = each(ids, carry).refused
    return outcome
