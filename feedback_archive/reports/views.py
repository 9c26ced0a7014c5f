"""The report pages in the admin: charts first, tables below, filters, drill-down to feedback."""
from __future__ import annotations

import csv
import datetime as dt
import io
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.core.models import Team
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Channel
from feedback_archive.versions.models import Product, Release

from . import charts, conf
from .params import report_params, top_problems_params
from .periods import month_bounds, month_of, week_bounds, week_of
from .selectors import PROBLEM_KINDS, top_problems_report
from .services import report_get

LIST_URL = "/admin/feedback/feedback/"


def _drill(filters: dict, start=None, end=None, **extra) -> str:
    """The feedback list behind a figure: same filters, same period."""
    params = {}
    if filters.get("product"):
        params["product"] = filters["product"]
    if filters.get("team"):
        params["team__id__exact"] = Team.objects.filter(slug=filters["team"]).values_list("pk", flat=True).first() or 0
    if filters.get("channel"):
        params["channel__id__exact"] = Channel.objects.filter(slug=filters["channel"]).values_list("pk", flat=True).first() or 0
    if start:
        params["received_at__gte"] = start
    if end:
        params["received_at__lt"] = end
    params.update({k: v for k, v in extra.items() if v is not None})
    return f"{LIST_URL}?{urlencode(params)}"


def _context(request, title, kind, period, filters, data, **extra):
    return {
        **extra, "title": title, "kind": kind, "period": period, "filters": filters, "data": data,
        "products": Product.objects.all(), "teams": Team.objects.all(),
        "platforms": ["ios", "android", "windows", "macos", "linux", "web"],
        "export_query": extra.get("page_query") if kind == "top" else urlencode(
            {**filters, kind if kind != "release" else "id": period}),
        "has_permission": True, "site_header": _("Feedback Archive"), "site_title": _("Feedback Archive"),
    }


# the release report's sections: praise and consultation apart from the defects
KIND_TITLES = {"defect": gettext_lazy("defects"), "consultation": gettext_lazy("consultation"),
               "praise": gettext_lazy("praise"), "unlabelled": gettext_lazy("unlabelled")}


def _page(request, name: str = "page") -> int:
    try:
        return max(1, int(request.GET.get(name) or 1))
    except ValueError:
        return 1


def _get(kind, params, request=None):
    return report_get(kind=kind, period=params.period, filters=params.filters, fresh=params.fresh,
                      **({"page": _page(request)} if request is not None else {}))


def problem_href(problem_id: int | None, item_id: int | None) -> str | None:
    """The problem's admin page where one is installed (the problem admin), else its lead item's."""
    if problem_id:
        try:
            return reverse("admin:feedback_problem_change", args=[problem_id])
        except NoReverseMatch:
            pass
    return reverse("admin:feedback_feedback_change", args=[item_id]) if item_id else None


