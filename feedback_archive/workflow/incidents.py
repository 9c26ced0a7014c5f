"""Post-incident review: a critical item (severity `critical`, confirmed on the item or set on its
problem) cannot have its fix verified — the close from `verifying` — until a review records the
cause, the fix and at least one follow-up action with an owner and a due date. A review on the
item's problem covers every member. Leads list the reviews (admin) and export them (CSV)."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from feedback_archive.feedback.models import Feedback, FeedbackLabel

from .models import IncidentReview

CRITICAL = "critical"


def is_critical(feedback: Feedback) -> bool:
    if FeedbackLabel.objects.filter(feedback=feedback, dimension__code="severity", label__code=CRITICAL).exists():
        return True
    return bool(feedback.problem_id) and feedback.problem.severity_id is not None and \
        feedback.problem.severity.code == CRITICAL


def review_for(feedback: Feedback) -> IncidentReview | None:
    q = Q(feedback=feedback) | (Q(problem_id=feedback.problem_id) if feedback.problem_id else Q(pk__in=[]))
    return IncidentReview.objects.filter(q).prefetch_related("actions").order_by("-id").first()


def review_missing(feedback: Feedback) -> str:
    """What the review of a critical item still lacks ('' when complete, or not critical)."""
    if not is_critical(feedback):
        return ""
    review = review_for(feedback)
    if review is None:
        return _("This item is critical: write its post-incident review (cause, fix, follow-up actions with "
                 "owners and due dates) before verifying the fix.")
    missing = [name for name, value in ((_("cause"), review.cause), (_("fix"), review.fix)) if not value.strip()]
    if not any(a.owner_id and a.due_date for a in review.actions.all()):
        missing.append(_("a follow-up action with an owner and a due date"))
    if missing:
        return _("The post-incident review of this critical item lacks: %(missing)s.") % {"missing": ", ".join(missing)}
    return ""


def review_rows(queryset=None) -> list[list]:
    """One row per follow-up action (a review without actions: one row) for the CSV export."""
    rows = [["review", "feedback", "problem", "cause", "fix", "action", "owner", "due_date", "done_at", "written_by",
             "created_at"]]
    for review in (queryset or IncidentReview.objects.all()).prefetch_related("actions__owner").order_by("id"):
        actions = list(review.actions.all()) or [None]
        for a in actions:
            rows.append([review.pk, review.feedback_id or "", review.problem_id or "", review.cause, review.fix,
                         a.description if a else "", a.owner.get_username() if a else "", a.due_date if a else "",
                         a.done_at or "" if a else "", review.created_by_name, review.created_at.isoformat()])
    return rows
