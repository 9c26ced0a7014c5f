"""The feedback desk: the list agents work from and the item page (labels, owner, workflow,
duplicates, history). Every write goes through the feedback and workflow services."""
from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.classification.admin import reclassify_selected
from feedback_archive.classification.models import Suggestion
from feedback_archive.classification.selectors import evidence_words
from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.core.permissions import check_can_change, user_can_change, user_sees_contacts
from feedback_archive.feedback.filtersets import LABEL_DIMENSIONS
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.privacy import mask_contact, mask_name
from feedback_archive.feedback.selectors import feedback_list_queryset
from feedback_archive.intake.services import feedback_receive, pipeline_rerun
from feedback_archive.feedback.services import (
    feedback_assign, feedback_mark_duplicate, feedback_unmark_duplicate,
)
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.workflow.admin import pause_sla, resume_sla, route_again
from feedback_archive.workflow.certification import labels_confirm_checked
from feedback_archive.workflow.models import Reply, ReplyEvent, TransitionLog
from feedback_archive.workflow.outbox import reply_template_text
from feedback_archive.workflow.services import allowed_transitions, feedback_transition

from ..forms import FeedbackChangeForm, TriageActionForm
from ..forms_create import FeedbackCreateForm
from ..display import audit_rows, reply_templates_for
from ..queues import queue_neighbour
from ..services import desk_step
from .common import STATUS_COLOURS, TRANSITION_LABELS
from .filters import (
    DuplicateFilter, MineFilter, PipelineFilter, ProductFilter, ProposalFilter, ReleaseFilter, SlaFilter, SuggestedFilter, TeamScopeFilter,
    ToVerifyFilter, label_filter,
)


def _feedback_number(raw: str) -> int | None:
    """"#123" or "123" → 123; anything else (letters, a number no id column holds) → None."""
    raw = raw.lstrip("#").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


class _Refused(Exception):
    """A save the services refused, carried out of Django's atomic change view (so the attempt is
    rolled back) to be shown on the re-rendered form."""

    def __init__(self, exc: ApplicationError):
        super().__init__(exc.message)
        self.exc = exc


