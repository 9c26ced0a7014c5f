"""`/api/v1/problems/`: problems (one problem, many reports) — list, detail, and the agent's edits
through the problem services (merge, split, move, take out, title/labels, proposals)."""
from __future__ import annotations

import datetime as dt
import re

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from feedback_archive.core.validation import text_error
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.feedback.services import (
    NotFoundError,
    problem_edit,
    problem_merge,
    problem_merge_into_item,
    problem_move_item,
    problem_split,
    problem_take_out,
    proposal_accept,
    proposal_reject,
)
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.versioning import normalise_version
from feedback_archive.workflow.regressions import problem_regressions_handle

from .actors import actor_from_request
from .models import Scope

STATES = ("open", "closed", "regressed")


def parse_period(value: str) -> tuple[dt.datetime, dt.datetime]:
    """`7d`/`30d` (the last N days), `2026-11` (a month), `2026-W48` (an ISO week), in Shanghai time
    like the reports; anything else is a 400 naming the forms."""
    value = (value or "").strip()
    tz = timezone.get_current_timezone()
    now = timezone.now()
    if m := re.fullmatch(r"([1-9]\d{0,3})d", value):
        return now - dt.timedelta(days=int(m.group(1))), now
    if m := re.fullmatch(r"(20\d\d)-(0[1-9]|1[0-2])", value):
        y, mo = int(m.group(1)), int(m.group(2))
        start = dt.datetime(y, mo, 1, tzinfo=tz)
        end = dt.datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=tz)
        return start, end
    if m := re.fullmatch(r"(20\d\d)-W(0[1-9]|[1-4]\d|5[0-3])", value):
        try:
            start = dt.datetime.combine(dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), dt.time(),
                                        tzinfo=tz)
        except ValueError:
            pass
        else:
            return start, start + dt.timedelta(days=7)
    raise ValidationError({"period": [_("Use 7d / 30d (last days), 2026-11 (a month) or 2026-W48 (an ISO week).")]})


class ProblemFilterSet(filters.FilterSet):
    product = filters.CharFilter(method="filter_product", help_text="product slug(s), comma-separated")
    release = filters.CharFilter(method="filter_release", help_text="a version: problems with a report on it")
    module = filters.CharFilter(method="filter_label", help_text="module label code(s)")
    type = filters.CharFilter(method="filter_label", help_text="type label code(s)")
    state = filters.CharFilter(method="filter_state", help_text="open, closed or regressed")
    period = filters.CharFilter(method="filter_period", help_text="7d, 30d, 2026-11 or 2026-W48: reported in it")
    ordering = filters.CharFilter(method="filter_ordering",
                                  help_text="reporters (default, most first), -last_seen, members, id")

    class Meta:
        model = Problem
        fields: list[str] = []

    def is_valid(self):
        # what PostgreSQL refuses in a query (NUL, lone surrogates) is a 400 naming the parameter
        bad = {k: [msg] for k in self.filters if (msg := text_error(str(self.data.get(k) or "")))}
        if bad:
            raise ValidationError(bad)
        return super().is_valid()

    @staticmethod
    def _values(value):
        return [v.strip() for v in (value or "").split(",") if v.strip()]

    def filter_product(self, qs, name, value):
        return qs.filter(product__slug__in=self._values(value))

    def filter_release(self, qs, name, value):
        version = normalise_version(value) or value
        return qs.filter(Exists(Feedback.objects.filter(problem=OuterRef("pk"), release__version=version)))

    def filter_label(self, qs, name, value):
        ids = Label.objects.filter(dimension__code=name, code__in=self._values(value)).values_list("id", flat=True)
        return qs.filter(**{f"{name}_id__in": list(ids)})

    def filter_state(self, qs, name, value):
        if value not in STATES:
            raise ValidationError({"state": [_("Use one of: %(choices)s.") % {"choices": ", ".join(STATES)}]})
        open_member = Exists(Feedback.objects.filter(problem=OuterRef("pk")).exclude(status=Status.CLOSED))
        if value == "regressed":
            return qs.filter(regressed_at__isnull=False)
        return qs.filter(open_member) if value == "open" else qs.exclude(open_member)

    def filter_period(self, qs, name, value):
        start, end = parse_period(value)
        in_period = Q(members__received_at__gte=start, members__received_at__lt=end)
        return qs.annotate(period_reporters=Count("members__reporter", filter=in_period, distinct=True),
                           period_reports=Count("members", filter=in_period)).filter(period_reports__gt=0)

    def filter_ordering(self, qs, name, value):
        orders = {"reporters": ["-reporter_count", "-id"], "-last_seen": ["-last_seen_at", "-id"],
                  "members": ["-member_count", "-id"], "id": ["id"]}
        if value not in orders:
            raise ValidationError({"ordering": [_("Use one of: %(choices)s.") % {"choices": ", ".join(orders)}]})
        return qs.order_by(*orders[value])

    @property
    def qs(self):
        qs = super().qs
        if "period_reporters" in qs.query.annotations and self.data.get("ordering", "reporters") == "reporters":
            return qs.order_by("-period_reporters", "-reporter_count", "-id")
        if not self.data.get("ordering"):
            return qs.order_by("-reporter_count", "-id")
        return qs


