from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.api.models import ApiKey
from feedback_archive.api.services import api_key_issue, api_key_revoke, api_key_rotate
from feedback_archive.classification.admin import reclassify_selected
from feedback_archive.classification.models import Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin
from feedback_archive.core.permissions import user_can_change, user_sees_contacts
from feedback_archive.feedback.privacy import mask_contact, mask_name, reporter_erase, reporter_export
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.filtersets import LABEL_DIMENSIONS
from feedback_archive.feedback.models import Channel, Feedback, FieldChange, Reporter
from feedback_archive.feedback.selectors import feedback_list_queryset
from feedback_archive.feedback.services import (
    feedback_create, feedback_mark_duplicate, feedback_set_labels, feedback_assign, feedback_unmark_duplicate,
    feedback_update,
)
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.admin import pause_sla, resume_sla, route_again
from feedback_archive.workflow.models import Reply, TransitionLog
from feedback_archive.workflow.services import allowed_transitions, feedback_transition, feedback_transition_many

from .forms import FeedbackChangeForm, TriageActionForm

STATUS_COLOURS = {"pending": "#b45309", "in_progress": "#1d4ed8", "verifying": "#7c3aed", "closed": "#15803d"}
TRANSITION_LABELS = {
    "start": _("Start handling"), "submit": _("Submit for verification"), "reject": _("Reject (verification failed)"),
    "close": _("Close"), "reopen": _("Reopen"),
}


def _errors_text(exc: ApplicationError) -> str:
    return "; ".join(m for msgs in exc.fields.values() for m in msgs) if exc.fields else exc.message


