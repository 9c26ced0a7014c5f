"""List filters of the feedback desk: each calls the FeedbackQuerySet method the API's FilterSet
calls, so the admin and the API cannot disagree about what a filter means."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Product, Release


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
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset
