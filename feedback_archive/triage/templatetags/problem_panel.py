"""`{% problem_panel_for original as pp %}`: the item page's problem panel reads its own data, so
the change form that includes it (wt-desk's) needs to pass nothing but the item."""
from django import template

from feedback_archive.triage.admin.problems import problem_panel_context

register = template.Library()


@register.simple_tag(takes_context=True)
def problem_panel_for(context, feedback):
    request = context.get("request")
    return problem_panel_context(feedback, getattr(request, "user", None))