def _code(label):
    return label.code if label else None


class ProblemSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    type = serializers.SerializerMethodField()
    module = serializers.SerializerMethodField()
    severity = serializers.SerializerMethodField()
    first_release = serializers.SerializerMethodField()
    fixed_in = serializers.SerializerMethodField()
    lead = serializers.IntegerField(source="lead_id", read_only=True, allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)
    period_reporters = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = ["id", "title", "title_locked", "product", "type", "module", "severity", "labels_locked", "lead",
                  "member_count", "reporter_count", "channel_count", "period_reporters", "first_seen_at",
                  "last_seen_at", "first_release", "fixed_in", "regressed_at", "merged_into", "version"]

    def get_type(self, obj) -> str | None:
        return _code(obj.type)

    def get_module(self, obj) -> str | None:
        return _code(obj.module)

    def get_severity(self, obj) -> str | None:
        return _code(obj.severity)

    def get_first_release(self, obj) -> str | None:
        return obj.first_release.version if obj.first_release else None

    def get_fixed_in(self, obj) -> str | None:
        return obj.fixed_in.version if obj.fixed_in else None

    def get_period_reporters(self, obj) -> int | None:
        return getattr(obj, "period_reporters", None)


class ProblemDetailSerializer(ProblemSerializer):
    members = serializers.SerializerMethodField()
    releases = serializers.SerializerMethodField()
    platforms = serializers.SerializerMethodField()
    statuses = serializers.SerializerMethodField()
    proposals = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = ProblemSerializer.Meta.fields + ["members", "releases", "platforms", "statuses", "proposals"]

    def _members(self, obj):
        if not hasattr(self, "_rows"):
            self._rows = list(Feedback.objects.filter(problem=obj).select_related("channel", "release")
                              .order_by("received_at", "id"))
        return self._rows

    def get_members(self, obj) -> list[dict]:
        return [{"id": f.id, "title": f.title, "content": f.content, "channel": f.channel.slug, "status": f.status,
                 "release": f.release.version if f.release else None, "platform": f.platform,
                 "received_at": serializers.DateTimeField().to_representation(f.received_at),
                 "score": f.problem_score, "evidence": f.problem_evidence, "is_lead": f.id == obj.lead_id}
                for f in self._members(obj)]

    def get_releases(self, obj) -> list[dict]:
        counts: dict = {}
        for f in self._members(obj):
            if f.release:
                key = (f.release.version, f.release.platform, f.release.version_key)
                counts[key] = counts.get(key, 0) + 1
        return [{"version": v, "platform": p, "reports": n} for (v, p, _k), n in sorted(counts.items(), key=lambda i: i[0][2])]

    def get_platforms(self, obj) -> dict:
        out: dict = {}
        for f in self._members(obj):
            out[f.platform or ""] = out.get(f.platform or "", 0) + 1
        return out

    def get_statuses(self, obj) -> dict:
        out: dict = {}
        for f in self._members(obj):
            out[f.status] = out.get(f.status, 0) + 1
        return out

    def get_proposals(self, obj) -> list[dict]:
        return [{"id": p.id, "feedback": p.feedback_id, "score": p.score, "evidence": p.evidence}
                for p in obj.proposals.filter(decision=ProblemProposal.Decision.OPEN).order_by("-score", "id")]


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    into_feedback = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    version = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if ("into" in attrs) == ("into_feedback" in attrs):
            raise serializers.ValidationError({"into": [_("Give either `into` (a problem) or `into_feedback`.")]})
        return attrs


class ItemsSerializer(serializers.Serializer):
    feedback_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62),
                                         min_length=1, max_length=1000)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ItemSerializer(serializers.Serializer):
    feedback = serializers.IntegerField(min_value=1, max_value=2**62)
    version = serializers.IntegerField(required=False)


class EditSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    type = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    module = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    severity = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    version = serializers.IntegerField(required=False)


