"""GET /api/v1/reports/efficiency/ — the efficiency review (reports/efficiency.py) as JSON."""
import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.reports.efficiency import efficiency_report
from feedback_archive.reports.periods import month_of

from .models import Scope


class EfficiencyReportView(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[OpenApiParameter("month", str, description="e.g. 2026-11 (default: last month)",
                                               pattern=r"^\d{4}-\d{1,2}$"),
                               OpenApiParameter("team", str, description="team slug (default: every team)")],
                   responses={200: dict})
    def get(self, request):
        month = request.query_params.get("month") or month_of(timezone.localtime().replace(day=1) - dt.timedelta(days=1))
        return Response(efficiency_report(month=month, team=request.query_params.get("team") or None))
