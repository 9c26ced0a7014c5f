import copy

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from feedback_archive.core.permissions import user_sees_contacts
from feedback_archive.core.validation import json_error, max_length, text_error
from feedback_archive.feedback.choices import TRANSITION_NAMES, Resolution
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.privacy import mask_contact, mask_name
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Release
from feedback_archive.versions.versioning import normalise_version, version_key
from feedback_archive.workflow.models import Delivery
from feedback_archive.workflow.satisfaction import latest_rating

from .models import ApiKey, Scope


class StorableTextMixin:
    """Every string the client sent (keys and values, nested too) must be storable: PostgreSQL
    refuses NUL and a lone surrogate cannot even be encoded into the error message, so either
    would end in a 500. Checked after the fields' own validation, reported under the field's name."""

    def validate(self, attrs):
        errors = {name: [err] for name, value in attrs.items() if (err := json_error(value, max_depth=64))}
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


def storable_key(value: str) -> str:
    """A dictionary key that the database and the error message can hold."""
    if err := text_error(value):
        raise serializers.ValidationError(_("A key %(err)s.") % {"err": err})
    return value


def release_version_error(raw: str) -> str | None:
    """Why `raw` cannot become a release's version: longer than the column, or numbers so long
    that the sort key no longer fits its column."""
    version = normalise_version(raw) or (raw or "").strip()
    limit = max_length(Release, "version")
    if len(version) > limit:
        return _("A version has at most %(n)d characters.") % {"n": limit}
    if len(version_key(version)) > max_length(Release, "version_key"):
        return _("The numbers in this version are too long to be a release version.")
    return None


class ReporterInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FeedbackCreateSerializer(StorableTextMixin, serializers.Serializer):
    channel = serializers.CharField(max_length=40)
    external_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    content = serializers.CharField(max_length=settings.FEEDBACK_MAX_CONTENT_CHARS, trim_whitespace=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reporter = ReporterInSerializer(required=False, allow_null=True)
    product = serializers.CharField(max_length=50, required=False, allow_null=True, allow_blank=True)
    platform = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    app_version = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    locale = serializers.CharField(max_length=35, required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    metadata = serializers.DictField(required=False, allow_null=True)


class ItemValidator:
    """Validates many items with one serializer instance: building a serializer deep-copies its
    fields, which cost more than validating a bulk item. Same fields, same code, same errors."""

    def __init__(self, serializer_class):
        self.serializer = serializer_class(data={})

    def __call__(self, raw) -> tuple[dict | None, dict | None]:
        ser = self.serializer
        ser.initial_data = raw
        for cached in ("_validated_data", "_errors", "_data"):
            ser.__dict__.pop(cached, None)
        if ser.is_valid():
            return dict(ser.validated_data), None
        return None, dict(ser.errors)


class BulkCreateSerializer(serializers.Serializer):
    # null items pass here and get their own per-item error, like any other wrong type (#11 item 7)
    items = serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=1, max_length=1000)


class ReleaseCreateSerializer(StorableTextMixin, serializers.Serializer):
    # limits read from the model, so a longer value is a 400 here and not a database error
    product = serializers.CharField(max_length=max_length(Release._meta.get_field("product").related_model, "slug"),
                                    required=False, allow_blank=True)
    platform = serializers.CharField(max_length=max_length(Release, "platform"), required=False, allow_blank=True, default="")
    version = serializers.CharField(max_length=max_length(Release, "version"))
    released_at = serializers.DateTimeField(required=False, allow_null=True)
    # PositiveIntegerField: 0 … 2³¹−1 on every database Django supports
    install_base = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2_147_483_647)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)

    def validate_version(self, value):
        if err := text_error(value) or release_version_error(value):
            raise serializers.ValidationError(err)
        return value


class ReleaseSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Release
        fields = ["id", "product", "platform", "version", "released_at", "install_base", "is_known", "notes"]
        read_only_fields = ["is_known"]
        validators: list = []  # uniqueness is checked by the service with a clear message


def _sees_contacts(request) -> bool:
    if request is None:
        return False
    if isinstance(request.auth, ApiKey):
        return request.auth.scope == Scope.WRITE
    return user_sees_contacts(request.user)


def _labels(feedback) -> dict:
    return {link.dimension.code: link.label.code for link in feedback.label_links.all()}


class CachedFieldsMixin:
    """ModelSerializer works out its fields from the model on every instantiation (≈2 ms for the
    feedback serializers, per request); they depend only on the class, so build them once and
    hand each instance a copy, as DRF does with declared fields."""

    def get_fields(self):
        cls = type(self)
        cached = cls.__dict__.get("_fields_template")
        if cached is None:
            cached = super().get_fields()
            cls._fields_template = cached
        return copy.deepcopy(cached)


class ReleaseBriefSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Release
        fields = ["id", "product", "platform", "version", "released_at", "is_known"]


class FeedbackListSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    # allow_null: these are null until set, and the served schema must say so (schemathesis ST108)
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    release = ReleaseBriefSerializer(read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    labels = serializers.SerializerMethodField()
    canonical = serializers.IntegerField(source="canonical_id", read_only=True, allow_null=True)
    problem = serializers.IntegerField(source="problem_id", read_only=True, allow_null=True)

    class Meta:
        model = Feedback
        fields = [
            "id", "channel", "external_id", "title", "content", "product", "platform", "app_version", "release",
            "received_at", "locale", "rating", "status", "resolution", "labels", "assignee", "team", "canonical",
            "similarity", "duplicate_count", "problem", "sla_due_at", "sla_breached", "version", "created_at", "updated_at",
            "pipeline_state",
        ]

    def get_labels(self, obj) -> dict:
        return _labels(obj)


class FeedbackSerializer(FeedbackListSerializer):
    reporter = serializers.SerializerMethodField()
    fixed_in = ReleaseBriefSerializer(read_only=True, allow_null=True)
    suggestions = serializers.SerializerMethodField()
    sentiment = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField()

    class Meta(FeedbackListSerializer.Meta):
        fields = FeedbackListSerializer.Meta.fields + [
            "reporter", "metadata", "fixed_in", "suggestions", "sentiment", "transitions", "replies", "satisfaction",
            "first_response_at", "resolved_at", "no_reply_reason", "pipeline_error", "problem_score", "problem_evidence",
        ]

    def _fresh(self) -> bool:
        """The feedback was created by this request: nothing refers to it yet."""
        return bool(self.context.get("fresh"))

    def get_labels(self, obj) -> dict:
        return {} if self._fresh() else _labels(obj)

    def get_reporter(self, obj) -> dict | None:
        """Contact details only for write-scope keys and people whose role needs them."""
        r = obj.reporter
        if r is None:
            return None
        request = self.context.get("request")
        if _sees_contacts(request):
            return {"external_id": r.external_id, "name": r.name, "contact": r.contact}
        return {"external_id": r.external_id, "name": mask_name(r.name), "contact": mask_contact(r.contact)}

    def get_suggestions(self, obj) -> dict:
        if self._fresh():
            return {}
        return {
            s.dimension.code: {"label": s.label.code, "confidence": s.confidence, "evidence": s.evidence,
                               "model_version": s.model_version}
            for s in obj.suggestions.all()
        }

    def get_sentiment(self, obj) -> dict | None:
        if self._fresh():
            return None
        s = getattr(obj, "sentiment", None)
        if s is None:
            return None
        return {"polarity": s.polarity, "intent": s.intent, "language": s.language, "evidence": s.evidence}

    def get_transitions(self, obj) -> list[dict]:
        if self._fresh():
            return []
        return [
            {"name": t.name, "from": t.source, "to": t.target, "actor": t.actor_name, "via": t.via,
             "owner": t.owner_name or None, "at": serializers.DateTimeField().to_representation(t.at),
             "note": t.note, "resolution": t.resolution or None, "seconds_in_previous": round(t.seconds_in_previous, 3)}
            for t in obj.transitions.all()
        ]

    def get_replies(self, obj) -> list[dict]:
        if self._fresh():
            return []

        replies = list(obj.replies.all())
        delivery = dict(Delivery.objects.filter(reply_id__in=[r.id for r in replies]).values_list("reply_id", "status")) if replies else {}
        return [
            {"id": r.id, "event": r.event, "body": r.body, "author": r.author_name,
             "at": serializers.DateTimeField().to_representation(r.created_at), "delivery": delivery.get(r.id)}
            for r in replies
        ]

    def get_satisfaction(self, obj) -> dict | None:
        if self._fresh():
            return None

        rated = latest_rating(obj)
        if rated is None:
            return None
        return {"rating": rated["rating"], "comment": rated["comment"],
                "at": serializers.DateTimeField().to_representation(rated["rated_at"])}


class FeedbackPatchSerializer(StorableTextMixin, serializers.Serializer):
    labels = serializers.DictField(child=serializers.CharField(max_length=100), required=False)
    assignee = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150)
    team = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    release = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=max_length(Release, "version"))
    fixed_in = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=max_length(Release, "version"))
    version = serializers.IntegerField(required=False, min_value=0, max_value=2_147_483_647,
                                       help_text="the version you saw; a newer one gives 409")

    def validate_labels(self, value):
        for key in value:
            storable_key(key)
        return value

    def validate_release(self, value):
        if value and (err := release_version_error(value)):
            raise serializers.ValidationError(err)
        return value

    validate_fixed_in = validate_release


class TransitionSerializer(StorableTextMixin, serializers.Serializer):
    name = serializers.ChoiceField(choices=TRANSITION_NAMES)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    resolution = serializers.ChoiceField(choices=Resolution.values, required=False, allow_blank=True, default="")
    reply = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    no_reply_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="close as wont_fix / by_design / not_reproducible / answered without a typed reply: the reason, "
                  "sent to the reporter in the resolution's template",
    )
    version = serializers.IntegerField(required=False, min_value=0, max_value=2_147_483_647,
                                       help_text="the version you saw; a newer one gives 409")


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name")
    via = serializers.CharField()
    field = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class LabelSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField()
    examples = serializers.SerializerMethodField()
    keywords = serializers.SerializerMethodField()

    class Meta:
        model = Label
        fields = ["code", "names", "definition", "definition_en", "examples", "keywords", "is_active"]

    def get_names(self, obj) -> dict:
        return {"zh": obj.name_zh, "en": obj.name_en}

    def get_examples(self, obj) -> dict:
        return {"positive": obj.example_list, "negative": obj.counter_example_list}

    def get_keywords(self, obj) -> list[str]:
        return list(obj.keyword_weights)


class DimensionSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField()
    labels = LabelSerializer(many=True, read_only=True)

    class Meta:
        model = Dimension
        fields = ["code", "names", "description", "labels"]

    def get_names(self, obj) -> dict:
        return {"zh": obj.name_zh, "en": obj.name_en}
