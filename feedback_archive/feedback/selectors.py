from django.db.models import Prefetch

from .models import Feedback, FeedbackLabel


def feedback_list_queryset():
    """Feedback with everything a list row shows, in a fixed number of queries."""
    return Feedback.objects.select_related(
        "channel", "product", "release", "release__product", "assignee", "team", "reporter"
    ).prefetch_related(
        Prefetch("label_links", queryset=FeedbackLabel.objects.select_related("label", "dimension")),
    )
