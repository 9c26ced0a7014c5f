"""GET /api/v1/reports/top-problems/ — problems by distinct reporters, all-time or per period.
(Its own module beside api/reports.py, so the problem endpoints of api/problems.py stay apart.)"""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.reports.params import top_problems_params
from feedback_archive.reports.selectors import top_problems_report

from .models import Scope
from .reports import FILTER_PARAMS, PAGE_PARAMS, _positive


class TopProblemsView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[
        OpenApiParameter("week", str, description="ISO week, e.g. 2026-W47 (neither week nor month: all time)"),
        OpenApiParameter("month", str, description="e.g. 2026-11"),
        *[p for p in FILTER_PARAMS if p.name != "fresh"], *PAGE_PARAMS], responses={200: dict})
    def get(self, request):
        filters, week, month = top_problems_params(request.query_params)
        return Response(top_problems_report(
            filters=filters, week=week, month=month, page=_positive(request, "page", 1, 1_000_000),
            page_size=_positive(request, "page_size", 50, 500)))
