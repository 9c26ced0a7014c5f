"""The problems desk: one problem, its reports side by side, and the agent's edits (merge, split,
move, take out, title, fixed release, proposals) — every one through feedback/services/problems.py,
so the team scope and the counts hold as they do in the API. The lead imports this module from
triage/admin (the package wt-desk is splitting); it registers itself."""
from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.core.permissions import user_can_change
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.workflow.regressions import problem_regressions_handle
from feedback_archive.feedback.services import (
    problem_edit,
    problem_merge,
    problem_merge_into_item,
    problem_move_item,
    problem_split,
    problem_take_out,
    problems_like,
    proposal_accept,
    proposal_reject,
)



def _int(raw) -> int | None:
    raw = str(raw or "").lstrip("#").strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _problems_like(problem: Problem) -> list[dict]:
    matches = problems_like(problem_id=problem.pk)
    rows = {pk: (title, n) for pk, title, n in Problem.objects.filter(pk__in=[m.key for m in matches])
            .values_list("pk", "title", "reporter_count")}
    return [{"id": m.key, "title": rows.get(m.key, ("", 0))[0], "reporters": rows.get(m.key, ("", 0))[1], "score": m.score,
             "evidence": [e for e in m.evidence if e not in ("same release", "same module")][:6]} for m in matches]


