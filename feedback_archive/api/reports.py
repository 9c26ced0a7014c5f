import datetime as dt

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.reports.params import report_params
from feedback_archive.reports.periods import month_of, week_of
from feedback_archive.reports.selectors import FILTERS, PROBLEM_KINDS
from feedback_archive.reports.services import report_get
from feedback_archive.versions.models import Release

from .models import Scope

FILTER_PARAMS = [OpenApiParameter(name, str, description=f"{name} slug") for name in FILTERS] + [
    OpenApiParameter("fresh", bool, description="recompute from current data even where a snapshot exists")]


def _last_week():
    return week_of(timezone.now() - dt.timedelta(days=7))


def _last_month():
    return month_of(timezone.localtime().replace(day=1) - dt.timedelta(days=1))


class WeeklyReportView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[OpenApiParameter("week", str, description="ISO week, e.g. 2026-W47 (default: last week)",
                                               pattern=r"^\d{4}-W\d{1,2}$"), *FILTER_PARAMS],
                   responses={200: dict})
    def get(self, request):
        p = report_params(request.query_params, kind="weekly", default_period=_last_week)
        return Response(report_get(kind="weekly", period=p.period, filters=p.filters, fresh=p.fresh))


class MonthlyReportView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[OpenApiParameter("month", str, description="e.g. 2026-11 (default: last month)",
                                               pattern=r"^\d{4}-\d{1,2}$"), *FILTER_PARAMS],
                   responses={200: dict})
    def get(self, request):
        p = report_params(request.query_params, kind="monthly", default_period=_last_month)
        return Response(report_get(kind="monthly", period=p.period, filters=p.filters, fresh=p.fresh))


def _positive(request, name: str, default: int | None, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError({name: [_("A whole number from 1 to %(max)s.") % {"max": maximum}]})
    return int(raw)


PAGE_PARAMS = [OpenApiParameter("page", int, description="page of the problem list (default 1)"),
               OpenApiParameter("page_size", int, description="problems per page (default 50, at most 500)")]
KIND_PARAM = OpenApiParameter("kind", str, enum=list(PROBLEM_KINDS),
                              description="only the problems of this kind (defect, consultation, praise, unlabelled)")


class ReleaseReportView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[*FILTER_PARAMS, *PAGE_PARAMS, KIND_PARAM], responses={200: dict})
    def get(self, request, pk: int):
        p = report_params(request.query_params, kind="release")
        problem_kind = request.query_params.get("kind") or None
        if problem_kind is not None and problem_kind not in PROBLEM_KINDS:
            raise ValidationError({"kind": [_("One of: %(kinds)s.") % {"kinds": ", ".join(PROBLEM_KINDS)}]})
        if pk > 2**63 - 1 or not Release.objects.filter(pk=pk).exists():
            raise Http404(_("No such release."))
        page = _positive(request, "page", 1, 1_000_000)
        page_size = _positive(request, "page_size", None, 500)
        return Response(report_get(kind="release", period=str(pk), filters=p.filters, fresh=p.fresh,
                                   page=page, page_size=page_size, problem_kind=problem_kind))
