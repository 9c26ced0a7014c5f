from django.db.models import Count, Min, Prefetch, Q
from django.utils import timezone

from .choices import PipelineState, Status
from .models import Feedback, FeedbackLabel, Problem


def feedback_list_queryset():
    """Feedback with everything a list row shows, in a fixed number of queries."""
    return Feedback.objects.select_related(
        "channel", "product", "release", "release__product", "assignee", "team", "reporter"
    ).prefetch_related(
        Prefetch("label_links", queryset=FeedbackLabel.objects.select_related("label", "dimension")),
    )


def pipeline_lag(*, now=None) -> dict:
    """How far understanding lags intake: the age of the oldest item not yet understood (None when
    there is none), how many there are (`depth`), and how many of them failed a stage. Search and
    duplicate links are behind intake by `oldest_age_seconds` at most (docs/operations.md). Reads
    the partial index fb_pipeline_pending (only rows not yet understood are in it)."""
    got = Feedback.objects.exclude(pipeline_state=PipelineState.UNDERSTOOD).aggregate(
        oldest=Min("created_at"), depth=Count("id"), failed=Count("id", filter=Q(pipeline_state=PipelineState.FAILED)))
    now = now or timezone.now()
    oldest = got["oldest"]
    return {
        "oldest_age_seconds": round(max(0.0, (now - oldest).total_seconds()), 3) if oldest else None,
        "depth": got["depth"],
        "failed": got["failed"],
    }


def feedback_labels_map(*, feedback_id: int) -> dict[str, int]:
    """The confirmed labels of one feedback: dimension code → label id."""
    return dict(FeedbackLabel.objects.filter(feedback_id=feedback_id).values_list("dimension__code", "label_id"))


def problems_regressed_to_reopen(problem_ids=None) -> list[tuple[int, int]]:
    """(problem id, lead id) of problems that came back after their fix while the lead is still
    closed: what workflow/regressions.py reopens (it reopens the lead, so each is handled once)."""
    qs = Problem.objects.filter(regressed_at__isnull=False, lead__status=Status.CLOSED, merged_into__isnull=True)
    if problem_ids is not None:
        qs = qs.filter(pk__in=list(problem_ids))
    return list(qs.order_by("id").values_list("id", "lead_id"))
