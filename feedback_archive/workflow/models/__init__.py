"""Workflow models by sub-domain; every model is re-exported here, so `workflow.models.X` and the
app label stay what they were (no migration churn)."""
from .alerts import AlertDelivery, AlertEndpoint, AlertKind
from .certification import (
    Certification, CertificationStatus, LabelSuggestion, LabelSuggestionStatus,
)
from .guidance import GuidanceNote
from .incidents import FollowUpAction, IncidentReview
from .replies import (
    SURVEY_EVENT, TEMPLATE_EVENTS, ChannelDelivery, DeadLetter, Delivery, DeliveryMethod, DeliveryStatus, Reply,
    ReplyEvent, ReplyTemplate, TemplateLanguage,
)
from .roadmap import DecisionKind, ProductDecision, RoadmapItem, RoadmapStatus
from .routing import AssignmentStrategy, RoutingDecision, RoutingOutcome, RoutingRule
from .satisfaction import Survey
from .sla import Holiday, HolidayKind, SlaClock, SlaNotice, SlaNoticeKind, SlaPause, SlaPolicy, SlaTarget
from .transitions import TransitionLog

__all__ = [
    "AlertDelivery", "AlertEndpoint", "AlertKind", "SURVEY_EVENT", "TEMPLATE_EVENTS", "AssignmentStrategy", "Certification", "CertificationStatus",
    "LabelSuggestion", "LabelSuggestionStatus", "ChannelDelivery", "DeadLetter", "Delivery",
    "DecisionKind", "DeliveryMethod", "FollowUpAction", "GuidanceNote", "IncidentReview", "ProductDecision", "DeliveryStatus", "Holiday", "HolidayKind", "Reply", "ReplyEvent", "ReplyTemplate",
    "RoadmapItem", "RoadmapStatus", "RoutingDecision", "RoutingOutcome", "RoutingRule", "SlaClock", "SlaNotice",
    "SlaNoticeKind", "SlaPause", "SlaPolicy", "SlaTarget", "Survey", "TemplateLanguage", "TransitionLog",
]
