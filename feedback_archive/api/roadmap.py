"""The roadmap and the product-planning queue over the API (beside the admin):

    GET  /api/v1/roadmap/                 list (status filter), with direct links and reporters
    POST /api/v1/roadmap/                 create {title, description?, target_release?}
    GET  /api/v1/roadmap/{id}/            one item with its demand and linked feedback ids
    POST /api/v1/roadmap/{id}/link/       {feedback_ids: [...]} add links (the planning decision)
    POST /api/v1/roadmap/{id}/ship/       {release: id} ship it: every linked reporter hears "fixed in R"
    GET  /api/v1/planning/queue/          groups awaiting a roadmap decision, with demand
    POST /api/v1/planning/decline/        {feedback_ids, reason, expectation?}
Thin: every write is a workflow service; refusals are 400/409 with field errors.
"""
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_archive.versions.models import Release
from feedback_archive.workflow.models import RoadmapItem, RoadmapStatus
from feedback_archive.workflow.planning import planning_decline, planning_link, planning_queue
from feedback_archive.workflow.roadmap import roadmap_demand, roadmap_list, roadmap_ship

from .actors import actor_from_request
from .models import ApiKey, Scope


class RoadmapItemSerializer(serializers.ModelSerializer):
    target_release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all(), required=False, allow_null=True)
    # plain text in the schema: a second "status" enum would collide with the feedback's in the schema
    status = serializers.CharField(read_only=True, help_text="planned, in_progress or shipped")
    n_feedback = serializers.IntegerField(read_only=True)
    n_reporters = serializers.IntegerField(read_only=True)

    class Meta:
        model = RoadmapItem
        fields = ["id", "title", "description", "status", "target_release", "shipped_in", "shipped_at", "n_feedback",
                  "n_reporters", "created_at", "updated_at"]
        read_only_fields = ["status", "shipped_in", "shipped_at", "created_at", "updated_at"]


class IdsSerializer(serializers.Serializer):
    feedback_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)


class ShipSerializer(serializers.Serializer):
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())


class DeclineSerializer(IdsSerializer):
    reason = serializers.CharField(max_length=2000)
    expectation = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _require(request, perm: str) -> None:
    """People also need the roadmap permission of the admin (team leads); keys go by their scope."""
    if not isinstance(request.auth, ApiKey) and not request.user.has_perm(perm):
        raise PermissionDenied(_("Only team leads may change the roadmap."))


def _outcome(done, refused) -> dict:
    return {"done": done, "refused": {str(k): v for k, v in refused.items()}}


class RoadmapViewSet(viewsets.GenericViewSet):
    serializer_class = RoadmapItemSerializer
    scope_map = {"list": Scope.READ, "retrieve": Scope.READ, "create": Scope.WRITE, "link": Scope.WRITE,
                 "ship": Scope.WRITE}

    def get_queryset(self):
        return roadmap_list()

    def list(self, request):
        qs = self.get_queryset()
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in RoadmapStatus.values:
                raise serializers.ValidationError({"status": [f"Use one of: {', '.join(RoadmapStatus.values)}."]})
            qs = qs.filter(status=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RoadmapItemSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        item = get_object_or_404(self.get_queryset(), pk=pk)
        return Response({**RoadmapItemSerializer(item).data, "demand": roadmap_demand(item=item),
                         "feedback_ids": sorted(item.feedback.values_list("pk", flat=True))})

    def create(self, request):
        _require(request, "workflow.add_roadmapitem")
        data = RoadmapItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = data.save()  # a plain record: no rule beyond the fields' own
        return Response(RoadmapItemSerializer(self.get_queryset().get(pk=item.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IdsSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        get_object_or_404(RoadmapItem, pk=pk)
        data = IdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_outcome(*planning_link(feedback_ids=data.validated_data["feedback_ids"], roadmap_item_id=int(pk),
                                                actor=actor_from_request(request))))

    @extend_schema(request=ShipSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        _require(request, "workflow.change_roadmapitem")
        item = get_object_or_404(RoadmapItem, pk=pk)
        data = ShipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = roadmap_ship(item=item, release=data.validated_data["release"], actor=actor_from_request(request))
        return Response({**outcome, "refused": {str(k): v for k, v in outcome["refused"].items()}})


class PlanningQueueView(APIView):
    required_scope = Scope.READ

    @extend_schema(responses=dict)
    def get(self, request):
        return Response({"groups": planning_queue()})


class PlanningDeclineView(APIView):
    required_scope = Scope.WRITE

    @extend_schema(request=DeclineSerializer, responses=dict)
    def post(self, request):
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return Response(_outcome(*planning_decline(feedback_ids=v["feedback_ids"], reason=v["reason"],
                                                   expectation=v["expectation"], actor=actor_from_request(request))))
