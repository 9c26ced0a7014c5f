"""`GET /api/v1/health/`: for load balancers and monitoring, without a key. 200 with the pipeline's
lag while the database answers, 503 when it does not. The lag says how far understanding (search
tokens, duplicate links, suggestions, routing) is behind intake (docs/operations.md)."""
from django.db import DatabaseError
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.feedback.selectors import pipeline_lag


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request):
        try:
            lag = pipeline_lag()
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unavailable"}, status=503)
        return Response({"status": "ok", "database": "ok", "pipeline": lag})