def _bad_period(view):
    """A mistyped week, month, release or filter (checked by reports.params, as in the API) is a
    message and the default report, not an error page."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            # back to the default report: drop the query, or the release id in the path; with
            # neither there is nothing the user typed to drop, so a redirect would only loop
            if request.GET:
                target = request.path
            elif kwargs.get("pk"):
                target = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
            else:
                raise
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(target)

    return wrapped


@staff_member_required
@_bad_period
def weekly(request):
    params = report_params(request.GET, kind="weekly", default_period=lambda: week_of(timezone.now() - dt.timedelta(days=7)))
    week, filters = params.period, params.filters
    data = _get("weekly", params)
    if request.GET.get("format") in ("csv", "xlsx"):
        return export(request.GET["format"], f"weekly-{week}", _weekly_rows(data))
    start, end = (data["start"], data["end"])
    for dim in ("type_distribution", "severity_distribution", "module_distribution"):
        code = dim.split("_")[0]
        for row in data[dim]:
            row["href"] = _drill(filters, start, end, **{code: row["label"] if row["label"] != "unlabelled" else "__none__"})
    for h in data.get("hot_spots", []):
        h["href"] = (problem_href(h.get("problem"), h.get("id")) if h.get("kind") == "problem"
                     else _drill(filters, start, end, q=h["term"]))
    for h in data.get("falling_problems", []):
        h["href"] = problem_href(h.get("problem"), h.get("id"))
    labels = [t["week"][5:] for t in data["trend"]]
    type_codes = [r["label"] for r in data["type_distribution"] if r["label"] != "unlabelled"]
    names = {r["label"]: r["name"] for r in data["type_distribution"]}
    trend = charts.lines({names[c]: [t["by_type_counts"].get(c, 0) for t in data["trend"]] for c in type_codes}, labels,
                         title=_("Type by week"))
    hp = data["high_priority"]
    hp_href = _drill(filters, start, end, severity="critical,major")
    return TemplateResponse(request, "reports/weekly.html", _context(
        request, _("Weekly review %(week)s") % {"week": week}, "week", week, filters, data,
        type_chart=charts.hbar(data["type_distribution"], title=_("By type (grey: previous week)")),
        severity_chart=charts.hbar(data["severity_distribution"], title=_("By severity (grey: previous week)")),
        module_chart=charts.hbar(data["module_distribution"], title=_("By module (grey: previous week)")),
        trend_chart=trend, hp=hp, hp_href=hp_href,
        prev_period=week_of(week_bounds(week)[0] - dt.timedelta(days=3)),
        next_period=week_of(week_bounds(week)[1] + dt.timedelta(days=3)),
    ))


@staff_member_required
@_bad_period
def monthly(request):
    params = report_params(request.GET, kind="monthly",
                           default_period=lambda: month_of(timezone.localtime().replace(day=1) - dt.timedelta(days=1)))
    month, filters = params.period, params.filters
    data = _get("monthly", params)
    if request.GET.get("format") in ("csv", "xlsx"):
        return export(request.GET["format"], f"monthly-{month}", _monthly_rows(data))
    start, end = data["start"], data["end"]
    team_rows = [{"name": t["name"], "count": t["resolution"]["median_hours"] or 0,
                  "href": _drill({**filters, "team": t["team"]} if t["team"] else filters, start, end)}
                 for t in data["by_team"]]
    sev_rows = [{"name": s["name"], "count": s["resolution"]["median_hours"] or 0,
                 "href": _drill(filters, start, end, severity=s["severity"])} for s in data["by_severity"]]
    trend = charts.lines({_("median hours to resolve"): [t["resolution"] for t in data["trend"]],
                          _("received (÷10)"): [t["received"] / 10 for t in data["trend"]]},
                         [t["month"] for t in data["trend"]], title=_("Six-month trend"))
    s, e = month_bounds(month)
    return TemplateResponse(request, "reports/monthly.html", _context(
        request, _("Monthly review %(month)s") % {"month": month}, "month", month, filters, data,
        team_chart=charts.hbar(team_rows, title=_("Median hours to resolve, by team"), compare_key=None),
        severity_chart=charts.hbar(sev_rows, title=_("Median hours to resolve, by severity"), compare_key=None),
        trend_chart=trend, drill=_drill(filters, start, end),
        prev_period=month_of(s - dt.timedelta(days=2)), next_period=month_of(e + dt.timedelta(days=2)),
        # states by their names (待处理), not their codes (pending)
        stage_rows=[{**row, "name": Status(row["state"]).label if row["state"] in Status.values else row["state"]}
                    for row in data["stage_hours"]],
    ))


@staff_member_required
@_bad_period
def release(request, pk: int | None = None):
    params = report_params(request.GET, kind="release")
    pk = pk or params.period
    if pk and (int(pk) > 2**63 - 1 or not Release.objects.filter(pk=pk).exists()):
        raise ApplicationError("no release", fields={"id": [_("There is no release #%(id)s.") % {"id": pk}]})
    releases = Release.objects.select_related("product").filter(is_known=True).order_by("product__slug", "-version_key")
    if not pk:
        latest = releases.exclude(released_at=None).order_by("-released_at").first()
        if latest is None:
            return TemplateResponse(request, "reports/release.html", _context(request, _("Release review"), "release", "", {}, None, releases=releases))
        pk = latest.pk
    params.period = str(pk)
    filters = params.filters
    # one section per kind (praise and consultation apart from the defects), each paged on its own:
    # `page` for the defects, `page_<kind>` for the others
    section_pages = {k: _page(request, "page" if k == "defect" else f"page_{k}") for k in PROBLEM_KINDS}
    data = report_get(kind="release", period=params.period, filters=filters, fresh=params.fresh,
                      page=section_pages["defect"], section_pages=section_pages)
    if request.GET.get("format") in ("csv", "xlsx"):  # every problem, not one page
        data = report_get(kind="release", period=str(pk), filters=filters, fresh=params.fresh,
                          page=1, page_size=max(1, data["problems"]["count"]))
        return export(request.GET["format"], f"release-{pk}", _release_rows(data))
    rel, prev = data["release"], data["previous"]
    rows = [{"name": rel["version"], "count": rel["per_day"] or 0, "href": _drill(filters, release=rel["release_id"])}]
    if prev:
        rows.append({"name": prev["version"], "count": prev["per_day"] or 0, "href": _drill(filters, release=prev["release_id"])})
    sections = data.get("sections", [])
    for row in [*data["problems"]["results"], *(r for sec in sections for r in sec["results"]),
                *data["regressions"], *data["no_longer_reported"]]:
        row["href"] = problem_href(row.get("problem"), row.get("id"))
    base_query = {**filters, "id": pk, **({"fresh": 1} if params.fresh else {})}
    for row in data["no_longer_reported"]:  # the kind's name, as the sections show it, not its code
        row["kind_name"] = KIND_TITLES.get(row.get("kind"), row.get("kind") or "")
    for sec in sections:
        sec["title"] = KIND_TITLES[sec["kind"]]
        # the other sections keep their page when this one moves
        keep = {("page" if k == "defect" else f"page_{k}"): section_pages[k] for k in PROBLEM_KINDS if k != sec["kind"]}
        sec["page_query"] = urlencode({**base_query, **keep})
        sec["page_param"] = "page" if sec["kind"] == "defect" else f"page_{sec['kind']}"
    return TemplateResponse(request, "reports/release.html", _context(
        request, _("Release review %(version)s") % {"version": rel["version"]}, "release", str(pk), filters, data,
        releases=releases, density_chart=charts.hbar(rows, title=_("New defect problems per day of the release window"),
                                                     compare_key=None),
        drill=_drill(filters, release=rel["release_id"]), page_query=urlencode({**filters, "id": pk}),
    ))


@staff_member_required
@_bad_period
def top_problems(request):
    filters, week, month = top_problems_params(request.GET)
    data = top_problems_report(filters=filters, week=week, month=month, page=_page(request),
                               page_size=conf.get("REPORTS_PROBLEM_PAGE_SIZE"))
    for row in data["problems"]["results"]:
        row["href"] = problem_href(row["problem"], row["id"])
    query = {**filters, **({"week": week} if week else {"month": month} if month else {})}
    if request.GET.get("format") in ("csv", "xlsx"):
        rows = [["rank", "problem_id", "lead_item", "reporters", "reports", "channels", "severity", "title"]]
        rows += [[r["rank"], r["problem"] or "", r["id"], r["reporters"], r["reports"], r["channels"], r["severity"] or "",
                  r["title"]] for r in data["problems"]["results"]]
        return export(request.GET["format"], f"top-problems-{data['period']}", rows)
    return TemplateResponse(request, "reports/top_problems.html", _context(
        request, _("Top problems by reporters"), "top", data["period"], filters, data,
        week=week or "", month=(month if not week else "") or "", page_query=urlencode(query),
    ))


# --- exports -----------------------------------------------------------------------------------
def _weekly_rows(d):
    rows = [["section", "label", "name", "count", "previous", "change"]]
    for dim in ("type_distribution", "severity_distribution", "module_distribution"):
        rows += [[dim, r["label"], r["name"], r["count"], r["previous"], r["change"]] for r in d[dim]]
    hp = d["high_priority"]
    rows += [["high_priority", k, "", hp[k], "", ""] for k in ("received", "resolved", "open", "sla_breached")]
    for k in ("response", "resolution"):
        rows += [["high_priority_hours", k, m, hp[k][m], "", ""] for m in ("count", "mean_hours", "median_hours", "p90_hours")]
    rows += [["hot_spot", h.get("problem") or h.get("term") or "", "、".join(h.get("evidence") or []), h["count"],
              h["expected"], h["p_value"]] for h in d.get("hot_spots", [])]
    rows += [["falling_problem", h.get("problem") or "", "、".join(h.get("evidence") or []), h["count"], h["expected"],
              h["p_value"]] for h in d.get("falling_problems", [])]
    return rows


def _monthly_rows(d):
    rows = [["group", "name", "received", "resp_median_h", "resp_p90_h", "resol_mean_h", "resol_median_h", "resol_p90_h"]]
    for kind, items, key in (("team", d["by_team"], "name"), ("severity", d["by_severity"], "name")):
        rows += [[kind, i[key], i["received"], i["response"]["median_hours"], i["response"]["p90_hours"],
                  i["resolution"]["mean_hours"], i["resolution"]["median_hours"], i["resolution"]["p90_hours"]] for i in items]
    rows += [["stage", s["state"], s["steps"], s["mean_hours"], "", "", "", ""] for s in d["stage_hours"]]
    rows.append(["reply_rate", "", d["closed"], d["reply_rate"], "", "", "", ""])
    return rows


def _release_rows(d):
    rows = [["release", "version", "feedback", "days", "per_day", "per_thousand_users", "new_defects"]]
    for key in ("release", "previous"):
        r = d.get(key)
        if r:
            rows.append([key, r["version"], r["feedback"], r["days"], r["per_day"], r["per_thousand_users"],
                         r["new_in_window"]["defect"]])
    rows.append(["problem", "problem_id", "lead_item", "kind", "new", "reporters", "reports", "channels", "severity", "title"])
    rows += [["problem", p["problem"] or "", p["id"], p["kind"], int(p["new"]), p["reporters"], p["reports"],
              p["channels"], p["severity"] or "", p["title"]] for p in d["problems"]["results"]]
    rows += [["regression", g["problem"] or "", g["id"], g["fixed_in"], g["reporters"], g["title"]] for g in d["regressions"]]
    rows += [["no_longer_reported", g["problem"] or "", g["id"], g["kind"], g["reporters"], g["title"]]
             for g in d["no_longer_reported"]]
    return rows


def export(fmt: str, name: str, rows: list[list]) -> HttpResponse:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        csv.writer(buf).writerows(rows)
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp
