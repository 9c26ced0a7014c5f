from django.contrib import admin
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Dimension, Label


class LabelInline(admin.StackedInline):
    model = Label
    extra = 0
    fields = [("code", "name_zh", "name_en", "order", "is_active"), "definition", "definition_en",
              ("positive_examples", "negative_examples"), ("keywords", "negative_keywords")]
    show_change_link = True


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "order", "label_names"]
    inlines = [LabelInline]
    readonly_fields: list = []

    def get_readonly_fields(self, request, obj=None):
        # codes are an API contract: fixed once created
        return ["code"] if obj else []

    @admin.display(description=_("labels"))
    def label_names(self, obj):
        return "、".join(lab.name_zh for lab in obj.labels.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labels")


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "dimension", "is_active", "short_definition"]
    list_filter = ["dimension", "is_active"]
    search_fields = ["name_zh", "name_en", "code", "definition", "keywords"]
    list_select_related = ["dimension"]
    readonly_fields = ["standard_card"]
    fieldsets = [
        (None, {"fields": [("dimension", "code"), ("name_zh", "name_en"), ("order", "is_active")]}),
        (_("Definition"), {"fields": ["definition", "definition_en", "positive_examples", "negative_examples"]}),
        (_("Automatic pre-classification"), {"fields": ["keywords", "negative_keywords"]}),
        (_("As agents see it"), {"fields": ["standard_card"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["standard_card", "code", "dimension"] if obj else ["standard_card"]

    @admin.display(description=_("definition"))
    def short_definition(self, obj):
        return obj.definition[:80] + ("…" if len(obj.definition) > 80 else "")

    @admin.display(description=_("standard card"))
    def standard_card(self, obj):
        if not obj or not obj.pk:
            return "-"
        ex = format_html_join("", "<li>{}</li>", ((e,) for e in obj.example_list))
        nex = format_html_join("", "<li>{}</li>", ((e,) for e in obj.counter_example_list))
        return format_html(
            '<div class="fa-card">{}<p><b>{}</b></p><ul>{}</ul><p><b>{}</b></p><ul>{}</ul></div>',
            mark_safe(linebreaks(obj.definition)), _("Examples"), ex, _("Counter-examples"), nex,
        )