def problem_panel_context(feedback: Feedback, user) -> dict:
    """What the item page shows about problems: the item's problem, and the open proposals
    ("可能与问题 #P 相同") with their evidence, accept/reject only for people who may change it."""
    if feedback is None or not getattr(feedback, "pk", None):
        return {}
    problem = Problem.objects.filter(pk=feedback.problem_id).first() if feedback.problem_id else None
    proposals = (ProblemProposal.objects.filter(feedback=feedback, decision=ProblemProposal.Decision.OPEN)
                 .select_related("problem").order_by("-score", "id"))
    return {
        "pp_feedback": feedback, "pp_problem": problem, "pp_proposals": list(proposals),
        "pp_can_change": user_can_change(user, feedback),
        "pp_evidence": feedback.problem_evidence, "pp_score": feedback.problem_score,
    }


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "reporter_count", "member_count", "channel_count", "first_release", "fixed_in",
                    "first_seen_at", "last_seen_at", "regressed_at")
    list_display_links = ("id", "title")
    list_filter = ("product", "regressed_at")
    search_fields = ("title",)
    ordering = ("-reporter_count", "-id")
    change_form_template = "admin/triage/problem/change_form.html"
    actions = ["merge_selected"]
    list_select_related = ("first_release", "fixed_in")
    readonly_fields = [f.name for f in Problem._meta.fields]

    # the roles hold feedback permissions; a problem is a view over feedback, so the same ones apply
    # (the team scope is then checked by the services on every item)
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("feedback.view_feedback")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("feedback.change_feedback")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(merged_into__isnull=True)

    def get_urls(self):
        own = [
            path("<int:object_id>/act/", self.admin_site.admin_view(self.act_view), name="feedback_problem_act"),
            path("proposals/<int:proposal_id>/<str:decision>/", self.admin_site.admin_view(self.proposal_view),
                 name="feedback_problem_proposal"),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            members = list(Feedback.objects.filter(problem=obj).select_related("channel", "release", "team")
                           .order_by("received_at", "id"))
            releases: dict = {}
            platforms: dict = {}
            for f in members:
                if f.release:
                    releases[f.release.version] = releases.get(f.release.version, 0) + 1
                platforms[f.platform or "—"] = platforms.get(f.platform or "—", 0) + 1
            context.update({
                "pb_members": members, "pb_releases": sorted(releases.items()), "pb_platforms": sorted(platforms.items()),
                "pb_proposals": obj.proposals.filter(decision=ProblemProposal.Decision.OPEN).select_related("feedback")
                .order_by("-score"),
                "pb_can_change": self.has_change_permission(request, obj),
                "pb_like": _problems_like(obj),
            })
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- the edits ---------------------------------------------------------------------------
    def act_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        problem = get_object_or_404(Problem, pk=object_id)
        back = reverse("admin:feedback_problem_change", args=[problem.pk])
        if not self.has_change_permission(request, problem):
            self.message_user(request, _("You may not change problems."), messages.ERROR)
            return HttpResponseRedirect(back)
        actor, op, post = Actor.for_user(request.user), request.POST.get("op", ""), request.POST
        try:
            if op == "merge":
                into, into_fb = _int(post.get("into")), _int(post.get("into_feedback"))
                if into is None and into_fb is None:
                    raise ApplicationError("no target", fields={"into": [_("Enter the number of a problem or a feedback.")]})
                target = (problem_merge(source_id=problem.pk, target_id=into, actor=actor) if into is not None else
                          problem_merge_into_item(source_id=problem.pk, feedback_id=into_fb, actor=actor))
                self.message_user(request, _("Merged into problem #%(id)s.") % {"id": target.pk}, messages.SUCCESS)
                back = reverse("admin:feedback_problem_change", args=[target.pk])
            elif op == "split":
                ids = [i for i in (_int(v) for v in post.getlist("members")) if i is not None]
                new = problem_split(problem_id=problem.pk, feedback_ids=ids, actor=actor, title=post.get("title", ""))
                self.message_user(request, _("Split off as problem #%(id)s.") % {"id": new.pk}, messages.SUCCESS)
            elif op == "take_out":
                fid = _int(post.get("feedback"))
                if fid is None or not Feedback.objects.filter(pk=fid, problem=problem).exists():
                    raise ApplicationError("not a member", fields={"feedback": [_("Choose a report of this problem.")]})
                new = problem_take_out(feedback_id=fid, actor=actor)
                self.message_user(request, _("#%(f)s is now problem #%(p)s of its own.") % {"f": fid, "p": new.pk},
                                  messages.SUCCESS)
            elif op == "move":
                fid = _int(post.get("feedback"))
                if fid is None:
                    raise ApplicationError("no item", fields={"feedback": [_("Enter the number of a feedback.")]})
                problem_move_item(feedback_id=fid, problem_id=problem.pk, actor=actor)
                self.message_user(request, _("#%(f)s joined this problem.") % {"f": fid}, messages.SUCCESS)
            elif op == "title":
                problem_edit(problem_id=problem.pk, actor=actor, title=post.get("title", ""))
                self.message_user(request, _("Title saved."), messages.SUCCESS)
            else:
                raise ApplicationError("unknown", fields={"op": [_("Unknown action.")]})
        except ApplicationError as exc:  # 400/403/404/409 of the services, shown as a message; nothing changed
            self.message_user(request, error_text(exc), messages.ERROR)
        problem_regressions_handle()  # a report that joined may have brought a fixed problem back
        return HttpResponseRedirect(back)

    def proposal_view(self, request, proposal_id, decision):
        """One-click accept/reject from the item page (or the problem page); back to `next`."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        proposal = get_object_or_404(ProblemProposal, pk=proposal_id)
        nxt = request.POST.get("next") or reverse("admin:feedback_feedback_change", args=[proposal.feedback_id])
        if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            nxt = reverse("admin:feedback_problem_change", args=[proposal.problem_id])
        if not self.has_change_permission(request):
            self.message_user(request, _("You may not change problems."), messages.ERROR)
            return HttpResponseRedirect(nxt)
        actor = Actor.for_user(request.user)
        try:
            if decision == "accept":
                proposal_accept(proposal_id=proposal.pk, actor=actor)
                self.message_user(request, _("#%(f)s joined problem #%(p)s.") % {"f": proposal.feedback_id,
                                                                                 "p": proposal.problem_id}, messages.SUCCESS)
            elif decision == "reject":
                proposal_reject(proposal_id=proposal.pk, actor=actor)
                self.message_user(request, _("Noted: #%(f)s is not problem #%(p)s; it will not be proposed again.")
                                  % {"f": proposal.feedback_id, "p": proposal.problem_id}, messages.SUCCESS)
            else:
                raise ApplicationError("unknown", fields={"decision": [_("Accept or reject.")]})
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        problem_regressions_handle(problem_ids=[proposal.problem_id])
        return HttpResponseRedirect(nxt)

    @admin.action(description=gettext_lazy("Merge the selected problems (into the one with most reporters)"))
    def merge_selected(self, request, queryset):
        chosen = list(queryset.order_by("-reporter_count", "id"))
        if len(chosen) < 2:
            self.message_user(request, _("Select at least two problems."), messages.WARNING)
            return None
        target, actor = chosen[0], Actor.for_user(request.user)
        result = each([p.pk for p in chosen[1:]], lambda pk: problem_merge(source_id=pk, target_id=target.pk, actor=actor))
        done = len(result.done)
        if done:
            self.message_user(request, ngettext("%(n)d problem merged into #%(t)s.", "%(n)d problems merged into #%(t)s.",
                                                done) % {"n": done, "t": target.pk}, messages.SUCCESS)
        for pk, reason in result.refused.items():
            self.message_user(request, f"#{pk}: {reason}", messages.ERROR)
        return None
