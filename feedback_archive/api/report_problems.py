"""GET /api/v1/reports/top-problems/ — problems by distinct reporters, all-time or per period.
(Its own module beside api/reports.py, so the problem endpoints of api/problems.py stay apart.)"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.reports.selectors import top_problems_report

from .models import Scope
from .reports import FILTER_PARAMS, PAGE_PARAMS, _filters, _positive


class TopProblemsView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[
        OpenApiParameter("week", str, description="ISO week, e.g. 2026-W47 (neither week nor month: all time)"),
        OpenApiParameter("month", str, description="e.g. 2026-11"),
        *[p for p in FILTER_PARAMS if p.name != "fresh"], *PAGE_PARAMS], responses={200: dict})
    def get(self, request):
        week, month = request.query_params.get("week") or None, request.query_params.get("month") or None
        if week and month:
            raise ValidationError({"month": [_("Give a week or a month, not both.")]})
        return Response(top_problems_report(
            filters=_filters(request), week=week, month=month, page=_positive(request, "page", 1, 1_000_000),
            page_size=_positive(request, "page_size", 50, 500)))
