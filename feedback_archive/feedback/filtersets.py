"""One FilterSet for feedback: the API's query parameters and the selectors use it; the admin's
list filters call the same FeedbackQuerySet methods."""
import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from feedback_archive.versions.versioning import normalise_version

from .choices import PipelineState, Status
from .models import Feedback

LABEL_DIMENSIONS = ("type", "severity", "scope", "module", "intent")


class CSVFilter(filters.CharFilter):
    """Comma-separated values: status=pending,in_progress."""

    def values(self, value):
        return [v.strip() for v in (value or "").split(",") if v.strip()]


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true/false (or 1/0); anything else is a 400, not a silently ignored filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")])
        kwargs.setdefault("coerce", lambda v: v in ("true", "1"))
        super().__init__(*args, **kwargs)


class FeedbackFilterSet(filters.FilterSet):
    status = CSVFilter(method="filter_status", help_text="pending, in_progress, verifying, closed (comma-separated)")
    type = CSVFilter(method="filter_label", help_text="label codes of the type dimension")
    severity = CSVFilter(method="filter_label")
    scope = CSVFilter(method="filter_label")
    module = CSVFilter(method="filter_label")
    intent = CSVFilter(method="filter_label")
    channel = CSVFilter(method="filter_channel")
    product = CSVFilter(method="filter_product")
    release = filters.CharFilter(method="filter_release", help_text="version string, e.g. 5.3.1")
    platform = CSVFilter(method="filter_platform")
    team = filters.CharFilter(field_name="team__slug")
    assignee = filters.CharFilter(field_name="assignee__username")
    received_after = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    sla_breached = StrictBooleanFilter(method="filter_sla")
    is_duplicate = StrictBooleanFilter(method="filter_duplicate")
    pipeline_state = CSVFilter(method="filter_pipeline_state",
                               help_text="received, understood, failed, not_understood (comma-separated)")
    problem = filters.NumberFilter(field_name="problem_id", min_value=1, max_value=2**62,
                                   help_text="problem id: its reports")
    q = filters.CharFilter(method="filter_q", help_text="full-text search that understands Chinese words")
    ordering = filters.OrderingFilter(
        fields=(("received_at", "received_at"), ("id", "id"), ("status", "status"), ("updated_at", "updated_at"),
                ("duplicate_count", "duplicate_count"), ("sla_due_at", "sla_due_at"))
    )

    class Meta:
        model = Feedback
        fields: list[str] = []

    def filter_status(self, qs, name, value):
        values = self.filters[name].values(value)
        bad = [v for v in values if v not in Status.values]
        if bad:
            raise ValidationError({"status": [_("Unknown status: %(values)s.") % {"values": ", ".join(bad)}]})
        return qs.filter(status__in=values)

    def filter_label(self, qs, name, value):
        return qs.with_labels(name, self.filters[name].values(value))

    def filter_channel(self, qs, name, value):
        return qs.filter(channel__slug__in=self.filters[name].values(value))

    def filter_product(self, qs, name, value):
        return qs.filter(product__slug__in=self.filters[name].values(value))

    def filter_platform(self, qs, name, value):
        return qs.filter(platform__in=[v.lower() for v in self.filters[name].values(value)])

    def filter_release(self, qs, name, value):
        return qs.filter(Q(release__version=normalise_version(value) or value))

    def filter_sla(self, qs, name, value):
        return qs if value in (None, "") else qs.breached(value)

    def filter_duplicate(self, qs, name, value):
        return qs if value in (None, "") else qs.duplicates(value)

    def filter_pipeline_state(self, qs, name, value):
        values = self.filters[name].values(value)
        bad = [v for v in values if v not in (*PipelineState.values, "not_understood")]
        if bad:
            raise ValidationError({"pipeline_state": [_("Unknown pipeline state: %(values)s.") % {"values": ", ".join(bad)}]})
        return qs.in_pipeline_state(values)

    def filter_q(self, qs, name, value):
        return qs.search(value)
