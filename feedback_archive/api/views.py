from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from feedback_archive.classification.models import Suggestion
from .filtersets import ApiFeedbackFilterSet
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.selectors import feedback_list_queryset
from feedback_archive.intake.services import feedback_receive, feedback_receive_many
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Release
from feedback_archive.versions.services import product_get, release_create
from feedback_archive.workflow.certification import feedback_update_checked
from feedback_archive.workflow.services import feedback_transition

from . import serializers as s
from .actors import actor_from_request
from .models import ApiKey, Scope


def _detail_queryset():
    return feedback_list_queryset().select_related("fixed_in", "sentiment").prefetch_related(
        Prefetch("suggestions", queryset=Suggestion.objects.select_related("label", "dimension")),
        "transitions", "replies",
    )


class FeedbackViewSet(viewsets.GenericViewSet):
    queryset = Feedback.objects.all()
    filterset_class = ApiFeedbackFilterSet
    serializer_class = s.FeedbackSerializer
    scope_map = {
        "create": Scope.INGEST, "bulk": Scope.INGEST, "list": Scope.READ, "retrieve": Scope.READ,
        "history": Scope.READ, "partial_update": Scope.WRITE, "transition": Scope.WRITE,
    }

    def get_queryset(self):
        if self.action == "list":
            return feedback_list_queryset()
        return _detail_queryset()

    def _check_channel(self, request, channel):
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None and key.channel_id and key.channel.slug != channel:
            raise PermissionDenied(_("This key may only create feedback for channel '%(channel)s'.") % {"channel": key.channel.slug})

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.FeedbackSerializer(_detail_queryset().get(pk=pk), context={"request": self.request}).data, status=code)

    @extend_schema(request=s.FeedbackCreateSerializer, responses={201: s.FeedbackSerializer, 200: s.FeedbackSerializer})
    def create(self, request):
        data = s.FeedbackCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self._check_channel(request, data.validated_data["channel"])
        feedback, created = feedback_receive(actor=actor_from_request(request), **data.validated_data)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if not created and key is not None and key.scope == Scope.INGEST:
            # An ingest key may only create, so a retry tells it no more than the first answer
            # did: which row it is, and what it sent — never status, owner, labels, notes or
            # replies, which an ingest key may not read.
            sent = {k: request.data[k] for k in s.FeedbackCreateSerializer().fields if k in request.data}
            return Response({"id": feedback.pk, "created": False, **sent}, status=status.HTTP_200_OK)
        if created and not settings.Q_CLUSTER.get("sync"):
            # Just stored, not yet understood (the pipeline runs after the commit): the row in hand
            # is the whole answer, so the detail query and its six prefetches are skipped. (With a
            # synchronous queue the pipeline has already run, so that case re-reads.)
            return Response(s.FeedbackSerializer(feedback, context={"request": request, "fresh": True}).data,
                            status=status.HTTP_201_CREATED)
        return self._detail(feedback.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.BulkCreateSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        data = s.BulkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        items, prepared = data.validated_data["items"], []
        check = s.ItemValidator(s.FeedbackCreateSerializer)
        for index, raw in enumerate(items):
            validated, errors = check(raw)
            if errors is not None:
                prepared.append((index, None, errors))
                continue
            try:
                self._check_channel(request, validated["channel"])
            except PermissionDenied as exc:
                prepared.append((index, None, {"channel": [str(exc.detail)]}))
                continue
            prepared.append((index, validated, None))
        valid = [(i, v) for i, v, e in prepared if v is not None]
        stored = feedback_receive_many(items=[v for _, v in valid], actor=actor_from_request(request))
        by_index = {valid[r["index"]][0]: r for r in stored}
        results = []
        for index, _v, errors in prepared:
            if errors is not None:
                results.append({"index": index, "errors": errors})
            else:
                results.append({**by_index[index], "index": index})
        return Response({
            "results": results,
            "created": sum(1 for r in results if r.get("created") is True),
            "existing": sum(1 for r in results if r.get("created") is False),
            "invalid": sum(1 for r in results if "errors" in r),
        })

    @extend_schema(responses=s.FeedbackListSerializer(many=True))
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.FeedbackListSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.FeedbackSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=s.FeedbackPatchSerializer, responses=s.FeedbackSerializer)
    def partial_update(self, request, pk=None):
        feedback = self.get_object()
        data = s.FeedbackPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        feedback_update_checked(  # the certification rule, then feedback_update
            feedback_id=feedback.pk, actor=actor_from_request(request), labels=v.get("labels"),
            assignee=v.get("assignee", ...), team=v.get("team", ...), release=v.get("release", ...),
            fixed_in=v.get("fixed_in", ...), expected_version=v.get("version"),
        )
        return self._detail(feedback.pk)

    @extend_schema(request=s.TransitionSerializer, responses=s.FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        feedback = self.get_object()
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        feedback_transition(
            feedback_id=feedback.pk, name=v["name"], actor=actor_from_request(request), note=v["note"],
            resolution=v["resolution"], reply=v["reply"], no_reply_reason=v["no_reply_reason"],
            reason=v["reason"], expected_version=v.get("version"),
        )
        return self._detail(feedback.pk)

    @extend_schema(responses=s.HistorySerializer(many=True), parameters=[])
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        feedback = self.get_object()
        rows = FieldChange.objects.filter(feedback=feedback).order_by("at", "id")
        return Response(s.HistorySerializer(rows, many=True).data)


class TaxonomyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DimensionSerializer
    required_scope = Scope.READ

    def get_queryset(self):
        return Dimension.objects.prefetch_related(Prefetch("labels", queryset=Label.objects.filter(is_active=True)))


class ReleaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ReleaseSerializer
    scope_map = {"list": Scope.READ, "create": Scope.WRITE}

    def get_queryset(self):
        qs = Release.objects.select_related("product").order_by("product__slug", "version_key", "platform")
        product = self.request.query_params.get("product")
        return qs.filter(product__slug=product) if product else qs

    @extend_schema(request=s.ReleaseCreateSerializer, responses={201: s.ReleaseSerializer})
    def create(self, request):
        data = s.ReleaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        release = release_create(product=product_get(v.get("product")), version=v["version"],
                                 platform=(v.get("platform") or "").lower(), released_at=v.get("released_at"),
                                 install_base=v.get("install_base"), notes=v.get("notes", ""))
        return Response(s.ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)
