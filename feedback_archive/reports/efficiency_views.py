"""The team lead's efficiency page in the admin (reports → efficiency): stage time per owner and
team on both clocks, hand-offs, open age, workload and SLA breaches, each figure linked to its items."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.core.models import Team

from .efficiency import efficiency_report
from .periods import month_bounds, month_of

LIST_URL = "/admin/feedback/feedback/"


def items_href(ids: list[int]) -> str:
    """The feedback list showing exactly these items (the drill-down behind a figure)."""
    return f"{LIST_URL}?id__in={','.join(str(i) for i in ids)}" if ids else ""


@staff_member_required
def efficiency(request):
    month = request.GET.get("month") or month_of(timezone.localtime().replace(day=1) - dt.timedelta(days=1))
    team = request.GET.get("team") or None
    try:
        data = efficiency_report(month=month, team=team)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(request.path)
    for group in data["stages"].values():
        for row in group:
            row["href"] = items_href(row["feedback_ids"])
    for row in data["open_age"]["buckets"]:
        row["href"] = items_href(row["feedback_ids"])
    for row in data["handoffs"]["top"]:
        row["href"] = f"{LIST_URL}{row['feedback_id']}/change/"
    start, end = month_bounds(month)
    return TemplateResponse(request, "reports/efficiency.html", {
        "title": _("Efficiency %(month)s") % {"month": month}, "data": data, "month": month, "team": team,
        "teams": Team.objects.all(), "prev_period": month_of(start - dt.timedelta(days=2)),
        "next_period": month_of(end + dt.timedelta(days=2)), "has_permission": True,
        "site_header": _("Feedback Archive"), "site_title": _("Feedback Archive"),
    })
