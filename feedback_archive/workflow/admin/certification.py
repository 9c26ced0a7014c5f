"""Certification in the admin: the leads' board (who is certified, κ between agents), the
certification quiz (start, take), the records, and the label suggestions of uncertified agents."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.classification.models import QuizAttempt
from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import ReadOnlyAdmin
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, ConflictError, error_text
from feedback_archive.taxonomy.models import Dimension, Label

from ..certification import (
    agreement_by_pair, certification_board, certification_quiz_start, certification_submit, label_suggestion_review,
    pass_marks, quiz_size, strict,
)
from ..models import Certification, LabelSuggestion, LabelSuggestionStatus

LEAD_PERM = "classification.review_quizattempts"
TAKER_PERM = "classification.add_quizattempt"


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ["user_name", "dimension", "status", "n", "accuracy", "kappa", "submitted_at", "expired_at"]
    list_filter = ["status", "dimension"]
    search_fields = ["user_name"]
    change_list_template = "workflow/certification_change_list.html"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(LEAD_PERM) or request.user.has_perm(TAKER_PERM)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("dimension")
        return qs if request.user.has_perm(LEAD_PERM) else qs.filter(user=request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("board/", wrap(self.board_view), name="workflow_certification_board"),
            path("start/", wrap(self.start_view), name="workflow_certification_start"),
            path("take/<int:attempt_id>/", wrap(self.take_view), name="workflow_certification_take"),
        ] + super().get_urls()

    def _context(self, request, **kw):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **kw}

    def board_view(self, request):
        if not request.user.has_perm(LEAD_PERM):
            raise PermissionDenied
        dims = list(Dimension.objects.order_by("order"))
        return TemplateResponse(request, "workflow/certification_board.html", self._context(
            request, title=_("Certification of agents"), rows=certification_board(), strict=strict(),
            quiz_size=quiz_size(), marks=[{"dimension": d, **pass_marks(d.code)} for d in dims],
            agreement=[row for d in dims for row in agreement_by_pair(dimension_code=d.code)], dimensions=dims))

    def start_view(self, request):
        if not request.user.has_perm(TAKER_PERM) or request.method != "POST":
            raise PermissionDenied
        try:
            cert = certification_quiz_start(user=request.user, dimension_code=request.POST.get("dimension", ""))
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:workflow_certification_changelist"))
        return HttpResponseRedirect(reverse("admin:workflow_certification_take", args=[cert.attempt_id]))

    def take_view(self, request, attempt_id):
        attempt = get_object_or_404(QuizAttempt, pk=attempt_id)
        if attempt.user_id != request.user.pk:
            raise PermissionDenied
        answers = list(attempt.answers.select_related("example__dimension"))
        errors: dict = {}
        if request.method == "POST":
            chosen = {a.pk: int(v) for a in answers if (v := request.POST.get(f"answer_{a.pk}", "")).isdigit()}
            try:
                certs = certification_submit(attempt_id=attempt.pk, answers=chosen, user=request.user)
            except ConflictError as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:workflow_certification_changelist"))
            except ApplicationError as exc:
                errors = exc.fields or {}
                self.message_user(request, _("Please answer every item."), messages.ERROR)
            else:
                for cert in certs:
                    self.message_user(request, _("%(d)s: %(status)s (accuracy %(acc).0f%%, κ %(k).2f; pass mark "
                                                 "%(pacc).0f%%, κ %(pk).2f).") % {
                        "d": cert.dimension.name, "status": cert.get_status_display(), "acc": (cert.accuracy or 0) * 100,
                        "k": cert.kappa or 0, "pacc": cert.pass_accuracy * 100, "pk": cert.pass_kappa},
                        messages.SUCCESS if cert.status == "passed" else messages.WARNING)
                return HttpResponseRedirect(reverse("admin:classification_quiz_take", args=[attempt.pk]))
        labels: dict[int, list] = {}
        for lab in Label.objects.filter(is_active=True).order_by("order"):
            labels.setdefault(lab.dimension_id, []).append(lab)
        items = [{"answer": a, "choices": labels.get(a.example.dimension_id, []),
                  "posted": request.POST.get(f"answer_{a.pk}", "") if request.method == "POST" else "",
                  "error": errors.get(f"answer_{a.pk}")} for a in answers]
        return TemplateResponse(request, "classification/quiz_take.html", self._context(
            request, title=_("Certification quiz"), attempt=attempt, items=items))

    def changelist_view(self, request, extra_context=None):
        extra = {"dimensions": Dimension.objects.order_by("order"), "can_take": request.user.has_perm(TAKER_PERM),
                 "is_lead": request.user.has_perm(LEAD_PERM), "quiz_size": quiz_size()}
        return super().changelist_view(request, {**(extra_context or {}), **extra})


@admin.register(LabelSuggestion)
class LabelSuggestionAdmin(ReadOnlyAdmin):
    list_display = ["feedback_id", "dimension", "label", "proposed_by_name", "proposed_at", "status", "reviewed_by_name"]
    list_filter = ["status", "dimension"]
    actions = ["accept", "reject"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("feedback.change_feedback")

    def _review(self, request, queryset, accept: bool):
        actor = Actor.for_user(request.user)
        result = each(queryset.filter(status=LabelSuggestionStatus.PENDING).values_list("pk", flat=True),
                      lambda pk: label_suggestion_review(suggestion_id=pk, accept=accept, actor=actor))
        for pk, reason in result.refused.items():
            self.message_user(request, f"#{pk}: {reason}", messages.WARNING)
        done = len(result.done)
        self.message_user(request, ngettext("%(n)d suggestion reviewed.", "%(n)d suggestions reviewed.", done) % {"n": done})

    @admin.action(description=_("Accept: confirm the suggested label"), permissions=["change"])
    def accept(self, request, queryset):
        self._review(request, queryset, True)

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request, queryset):
        self._review(request, queryset, False)