# --- list filters: the same FeedbackQuerySet methods the API's FilterSet calls -----------------
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


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    form = FeedbackChangeForm
    action_form = TriageActionForm
    change_form_template = "admin/feedback/feedback/change_form.html"
    list_display = ["id", "summary", "status_badge", "type_label", "severity_label", "module_label", "channel",
                    "release", "assignee", "received_at", "sla_due_at", "dup_marker"]
    list_display_links = ["id", "summary"]
    list_filter = ["status", *[label_filter(code) for code in LABEL_DIMENSIONS], "channel", ProductFilter, ReleaseFilter,
                   MineFilter, "assignee", "team", DuplicateFilter, SlaFilter, "received_at"]
    search_fields = ["content"]  # replaced by the jieba-token search in get_search_results
    search_help_text = _("Chinese full-text search: 卡顿, 文件传输, 屏幕共享 黑屏 … or #id")
    ordering = ["-received_at", "-id"]
    date_hierarchy = None
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["assign_to_me", "assign_to", "set_label", "action_start", "action_submit", "action_close", "action_reopen",
               pause_sla, resume_sla, route_again, reclassify_selected]
    readonly_fields = ["content_block", "channel", "external_id", "reporter_block", "product", "platform", "app_version",
                       "received_at", "locale", "rating", "status_badge", "resolution", "canonical_link", "metadata"]
    fieldsets = [
        (_("What the user said"), {"fields": ["content_block", ("channel", "external_id"), "reporter_block",
                                               ("product", "platform", "app_version"), ("received_at", "locale", "rating")]}),
        (_("Classification"), {"fields": [], "description": _("One confirmed label per dimension; the suggestion and the standard's definitions are shown under each field.")}),
        (_("Ownership and releases"), {"fields": [("assignee", "team"), ("release", "fixed_in"), ("status_badge", "resolution"), "canonical_link", "version"]}),
        (_("Metadata"), {"fields": ["metadata"], "classes": ["collapse"]}),
    ]
    autocomplete_fields = ["release", "fixed_in"]

    # --- list ---------------------------------------------------------------------------------
    def get_queryset(self, request):
        return feedback_list_queryset().prefetch_related(
            Prefetch("suggestions", queryset=Suggestion.objects.select_related("dimension", "label"))
        )

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        if term.lstrip("#").isdigit():
            return queryset.filter(pk=int(term.lstrip("#"))), False
        return queryset.search(term, ranked=False), False

    @admin.display(description=_("feedback"))
    def summary(self, obj):
        text = obj.title or obj.content
        return Truncator(text).chars(48)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="fa-status" style="background:{}">{}</span>',
                           STATUS_COLOURS.get(obj.status, "#555"), obj.get_status_display())

    def _label(self, obj, dim):
        """The confirmed label; else the machine's suggestion, greyed, for the agent to confirm."""
        for link in obj.label_links.all():
            if link.dimension.code == dim:
                return link.label.name
        for sug in obj.suggestions.all():
            if sug.dimension.code == dim:
                return format_html('<span class="fa-suggested" title="{}">{}?</span>',
                                   _("suggested, not confirmed"), sug.label.name)
        return "-"

    @admin.display(description=_("type"))
    def type_label(self, obj):
        return self._label(obj, "type")

    @admin.display(description=_("severity"))
    def severity_label(self, obj):
        return self._label(obj, "severity")

    @admin.display(description=_("module"))
    def module_label(self, obj):
        return self._label(obj, "module")

    @admin.display(description=_("dup."))
    def dup_marker(self, obj):
        if obj.canonical_id:
            return format_html('<a href="{}">↪ #{}</a>', reverse("admin:feedback_feedback_change", args=[obj.canonical_id]), obj.canonical_id)
        return f"×{obj.duplicate_count}" if obj.duplicate_count else ""

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        # Feedback is never deleted through the product: its audit trail and the statistics
        # would go with it. Personal data is erased instead (反馈者 → erase).
        return False

    # --- change page --------------------------------------------------------------------------
    @admin.display(description=_("content"))
    def content_block(self, obj):
        return format_html('<div class="fa-content"><b>{}</b><p>{}</p></div>', obj.title, obj.content)

    @admin.display(description=_("reporter"))
    def reporter_block(self, obj):
        r = obj.reporter
        if r is None:
            return "-"
        # the change view passes the user through the form's request-less display: see get_form
        sees = getattr(obj, "_sees_contacts", False)
        name, contact = (r.name, r.contact) if sees else (mask_name(r.name), mask_contact(r.contact))
        return format_html("{} · {} · {}", name or "-", r.external_id, contact or "-")

    @admin.display(description=_("duplicate of"))
    def canonical_link(self, obj):
        if not obj.canonical_id:
            return "-"
        return format_html('<a href="{}">#{}</a> ({:.0%})', reverse("admin:feedback_feedback_change", args=[obj.canonical_id]),
                           obj.canonical_id, obj.similarity or 0)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["channel_in", "content_in", "title_in", "app_version_in"]})]
        sets = [list(fs) for fs in self.fieldsets]
        sets[1][1] = {**sets[1][1], "fields": [f"label_{d}" for d in Dimension.objects.order_by("order").values_list("code", flat=True)]}
        return sets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            obj._sees_contacts = user_sees_contacts(request.user)
        if obj is None:
            from .forms_create import FeedbackCreateForm

            return FeedbackCreateForm
        suggestions = {s.dimension.code: s for s in Suggestion.objects.filter(feedback=obj).select_related("dimension", "label")}
        kwargs["fields"] = ["assignee", "team", "release", "fixed_in"]
        base = super().get_form(request, obj, change=change, **kwargs)

        class Form(base):
            def __init__(self, *args, **kw):
                kw["suggestions"] = suggestions
                super().__init__(*args, **kw)

        return Form

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if not change:
            created, _ = feedback_create(actor=actor, **form.service_kwargs())
            form.instance = created
            obj.pk = created.pk
            return
        d = form.cleaned_data
        feedback_update(
            feedback_id=obj.pk, actor=actor, labels=form.label_values(),
            assignee=d["assignee"].username if d.get("assignee") else None,
            team=d["team"].slug if d.get("team") else None,
            release=d["release"].version if d.get("release") else None,
            fixed_in=d["fixed_in"].version if d.get("fixed_in") else None,
            expected_version=d.get("version"),
        )

    def save_related(self, request, form, formsets, change):
        pass  # labels and owner were saved by the service in save_model

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, _errors_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._workflow_context(obj, request))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, obj, request):
        from feedback_archive.feedback.choices import Resolution

        sentiment = getattr(obj, "sentiment", None)  # None until the item is classified
        return {
            "fa_transitions": [(name, TRANSITION_LABELS[name]) for name in allowed_transitions(obj)]
            if user_can_change(request.user, obj) else [],
            "fa_resolutions": Resolution.choices,
            "fa_log": TransitionLog.objects.filter(feedback=obj).order_by("at", "id"),
            "fa_changes": FieldChange.objects.filter(feedback=obj).exclude(field="status").order_by("at", "id"),
            "fa_replies": Reply.objects.filter(feedback=obj),
            "fa_suggestions": Suggestion.objects.filter(feedback=obj).select_related("dimension", "label").order_by("dimension__order"),
            "fa_sentiment": sentiment,
            # the intent's name from the taxonomy (投诉), not its code (complaint)
            "fa_intent": Label.objects.filter(dimension__code="intent", code=sentiment.intent).first() if sentiment else None,
            "fa_duplicates": Feedback.objects.filter(canonical=obj).select_related("channel").order_by("-similarity")[:50],
            "fa_status_colour": STATUS_COLOURS.get(obj.status),
        }

    def get_urls(self):
        own = [
            path("<int:object_id>/transition/", self.admin_site.admin_view(self.transition_view), name="feedback_feedback_transition"),
            path("<int:object_id>/accept-suggestions/", self.admin_site.admin_view(self.accept_view), name="feedback_feedback_accept"),
            path("<int:object_id>/duplicate/", self.admin_site.admin_view(self.duplicate_view), name="feedback_feedback_duplicate"),
        ]
        return own + super().get_urls()

    def _post_only(self, request, object_id, perm="change"):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        obj = get_object_or_404(Feedback, pk=object_id)
        if not self.has_change_permission(request, obj):
            self.message_user(request, _("You may not change this feedback."), messages.ERROR)
            return None, HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[object_id]))
        return obj, None

    def transition_view(self, request, object_id):
        obj, early = self._post_only(request, object_id)
        if early:
            return early
        name = request.POST.get("fa_transition", "")
        version = request.POST.get("version")
        try:
            feedback_transition(
                feedback_id=obj.pk, name=name, actor=Actor.for_user(request.user), note=request.POST.get("fa_note", ""),
                resolution=request.POST.get("fa_resolution", ""), reply=request.POST.get("fa_reply", ""),
                no_reply_reason=request.POST.get("fa_no_reply_reason", ""),
                expected_version=int(version) if version and version.isdigit() else None,
            )
            self.message_user(request, _("Done: %(name)s.") % {"name": TRANSITION_LABELS.get(name, name)}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, _errors_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    def accept_view(self, request, object_id):
        obj, early = self._post_only(request, object_id)
        if early:
            return early
        only = request.POST.get("fa_dimension")
        sugg = Suggestion.objects.filter(feedback=obj).select_related("dimension", "label")
        labels = {s.dimension.code: s.label.code for s in sugg if not only or s.dimension.code == only}
        try:
            feedback_set_labels(feedback=obj, labels=labels, actor=Actor.for_user(request.user))
            self.message_user(request, _("Suggestions accepted: %(n)s.") % {"n": len(labels)}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, _errors_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    def duplicate_view(self, request, object_id):
        obj, early = self._post_only(request, object_id)
        if early:
            return early
        actor = Actor.for_user(request.user)
        try:
            if request.POST.get("fa_unmerge"):
                target = get_object_or_404(Feedback, pk=int(request.POST["fa_unmerge"]))
                feedback_unmark_duplicate(feedback=target, actor=actor)
                self.message_user(request, _("#%(id)s is no longer a duplicate.") % {"id": target.pk}, messages.SUCCESS)
            else:
                raw = (request.POST.get("fa_canonical") or "").lstrip("#").strip()
                canonical = Feedback.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
                if canonical is None:
                    raise ApplicationError("no such feedback", fields={"canonical": [_("Enter the number of an existing feedback.")]})
                feedback_mark_duplicate(feedback=obj, canonical=canonical, similarity=None, actor=actor)
                self.message_user(request, _("Merged into #%(id)s.") % {"id": canonical.pk}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, _errors_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    # --- bulk actions: each item through the services, refusals reported -------------------------
    def _report(self, request, done, refused, what):
        if done:
            self.message_user(request, ngettext("%(n)d item: %(what)s.", "%(n)d items: %(what)s.", len(done)) % {"n": len(done), "what": what}, messages.SUCCESS)
        for fid, reason in list(refused.items())[:10]:
            self.message_user(request, f"#{fid}: {reason}", messages.WARNING)

    def _bulk_transition(self, request, queryset, name):
        form = request.POST
        done, refused = feedback_transition_many(
            feedback_ids=list(queryset.values_list("pk", flat=True)[:1000]), name=name, actor=Actor.for_user(request.user),
            note=form.get("note", ""), resolution=form.get("resolution", ""),
            reply=form.get("note", "") if name == "close" else "",
        )
        self._report(request, done, refused, TRANSITION_LABELS[name])

    @admin.action(description=_("Start handling"), permissions=["change"])
    def action_start(self, request, queryset):
        self._bulk_transition(request, queryset, "start")

    @admin.action(description=_("Submit for verification"), permissions=["change"])
    def action_submit(self, request, queryset):
        self._bulk_transition(request, queryset, "submit")

    @admin.action(description=_("Close (resolution + reply from the fields above)"), permissions=["change"])
    def action_close(self, request, queryset):
        self._bulk_transition(request, queryset, "close")

    @admin.action(description=_("Reopen"), permissions=["change"])
    def action_reopen(self, request, queryset):
        self._bulk_transition(request, queryset, "reopen")

    def _each(self, request, queryset, what, fn):
        """Run a service on each selected item; refusals (permissions, conflicts) are reported."""
        done, refused = [], {}
        for fb in queryset.select_related("team")[:1000]:
            try:
                fn(fb)
                done.append(fb.pk)
            except ApplicationError as exc:
                refused[fb.pk] = _errors_text(exc)
        self._report(request, done, refused, what)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        actor = Actor.for_user(request.user)
        self._each(request, queryset, _("assigned to you"),
                   lambda fb: feedback_assign(feedback=fb, actor=actor, assignee=request.user))

    @admin.action(description=_("Assign to the chosen assignee"), permissions=["change"])
    def assign_to(self, request, queryset):
        raw = request.POST.get("assignee", "")
        assignee = get_user_model().objects.filter(pk=raw, is_active=True).first() if raw.isdigit() else None
        if assignee is None:
            self.message_user(request, _("Choose an assignee first."), messages.ERROR)
            return
        actor = Actor.for_user(request.user)
        self._each(request, queryset, _("assigned"), lambda fb: feedback_assign(feedback=fb, actor=actor, assignee=assignee))

    @admin.action(description=_("Set the chosen label"), permissions=["change"])
    def set_label(self, request, queryset):
        raw = request.POST.get("label", "")
        label = Label.objects.select_related("dimension").filter(pk=raw, is_active=True).first() if raw.isdigit() else None
        if label is None:
            self.message_user(request, _("Choose a label first."), messages.ERROR)
            return
        actor = Actor.for_user(request.user)
        self._each(request, queryset, _("label set"),
                   lambda fb: feedback_set_labels(feedback=fb, labels={label.dimension.code: label.code}, actor=actor))


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "can_reply", "acknowledge", "is_active"]
    list_editable = ["acknowledge"]


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
    """Reporters' contact details are masked for roles without "view reporter contact"; a
    reporter's data can be exported and erased on request (PIPL/GDPR)."""

    list_filter = ["channel", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "name"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["export_data", "erase_data"]

    def _personal(self, request):
        """Display callables bound to this request's permission (the ModelAdmin is shared
        between requests, so nothing request-specific is stored on it)."""
        sees = user_sees_contacts(request.user)

        @admin.display(description=_("name"))
        def name(obj):
            return obj.name if sees else mask_name(obj.name)

        @admin.display(description=_("contact"))
        def contact(obj):
            return obj.contact if sees else mask_contact(obj.contact)

        return name, contact

    def get_list_display(self, request):
        name, contact = self._personal(request)
        return ["id", name, "external_id", "channel", contact, "erased_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        name, contact = self._personal(request)
        return ["channel", "external_id", name, contact, "locale", "erased_at", "created_at"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Export the selected reporters' data (JSON)"), permissions=["view"])
    def export_data(self, request, queryset):
        import json

        from django.http import HttpResponse

        data = [reporter_export(reporter=r, user=request.user) for r in queryset.select_related("channel")[:100]]
        resp = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="reporter-data.json"'
        return resp

    @admin.action(description=_("Erase the selected reporters' personal data"), permissions=["change"])
    def erase_data(self, request, queryset):
        from django.template.response import TemplateResponse

        if request.POST.get("confirm") == "yes":
            actor = Actor.for_user(request.user)
            for reporter in queryset:
                reporter_erase(reporter=reporter, actor=actor)
            self.message_user(request, _("Erased %(n)d reporters; their feedback stays, anonymised.") % {"n": queryset.count()}, messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/feedback/reporter/erase_confirm.html", {
            **self.admin_site.each_context(request), "title": _("Erase personal data?"), "reporters": queryset,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "feedback_id", "name", "source", "target", "actor_name", "owner_name", "seconds_in_previous", "note"]
    list_filter = ["name", "target", "via"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(FieldChange)
class FieldChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "feedback_id", "field", "old", "new", "actor_name", "via"]
    list_filter = ["field", "via"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "channel", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["scope", "channel"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "scope", "channel", "throttle_rate", "expires_at", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "rotate"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name", "scope", "channel"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["expires_at", "throttle_rate"])
            return
        key, raw = api_key_issue(name=obj.name, scope=obj.scope, channel=obj.channel.slug if obj.channel else None,
                                 expires_at=obj.expires_at, throttle_rate=obj.throttle_rate)
        obj.pk = key.pk
        self.message_user(request, format_html(_("New key (shown once — copy it now): <code>{key}</code>"), key=raw), messages.WARNING)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    @admin.action(description=_("Rotate: revoke and issue a replacement"))
    def rotate(self, request, queryset):
        for key in queryset:
            new, raw = api_key_rotate(key=key)
            self.message_user(request, format_html(_("Replacement for {name}: <code>{key}</code> (shown once)"), name=key.name, key=raw), messages.WARNING)