# The refusal being re-rendered, for get_form (the ModelAdmin is shared by every request, so it is
# kept per request context, not on the admin).
_refusal: ContextVar[ApplicationError | None] = ContextVar("fa_refusal", default=None)
_force_form: ContextVar[bool] = ContextVar("fa_force_form", default=False)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    form = FeedbackChangeForm
    action_form = TriageActionForm
    change_form_template = "admin/feedback/feedback/change_form.html"
    list_display = ["id", "summary", "status_badge", "type_label", "severity_label", "module_label", "channel",
                    "release", "assignee", "received_short", "sla_short", "dup_marker", "pipeline_marker"]
    list_display_links = ["id", "summary"]
    list_filter = ["status", *[label_filter(code) for code in LABEL_DIMENSIONS], SuggestedFilter, "channel", ProductFilter,
                   ReleaseFilter, MineFilter, ToVerifyFilter, TeamScopeFilter, "assignee", "team", DuplicateFilter, SlaFilter,
                   ProposalFilter, PipelineFilter, "received_at"]
    search_fields = ["content"]  # replaced by the jieba-token search in get_search_results
    search_help_text = _("Chinese full-text search: 卡顿, 文件传输, 屏幕共享 黑屏 … or #id")
    ordering = ["-received_at", "-id"]
    date_hierarchy = None
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["assign_to_me", "assign_to", "set_label", "action_start", "action_submit", "action_close", "action_reopen",
               pause_sla, resume_sla, route_again, reclassify_selected, "pipeline_rerun_selected"]
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
            number = _feedback_number(term)
            return (queryset.filter(pk=number) if number is not None else queryset.none()), False
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

    @admin.display(description=_("received at"), ordering="received_at")
    def received_short(self, obj):
        # month-day and time: the year only when it is not this year (the list must fit 1440 px)
        local = timezone.localtime(obj.received_at)
        return local.strftime("%m-%d %H:%M" if local.year == timezone.localtime().year else "%Y-%m-%d")

    @admin.display(description=_("SLA due at"), ordering="sla_due_at")
    def sla_short(self, obj):
        if obj.sla_due_at is None:
            return "-"
        local = timezone.localtime(obj.sla_due_at)
        text = local.strftime("%m-%d %H:%M")
        return format_html('<span class="fa-breached">{}</span>', text) if obj.sla_breached else text

    @admin.display(description=_("dup."))
    def dup_marker(self, obj):
        if obj.canonical_id:
            return format_html('<a href="{}">↪ #{}</a>', reverse("admin:feedback_feedback_change", args=[obj.canonical_id]), obj.canonical_id)
        return f"×{obj.duplicate_count}" if obj.duplicate_count else ""

    def has_change_permission(self, request, obj=None):
        if _force_form.get():
            return True  # re-rendering a refused save so the agent keeps the text (see changeform_view)
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
        # format_html escapes its arguments with str.format: the percentage is formatted first
        score = obj.problem_score if obj.problem_score is not None else obj.similarity  # matching's, or intake's
        similarity = f"{score:.0%}" if score is not None else _("manual")
        return format_html('<a href="{}">#{}</a> ({})', reverse("admin:feedback_feedback_change", args=[obj.canonical_id]),
                           obj.canonical_id, similarity)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": FeedbackCreateForm.FIELDS})]
        sets = [list(fs) for fs in self.fieldsets]
        sets[1][1] = {**sets[1][1], "fields": [f"label_{d}" for d in Dimension.objects.order_by("order").values_list("code", flat=True)]}
        return sets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            refusal = _refusal.get()

            class CreateForm(FeedbackCreateForm):
                def __init__(self, *args, **kw):
                    kw["refusal"] = refusal
                    super().__init__(*args, **kw)

            return CreateForm
        obj._sees_contacts = user_sees_contacts(request.user)
        suggestions = {s.dimension.code: s for s in Suggestion.objects.filter(feedback=obj).select_related("dimension", "label")}
        refusal = _refusal.get()
        kwargs["fields"] = ["assignee", "team", "release", "fixed_in"]
        base = super().get_form(request, obj, change=change, **kwargs)

        class Form(base):
            def __init__(self, *args, **kw):
                kw["suggestions"] = suggestions
                kw["refusal"] = refusal
                super().__init__(*args, **kw)

        return Form

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if not change:
            try:
                # stored now; reporter, release, tokens, matching and labels follow in the pipeline
                created, _ = feedback_receive(actor=actor, **form.service_kwargs())
            except ApplicationError as exc:
                raise _Refused(exc) from exc
            form.instance = created
            obj.pk = created.pk
            return
        d = form.cleaned_data
        transition = request.POST.get("fa_transition", "")
        try:
            desk_step(
                feedback_id=obj.pk, actor=actor, labels=form.label_values(),
                assignee=d["assignee"].username if d.get("assignee") else None,
                team=d["team"].slug if d.get("team") else None,
                release=d["release"].version if d.get("release") else None,
                fixed_in=d["fixed_in"].version if d.get("fixed_in") else None,
                expected_version=d.get("version"),
                transition=transition, note=d.get("fa_note", ""), resolution=d.get("fa_resolution", ""),
                reply=d.get("fa_reply", ""), no_reply_reason=d.get("fa_no_reply_reason", ""),
            )
        except ApplicationError as exc:
            raise _Refused(exc) from exc

    def save_related(self, request, form, formsets, change):
        pass  # labels and owner were saved by the service in save_model

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save the services refuse (a guard, a stale version, another team's item) re-renders the
        page with the refusal beside everything the agent typed: the refused attempt rolled back,
        the same POST is bound again and the form carries the refusal as its errors."""
        if request.method == "POST" and object_id is not None and "_saveasnew" not in request.POST:
            obj = self.get_object(request, object_id)
            if obj is not None and not self.has_change_permission(request, obj) and request.user.has_perm("feedback.change_feedback"):
                # the page was opened while the item was still ours to change: say why it is not,
                # keep the text (the service refuses the same way; this only avoids a bare 403)
                try:
                    check_can_change(Actor.for_user(request.user), obj)
                except ApplicationError as exc:
                    return self._render_refusal(request, exc, object_id, form_url, extra_context, force_form=True)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            return self._render_refusal(request, refused.exc, object_id, form_url, extra_context)

    def _render_refusal(self, request, exc, object_id, form_url, extra_context, force_form=False):
        refusal_token, force_token = _refusal.set(exc), _force_form.set(force_form)
        try:
            # the refusal itself is shown beside the buttons and the fields it names (form errors)
            self.message_user(request, _("Nothing was saved; what you typed is still in the form."), messages.WARNING)
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the refusal is still known to get_form
            return response
        finally:
            _refusal.reset(refusal_token)
            _force_form.reset(force_token)

    def response_change(self, request, obj):
        preserved = self.get_preserved_filters(request)
        transition = request.POST.get("fa_transition", "")
        if "_savenext" in request.POST or (transition and request.POST.get("fa_then_next")):
            if transition:
                self.message_user(request, _("Done: %(name)s.") % {"name": TRANSITION_LABELS.get(transition, transition)},
                                  messages.SUCCESS)
            else:
                self.message_user(request, _("Saved #%(id)s.") % {"id": obj.pk}, messages.SUCCESS)
            return HttpResponseRedirect(self._neighbour_url(request, obj, preserved, "next"))
        if transition:
            self.message_user(request, _("Done: %(name)s.") % {"name": TRANSITION_LABELS.get(transition, transition)},
                              messages.SUCCESS)
            url = reverse("admin:feedback_feedback_change", args=[obj.pk])
            return HttpResponseRedirect(add_preserved_filters({"preserved_filters": preserved, "opts": self.opts}, url))
        return super().response_change(request, obj)

    def _neighbour_url(self, request, obj, preserved, direction):
        """The change page of the item after (or before) `obj` in the queue the agent came from;
        the queue's list when there is none."""
        filters = QueryDict(preserved).get("_changelist_filters", "") if preserved else ""
        neighbour = queue_neighbour(self, request, obj, filters, direction)
        if neighbour is None:
            self.message_user(request, _("That was the last item of this queue."), messages.INFO)
            url = reverse("admin:feedback_feedback_changelist")
            return f"{url}?{filters}" if filters else url
        url = reverse("admin:feedback_feedback_change", args=[neighbour])
        return add_preserved_filters({"preserved_filters": preserved, "opts": self.opts}, url)

    def neighbour_view(self, request, object_id):
        """j / k on the item page: the next or previous item of the queue (a redirect)."""
        obj = get_object_or_404(Feedback, pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        direction = "previous" if request.GET.get("dir") == "previous" else "next"
        return HttpResponseRedirect(self._neighbour_url(request, obj, self.get_preserved_filters(request), direction))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._workflow_context(obj, request, context))
        if _force_form.get():
            context["fa_refused_permission"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, obj, request, context):
        sentiment = getattr(obj, "sentiment", None)  # None until the item is classified
        form = context["adminform"].form
        can_change = user_can_change(request.user, obj)
        current = {link.dimension.code: link.label.name for link in obj.label_links.select_related("dimension", "label")}
        label_rows = [{"field": form[name], "suggestion": form.suggestions.get(code), "current": current.get(code)}
                      for name, code in getattr(form, "label_names", [])]
        preserved = self.get_preserved_filters(request)
        filters = QueryDict(preserved).get("_changelist_filters", "") if preserved else ""
        queue_url = reverse("admin:feedback_feedback_changelist") + (f"?{filters}" if filters else "")
        neighbour = reverse("admin:feedback_feedback_neighbour", args=[obj.pk])
        suffix = f"&{preserved}" if preserved else ""
        changes = FieldChange.objects.filter(feedback=obj).exclude(field="status").order_by("at", "id")
        return {
            "fa_can_change": can_change,
            "fa_transitions": [(name, TRANSITION_LABELS[name]) for name in allowed_transitions(obj)] if can_change else [],
            "fa_label_rows": label_rows,
            "fa_has_suggestions": any(row["suggestion"] for row in label_rows),
            "fa_log": TransitionLog.objects.filter(feedback=obj).order_by("at", "id"),
            "fa_changes": audit_rows(changes),
            "fa_replies": Reply.objects.filter(feedback=obj),
            "fa_reply_templates": reply_templates_for(obj),
            "fa_sentiment": sentiment,
            "fa_evidence": evidence_words(obj),
            # the intent's name from the taxonomy (投诉), not its code (complaint)
            "fa_intent": Label.objects.filter(dimension__code="intent", code=sentiment.intent).first() if sentiment else None,
            "fa_duplicates": Feedback.objects.filter(canonical=obj).select_related("channel").order_by("-similarity")[:50],
            "fa_status_colour": STATUS_COLOURS.get(obj.status),
            "fa_problem": obj.problem if obj.problem_id else None,
            "fa_problem_members": (Feedback.objects.filter(problem_id=obj.problem_id).exclude(pk=obj.pk)
                                   .order_by("-received_at")[:20] if obj.problem_id else []),
            "fa_reporter": self.reporter_block(obj),
            "fa_canonical": self.canonical_link(obj),
            "fa_needs_reason": not (obj.channel.can_reply and obj.reporter_id),
            "fa_queue_url": queue_url,
            "fa_next_url": f"{neighbour}?dir=next{suffix}",
            "fa_prev_url": f"{neighbour}?dir=previous{suffix}",
        }

    def get_urls(self):
        own = [
            path("<int:object_id>/transition/", self.admin_site.admin_view(self.transition_view), name="feedback_feedback_transition"),
            path("<int:object_id>/accept-suggestions/", self.admin_site.admin_view(self.accept_view), name="feedback_feedback_accept"),
            path("<int:object_id>/duplicate/", self.admin_site.admin_view(self.duplicate_view), name="feedback_feedback_duplicate"),
            path("<int:object_id>/neighbour/", self.admin_site.admin_view(self.neighbour_view), name="feedback_feedback_neighbour"),
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
            self.message_user(request, error_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    def accept_view(self, request, object_id):
        obj, early = self._post_only(request, object_id)
        if early:
            return early
        only = request.POST.get("fa_dimension")
        sugg = Suggestion.objects.filter(feedback=obj).select_related("dimension", "label")
        labels = {s.dimension.code: s.label.code for s in sugg if not only or s.dimension.code == only}
        try:
            labels_confirm_checked(feedback=obj, labels=labels, actor=Actor.for_user(request.user))
            self.message_user(request, _("Suggestions accepted: %(n)s.") % {"n": len(labels)}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    def duplicate_view(self, request, object_id):
        obj, early = self._post_only(request, object_id)
        if early:
            return early
        actor = Actor.for_user(request.user)
        try:
            if request.POST.get("fa_unmerge"):
                number = _feedback_number(request.POST["fa_unmerge"])
                # only this item or one of its duplicates can be unmerged from its page
                target = (Feedback.objects.filter(Q(pk=obj.pk) | Q(canonical=obj), pk=number).first()
                          if number is not None else None)
                if target is None:
                    raise ApplicationError("no such feedback", fields={"unmerge": [_("Enter the number of an existing feedback.")]})
                feedback_unmark_duplicate(feedback=target, actor=actor)
                self.message_user(request, _("#%(id)s is no longer a duplicate.") % {"id": target.pk}, messages.SUCCESS)
            else:
                number = _feedback_number(request.POST.get("fa_canonical") or "")
                canonical = Feedback.objects.filter(pk=number).first() if number is not None else None
                if canonical is None:
                    raise ApplicationError("no such feedback", fields={"canonical": [_("Enter the number of an existing feedback.")]})
                feedback_mark_duplicate(feedback=obj, canonical=canonical, similarity=None, actor=actor)
                self.message_user(request, _("Merged into #%(id)s.") % {"id": canonical.pk}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:feedback_feedback_change", args=[obj.pk]))

    # --- bulk actions: each item through the services, refusals reported -------------------------
    @admin.display(description=_("understood"))
    def pipeline_marker(self, obj):
        """Blank once understood; otherwise where the pipeline stands, so a lagging or failed item
        is visible in the queue (its labels, links and search tokens are still to come)."""
        if obj.pipeline_state == "understood":
            return ""
        return format_html('<span class="fa-pipeline fa-pipeline-{}" title="{}">{}</span>', obj.pipeline_state,
                           obj.pipeline_error or "", obj.get_pipeline_state_display())

    @admin.action(description=_("Understand again (re-run the intake pipeline)"), permissions=["change"])
    def pipeline_rerun_selected(self, request, queryset):
        done, refused = pipeline_rerun(feedback_ids=list(queryset.values_list("pk", flat=True)[:1000]),
                                       actor=Actor.for_user(request.user))
        self._report(request, done, refused, _("queued for the pipeline"))

    def _report(self, request, done, refused, what):
        """Per item: which were done (their numbers) and each refusal with its reason."""
        if done:
            numbers = ", ".join(f"#{fid}" for fid in done[:30]) + (" …" if len(done) > 30 else "")
            self.message_user(request, ngettext("%(n)d item: %(what)s (%(ids)s).", "%(n)d items: %(what)s (%(ids)s).", len(done))
                              % {"n": len(done), "what": what, "ids": numbers}, messages.SUCCESS)
        for fid, reason in list(refused.items())[:20]:
            self.message_user(request, _("#%(id)s refused: %(reason)s") % {"id": fid, "reason": reason}, messages.WARNING)
        if len(refused) > 20:
            self.message_user(request, _("… and %(n)d more refused.") % {"n": len(refused) - 20}, messages.WARNING)

    def _bulk_transition(self, request, queryset, name):
        """Each item through feedback_transition. The internal note goes to the log; on close the
        reply goes to each reporter — the typed text, or the chosen template filled in for each
        item (its number, title and the reporter's language)."""
        form = request.POST
        note, resolution = form.get("note", ""), form.get("resolution", "")
        reply_text, event = form.get("reply", ""), form.get("reply_template", "")
        if event and event not in ReplyEvent.values:
            event = ""
        actor = Actor.for_user(request.user)

        def one(fb):
            reply = ""
            if name == "close":
                reply = reply_text or (reply_template_text(feedback=fb, event=event) if event else "")
            feedback_transition(feedback_id=fb.pk, name=name, actor=actor, note=note, resolution=resolution, reply=reply)

        result = each(queryset.select_related("reporter", "fixed_in")[:1000], one, key=lambda fb: fb.pk)
        self._report(request, result.done, result.refused, TRANSITION_LABELS[name])

    @admin.action(description=_("Start handling"), permissions=["change"])
    def action_start(self, request, queryset):
        self._bulk_transition(request, queryset, "start")

    @admin.action(description=_("Submit for verification"), permissions=["change"])
    def action_submit(self, request, queryset):
        self._bulk_transition(request, queryset, "submit")

    @admin.action(description=_("Close (resolution, internal note, reply or template from the fields above)"), permissions=["change"])
    def action_close(self, request, queryset):
        self._bulk_transition(request, queryset, "close")

    @admin.action(description=_("Reopen"), permissions=["change"])
    def action_reopen(self, request, queryset):
        self._bulk_transition(request, queryset, "reopen")

    def _each(self, request, queryset, what, fn):
        """Run a service on each selected item; refusals (permissions, conflicts) are reported."""
        result = each(queryset.select_related("team")[:1000], fn, key=lambda fb: fb.pk)
        self._report(request, result.done, result.refused, what)

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
                   lambda fb: labels_confirm_checked(feedback=fb, labels={label.dimension.code: label.code}, actor=actor))
