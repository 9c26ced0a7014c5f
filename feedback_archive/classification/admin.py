"""Admin for the classifier: batch runs (progress, resume), trained models (train button), the
quality page, the gold set and the agents' quiz. Thin: every write is a service call.

URL names for the lead to link (all under the admin namespace):
    admin:classification_run_start      /admin/classification/classificationrun/start/
    admin:classification_train          /admin/classification/classifiermodel/train/   (POST)
    admin:classification_quality        /admin/classification/classifiermodel/quality/
    admin:classification_quiz           /admin/classification/quizattempt/quiz/
    admin:classification_quiz_take      /admin/classification/quizattempt/quiz/<id>/
`reclassify_selected` is an action for the feedback change list (FeedbackAdmin.actions).
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import Channel
from feedback_archive.taxonomy.models import Dimension, Label

from . import metrics, selectors, services
from .choices import RunStatus
from .models import ClassificationRun, ClassifierModel, GoldExample, QuizAttempt


def _error_text(exc: ApplicationError) -> str:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
    return f"{exc.message} ({details})" if details else str(exc.message)


# --- reclassification -------------------------------------------------------------------------

@admin.action(description=_("Reclassify selected feedback"))
def reclassify_selected(modeladmin, request, queryset):
    """For FeedbackAdmin.actions: a batch run over exactly the selected items."""
    if not request.user.has_perm("classification.add_classificationrun"):
        raise PermissionDenied
    ids = list(queryset.values_list("id", flat=True)[:100_000])
    try:
        run = services.classification_run_start(actor=Actor.for_user(request.user), ids=ids)
    except ApplicationError as exc:
        modeladmin.message_user(request, _error_text(exc), messages.ERROR)
        return None
    modeladmin.message_user(request, format_html(
        '{} <a href="{}">#{}</a>', _("Reclassification started:"),
        reverse("admin:classification_classificationrun_change", args=[run.pk]), run.pk), messages.SUCCESS)
    return None


class RunStartForm(forms.Form):
    channel = forms.ModelMultipleChoiceField(queryset=Channel.objects.all(), required=False, label=_("channel"),
                                             to_field_name="slug")
    received_after = forms.DateTimeField(required=False, label=_("received from"))
    received_before = forms.DateTimeField(required=False, label=_("received before"))
    label = forms.ModelMultipleChoiceField(
        queryset=Label.objects.select_related("dimension").filter(is_active=True), required=False,
        label=_("confirmed label"), help_text=_("Items whose confirmed label is one of these."))
    q = forms.CharField(required=False, label=_("text contains"))
    chunk_size = forms.IntegerField(min_value=1, max_value=5000, initial=500, label=_("chunk size"))

    def filters(self) -> dict:
        cd = self.cleaned_data
        out: dict = {}
        if cd.get("channel"):
            out["channel"] = ",".join(c.slug for c in cd["channel"])
        for key in ("received_after", "received_before"):
            if cd.get(key):
                out[key] = cd[key].isoformat()
        for lab in cd.get("label") or []:
            codes = out.get(lab.dimension.code, "")
            out[lab.dimension.code] = f"{codes},{lab.code}" if codes else lab.code
        if cd.get("q"):
            out["q"] = cd["q"]
        return out


@admin.register(ClassificationRun)
class ClassificationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "description", "status", "progress", "model_version", "created_by", "started_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["description", "filters", "status", "progress", "total", "done", "last_id", "chunk_size",
                       "model_version", "error", "created_by", "created_at", "started_at", "heartbeat_at", "finished_at"]
    fields = readonly_fields
    actions = ["resume_runs", "cancel_runs"]
    change_list_template = "classification/run_change_list.html"
    change_form_template = "classification/run_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return format_html('<progress max="100" value="{}" style="width:10em"></progress> {}% ({} / {})',
                           obj.percent, obj.percent, obj.done, obj.total)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("start/", wrap(self.start_view), name="classification_run_start")] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"any_running": ClassificationRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING]).exists(),
                 "can_start": request.user.has_perm("classification.add_classificationrun")}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def start_view(self, request):
        if not request.user.has_perm("classification.add_classificationrun"):
            raise PermissionDenied
        form = RunStartForm(request.POST or None)
        if request.method == "POST":
            everything = bool(request.POST.get("all"))
            if everything or form.is_valid():
                try:
                    run = services.classification_run_start(
                        actor=Actor.for_user(request.user), filters={} if everything else form.filters(),
                        chunk_size=500 if everything else form.cleaned_data["chunk_size"])
                except ApplicationError as exc:
                    self.message_user(request, _error_text(exc), messages.ERROR)
                else:
                    self.message_user(request, _("Reclassification started: %(n)d items.") % {"n": run.total}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:classification_classificationrun_change", args=[run.pk]))
        context = {**self.admin_site.each_context(request), "title": _("Reclassify feedback"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "classification/run_start.html", context)

    @admin.action(description=_("Resume from the last processed item"), permissions=["change"])
    def resume_runs(self, request, queryset):
        actor = Actor.for_user(request.user)
        for run in queryset:
            try:
                services.classification_run_resume(run=run, actor=actor)
            except ConflictError as exc:
                self.message_user(request, str(exc.message), messages.WARNING)
        self.message_user(request, _("Resumed."), messages.SUCCESS)

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel_runs(self, request, queryset):
        actor = Actor.for_user(request.user)
        for run in queryset:
            services.classification_run_cancel(run=run, actor=actor)
        self.message_user(request, _("Cancelled."), messages.SUCCESS)


# --- models, training, quality ----------------------------------------------------------------

@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ["version", "dimension", "trained_on", "rules_accuracy", "blend_accuracy", "is_active", "reason", "created_at"]
    list_filter = ["dimension", "is_active"]
    readonly_fields = ["version", "dimension", "algorithm", "trained_on", "metrics", "is_active", "created_at"]
    exclude = ["blob"]
    actions = ["activate", "deactivate"]
    change_list_template = "classification/model_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dimension").defer("blob")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("rules accuracy (held out)"))
    def rules_accuracy(self, obj):
        v = obj.metrics.get("rules_accuracy")
        return "-" if v is None else f"{v:.1%}"

    @admin.display(description=_("rules + model accuracy (held out)"))
    def blend_accuracy(self, obj):
        v = obj.metrics.get("blend_accuracy")
        return "-" if v is None else f"{v:.1%}"

    @admin.display(description=_("why"))
    def reason(self, obj):
        reason = obj.metrics.get("reason", "")
        if reason.startswith("inactive: fewer than") and "min_examples" in obj.metrics:
            return gettext("inactive: fewer than %(n)d examples") % {"n": obj.metrics["min_examples"]}
        return gettext(reason) if reason else ""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("train/", wrap(self.train_view), name="classification_train"),
            path("quality/", wrap(self.quality_view), name="classification_quality"),
        ] + super().get_urls()

    def train_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("classification.change_classifiermodel"):
            raise PermissionDenied
        services.classifier_train_enqueue(actor=Actor.for_user(request.user))
        self.message_user(request, _("Training started; the new models appear here when the job has run."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:classification_classifiermodel_changelist"))

    @admin.action(description=_("Use this model (blend with the rules)"), permissions=["change"])
    def activate(self, request, queryset):
        for m in queryset:
            services.classifier_set_active(model=m, active=True, actor=Actor.for_user(request.user))
        self.message_user(request, _("Activated."), messages.SUCCESS)

    @admin.action(description=_("Stop using this model (rules only)"), permissions=["change"])
    def deactivate(self, request, queryset):
        for m in queryset:
            services.classifier_set_active(model=m, active=False, actor=Actor.for_user(request.user))
        self.message_user(request, _("Deactivated."), messages.SUCCESS)

    def quality_view(self, request):
        if not request.user.has_perm("classification.view_classifiermodel"):
            raise PermissionDenied
        dims = []
        for dim in Dimension.objects.prefetch_related("labels").order_by("order"):
            order = [lab.code for lab in dim.labels.all()]
            names = {lab.code: lab.name for lab in dim.labels.all()}
            machine = metrics.summary(selectors.quality_suggestion_matrix(dimension=dim), order)
            agents = metrics.summary(metrics.matrix_from_pairs(selectors.agent_label_pairs(dimension=dim)), order)
            for block in (machine, agents):
                block["names"] = [names.get(c, c) for c in block["labels"]]
                for row in block["per_label"]:
                    row["name"] = names.get(row["label"], row["label"])
                for row in block["rows"]:
                    row["name"] = names.get(row["label"], row["label"])
            dims.append({"dimension": dim, "machine": machine, "agents": agents})
        context = {**self.admin_site.each_context(request), "title": _("Classification quality"), "dims": dims,
                   "opts": self.model._meta}
        return TemplateResponse(request, "classification/quality.html", context)


# --- gold set and quiz ------------------------------------------------------------------------

@admin.register(GoldExample)
class GoldExampleAdmin(admin.ModelAdmin):
    list_display = ["text", "dimension", "label", "source", "is_active"]
    list_filter = ["dimension", "source", "is_active", "label"]
    search_fields = ["text", "explanation"]
    list_select_related = ["dimension", "label"]

    def save_model(self, request, obj, form, change):
        if obj.label_id and obj.dimension_id != obj.label.dimension_id:
            obj.dimension_id = obj.label.dimension_id  # the label decides the dimension
        super().save_model(request, obj, form, change)

    def get_fields(self, request, obj=None):
        return ["text", "label", "explanation", "source", "is_active"]


class QuizStartForm(forms.Form):
    dimensions = forms.ModelMultipleChoiceField(queryset=Dimension.objects.order_by("order"), to_field_name="code",
                                                widget=forms.CheckboxSelectMultiple, label=_("dimensions"))
    per_dimension = forms.IntegerField(min_value=1, max_value=100, initial=20, label=_("items per dimension"))


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "user_name", "dimensions", "per_dimension", "score_display", "started_at", "submitted_at"]
    list_filter = ["user_name"]
    readonly_fields = ["user_name", "dimensions", "per_dimension", "score", "results", "started_at", "submitted_at"]
    exclude = ["user"]
    change_list_template = "classification/quiz_change_list.html"

    @admin.display(description=_("score"))
    def score_display(self, obj):
        return "-" if obj.score is None else f"{obj.score:.0%}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # agents see their own attempts; leads with review_quizattempts see everyone's
        if obj is not None and obj.user_id != request.user.pk:
            return request.user.has_perm("classification.review_quizattempts")
        return request.user.has_perm("classification.add_quizattempt") or super().has_view_permission(request, obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.has_perm("classification.review_quizattempts") else qs.filter(user=request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("quiz/", wrap(self.quiz_start_view), name="classification_quiz"),
            path("quiz/<int:attempt_id>/", wrap(self.quiz_take_view), name="classification_quiz_take"),
        ] + super().get_urls()

    def _context(self, request, **kw):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **kw}

    def quiz_start_view(self, request):
        if not request.user.has_perm("classification.add_quizattempt"):
            raise PermissionDenied
        form = QuizStartForm(request.POST or None, initial={"dimensions": Dimension.objects.all()})
        if request.method == "POST" and form.is_valid():
            try:
                attempt = services.quiz_start(user=request.user, dimensions=[d.code for d in form.cleaned_data["dimensions"]],
                                              per_dimension=form.cleaned_data["per_dimension"])
            except ApplicationError as exc:
                self.message_user(request, _error_text(exc), messages.ERROR)
            else:
                return HttpResponseRedirect(reverse("admin:classification_quiz_take", args=[attempt.pk]))
        return TemplateResponse(request, "classification/quiz_start.html",
                                self._context(request, title=_("Classification quiz"), form=form))

    def quiz_take_view(self, request, attempt_id):
        attempt = get_object_or_404(QuizAttempt, pk=attempt_id)
        if attempt.user_id != request.user.pk and not request.user.has_perm("classification.review_quizattempts"):
            raise PermissionDenied
        answers = list(attempt.answers.select_related("example__dimension", "example__label", "chosen"))
        errors: dict = {}
        if request.method == "POST" and attempt.submitted_at is None:
            chosen = {}
            for ans in answers:
                raw = request.POST.get(f"answer_{ans.pk}", "")
                if raw.isdigit():
                    chosen[ans.pk] = int(raw)
            try:
                services.quiz_submit(attempt=attempt, answers=chosen, user=request.user)
            except ApplicationError as exc:
                errors = exc.fields or {}
                self.message_user(request, _("Please answer every item."), messages.ERROR)
            except ConflictError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                return HttpResponseRedirect(reverse("admin:classification_quiz_take", args=[attempt.pk]))
        labels_by_dim: dict[int, list] = {}
        for lab in Label.objects.filter(is_active=True).order_by("order"):
            labels_by_dim.setdefault(lab.dimension_id, []).append(lab)
        items = [{"answer": a, "choices": labels_by_dim.get(a.example.dimension_id, []),
                  "posted": request.POST.get(f"answer_{a.pk}", "") if request.method == "POST" else "",
                  "error": errors.get(f"answer_{a.pk}")} for a in answers]
        context = self._context(request, title=_("Classification quiz"), attempt=attempt, items=items)
        if attempt.submitted_at is not None:
            dim_names = {d.code: d.name for d in Dimension.objects.all()}
            context["results"] = [{"code": code, "name": dim_names.get(code, code), **r}
                                  for code, r in (attempt.results or {}).items()]
            context["wrong"] = [a for a in answers if a.correct is False]
            return TemplateResponse(request, "classification/quiz_result.html", context)
        return TemplateResponse(request, "classification/quiz_take.html", context)

