"""The guidance loop in the admin: the docs owner's topic table and the "guidance written" mark."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import ReadOnlyAdmin
from feedback_archive.core.exceptions import ApplicationError, error_text

from ..guidance import guidance_mark, guidance_topics, is_docs_owner
from ..models import GuidanceNote


@admin.register(GuidanceNote)
class GuidanceNoteAdmin(ReadOnlyAdmin):
    list_display = ["topic", "link", "written_at", "written_by_name"]
    list_filter = ["topic"]

    def get_urls(self):
        return [path("topics/", self.admin_site.admin_view(self.topics_view), name="workflow_guidance_topics"),
                *super().get_urls()]

    def topics_view(self, request):
        if not is_docs_owner(request.user):
            raise PermissionDenied
        if request.method == "POST":
            try:
                guidance_mark(topic_code=request.POST.get("topic", ""), link=request.POST.get("link", ""),
                              note=request.POST.get("note", ""), actor=Actor.for_user(request.user), user=request.user)
                self.message_user(request, _("Guidance marked as written."), messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, error_text(exc),
                                  messages.ERROR)
            return HttpResponseRedirect(request.path)
        return TemplateResponse(request, "workflow/guidance_topics.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": _("Questions and false alarms by topic"), "data": guidance_topics()})
