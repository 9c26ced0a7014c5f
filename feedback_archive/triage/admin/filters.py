"""List filters of the feedback desk: each calls the FeedbackQuerySet method the API's FilterSet
calls, so the admin and the API cannot disagree about what a filter means."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.choices import PipelineState
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Product, Release

from .. import queues


def label_filter(dimension_code: str):
    class LabelFilter(admin.SimpleListFilter):
        parameter_name = dimension_code
        title = dimension_code

        def __init__(self, request, params, model, model_admin):
            dim = Dimension.objects.filter(code=dimension_code).first()
            self.title = dim.name if dim else dimension_code
            super().__init__(request, params, model, model_admin)

        def lookups(self, request, model_admin):
            return [(lab.code, lab.name) for lab in Label.objects.filter(dimension__code=dimension_code, is_active=True)] + [
                ("__none__", _("not labelled"))
            ]

        def queryset(self, request, queryset):
            if self.value() == "__none__":
                return queryset.without_label(dimension_code)
            if self.value() and request.GET.get(SuggestedFilter.parameter_name) == "1":
                return queues.with_label_or_suggestion(queryset, dimension_code, self.value().split(","))
            if self.value():
                return queryset.with_labels(dimension_code, self.value().split(","))
            return queryset

    LabelFilter.__name__ = f"{dimension_code.title()}LabelFilter"
    return LabelFilter


class BooleanQuerysetFilter(admin.SimpleListFilter):
    method = ""

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return getattr(queryset, self.method)(self.value() == "1")
        return queryset


class DuplicateFilter(BooleanQuerysetFilter):
    title = _("is a duplicate")
    parameter_name = "is_duplicate"
    method = "duplicates"


class SlaFilter(BooleanQuerysetFilter):
    title = _("SLA breached")
    parameter_name = "sla_breached"
    method = "breached"


class ProductFilter(admin.SimpleListFilter):
    title = _("product")
    parameter_name = "product"

    def lookups(self, request, model_admin):
        return [(p.slug, p.name) for p in Product.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(product__slug=self.value()) if self.value() else queryset


class ReleaseFilter(admin.SimpleListFilter):
    title = _("reported on release")
    parameter_name = "release"

    def lookups(self, request, model_admin):
        releases = Release.objects.select_related("product").order_by("product__slug", "-version_key")[:40]
        return [(r.pk, str(r)) for r in releases]

    def queryset(self, request, queryset):
        return queryset.filter(release_id=self.value()) if self.value() else queryset


class MineFilter(admin.SimpleListFilter):
    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", _("assigned to me")), ("nobody", _("unassigned"))]

    def queryset(self, request, queryset):
        return queues.owned_by(queryset, self.value(), request.user)


class ToVerifyFilter(admin.SimpleListFilter):
    """Items waiting for verification that this user may verify: in their scope and not submitted
    by them (the close guard refuses the submitter as verifier unless the team allows it)."""

    title = _("to verify")
    parameter_name = "verify"

    def lookups(self, request, model_admin):
        return [("me", _("by me (not submitted by me)"))]

    def queryset(self, request, queryset):
        return queues.to_verify_by(queryset, request.user) if self.value() == "me" else queryset


class TeamScopeFilter(admin.SimpleListFilter):
    title = _("team scope")
    parameter_name = "teams"

    def lookups(self, request, model_admin):
        return [("mine", _("my teams"))]

    def queryset(self, request, queryset):
        return queues.in_my_teams(queryset, request.user) if self.value() == "mine" else queryset


class ProposalFilter(admin.SimpleListFilter):
    title = _("problem proposal")
    parameter_name = "proposed"

    def lookups(self, request, model_admin):
        return [("1", _("has an open proposal"))]

    def queryset(self, request, queryset):
        return queues.with_open_proposal(queryset) if self.value() == "1" else queryset


class PipelineFilter(admin.SimpleListFilter):
    """Where an item stands in the intake pipeline (FeedbackQuerySet.in_pipeline_state, the same
    method as the API's `pipeline_state`): "not yet understood" is the backlog the lag measures."""

    title = _("understanding")
    parameter_name = "pipeline_state"

    def lookups(self, request, model_admin):
        return [("not_understood", _("not yet understood")), *PipelineState.choices]

    def queryset(self, request, queryset):
        return queryset.in_pipeline_state(self.value().split(",")) if self.value() else queryset


class SuggestedFilter(admin.SimpleListFilter):
    """含建议: the label filters also match items whose label is only suggested so far. The label
    filters read this parameter; this filter only declares it (and shows it as a choice)."""

    title = _("label filters")
    parameter_name = "suggested"

    def lookups(self, request, model_admin):
        return [("1", _("include suggestions"))]

    def queryset(self, request, queryset):
        return queryset