def _not_found(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFoundError as exc:
        raise NotFound(exc.message) from None


class ProblemViewSet(viewsets.GenericViewSet):
    filterset_class = ProblemFilterSet
    serializer_class = ProblemSerializer
    scope_map = {"list": Scope.READ, "retrieve": Scope.READ, "merge": Scope.WRITE, "split": Scope.WRITE,
                 "add": Scope.WRITE, "take_out": Scope.WRITE, "partial_update": Scope.WRITE,
                 "accept": Scope.WRITE, "reject": Scope.WRITE}

    def get_queryset(self):
        qs = Problem.objects.select_related("product", "type", "module", "severity", "first_release", "fixed_in")
        return qs.filter(merged_into__isnull=True) if self.action == "list" else qs

    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ProblemSerializer(page, many=True).data)

    @extend_schema(responses=ProblemDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(ProblemDetailSerializer(self.get_object()).data)

    def _detail(self, pk):
        problem_regressions_handle(problem_ids=[pk])  # a report that joined may have brought it back
        return Response(ProblemDetailSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=EditSerializer, responses=ProblemDetailSerializer)
    def partial_update(self, request, pk=None):
        problem = self.get_object()
        data = EditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        kwargs, errors = {}, {}
        if "title" in v:
            kwargs["title"] = v["title"]
        for dim in ("type", "module", "severity"):
            if dim in v:
                code = v[dim]
                label = Label.objects.filter(dimension__code=dim, code=code).select_related("dimension").first() if code else None
                if code and label is None:
                    errors[dim] = [_("Unknown %(dim)s label “%(code)s”.") % {"dim": dim, "code": code}]
                kwargs[dim] = label
        if errors:
            raise ValidationError(errors)
        problem_edit(problem_id=problem.pk, actor=actor_from_request(request), expected_version=v.get("version"),
                     **kwargs)
        return self._detail(problem.pk)

    @extend_schema(request=MergeSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        problem = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, actor = data.validated_data, actor_from_request(request)
        if "into" in v:
            target = _not_found(problem_merge, source_id=problem.pk, target_id=v["into"], actor=actor,
                                expected_version=v.get("version"))
        else:
            target = _not_found(problem_merge_into_item, source_id=problem.pk, feedback_id=v["into_feedback"],
                                actor=actor)
        return self._detail(target.pk)

    @extend_schema(request=ItemsSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        problem = self.get_object()
        data = ItemsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = _not_found(problem_split, problem_id=problem.pk, feedback_ids=data.validated_data["feedback_ids"],
                         title=data.validated_data["title"], actor=actor_from_request(request))
        return Response(ProblemDetailSerializer(new).data, status=201)

    @extend_schema(request=ItemSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def add(self, request, pk=None):
        """Move a report into this problem (from wherever it is)."""
        problem = self.get_object()
        data = ItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _not_found(problem_move_item, feedback_id=data.validated_data["feedback"], problem_id=problem.pk,
                   actor=actor_from_request(request), expected_version=data.validated_data.get("version"))
        return self._detail(problem.pk)

    @extend_schema(request=ItemSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"], url_path="take-out")
    def take_out(self, request, pk=None):
        """Take a report out of this problem: it becomes a problem of its own (answered)."""
        problem = self.get_object()
        data = ItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fid = data.validated_data["feedback"]
        if not Feedback.objects.filter(pk=fid, problem=problem).exists():
            raise NotFound(_("Feedback #%(id)s is not a report of problem #%(p)s.") % {"id": fid, "p": problem.pk})
        new = _not_found(problem_take_out, feedback_id=fid, actor=actor_from_request(request))
        return Response(ProblemDetailSerializer(new).data, status=201)

    @extend_schema(request=None, responses=ProblemDetailSerializer)
    @action(detail=False, methods=["post"], url_path=r"proposals/(?P<proposal_id>\d+)/accept")
    def accept(self, request, proposal_id=None):
        problem = _not_found(proposal_accept, proposal_id=proposal_id, actor=actor_from_request(request))
        return self._detail(problem.pk)

    @extend_schema(request=None, responses=dict)
    @action(detail=False, methods=["post"], url_path=r"proposals/(?P<proposal_id>\d+)/reject")
    def reject(self, request, proposal_id=None):
        proposal = _not_found(proposal_reject, proposal_id=proposal_id, actor=actor_from_request(request))
        return Response({"id": proposal.pk, "feedback": proposal.feedback_id, "problem": proposal.problem_id,
                         "decision": proposal.decision})
