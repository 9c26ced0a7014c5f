from django.db.models import Prefetch

from .models import Feedback, FeedbackLabel


def feedback_list_queryset():
    """Feedback with everything a list row shows, in a fixed number of queries."""
    return Feedback.objects.select_related(
        "channel", "product", "release", "release__product", "assignee", "team", "reporter"
    ).prefetch_related(
        Prefetch("label_links", queryset=FeedbackLabel.objects.select_related("label", "dimension")),
    )


def problems_regressed_to_reopen(problem_ids=None) -> list[tuple[int, int]]:
    """(problem id, lead id) of problems that came back after their fix while the lead is still
    closed: what workflow/regressions.py reopens (it reopens the lead, so each is handled once)."""
    from .choices import Status
    from .models import Problem

    qs = Problem.objects.filter(regressed_at__isnull=False, lead__status=Status.CLOSED, merged_into__isnull=True)
    if problem_ids is not None:
        qs = qs.filter(pk__in=list(problem_ids))
    return list(qs.order_by("id").values_list("id", "lead_id"))
