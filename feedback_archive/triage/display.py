"""People's names for what the services record by code: the audit trail stores `labels.severity`
`major → normal` and `resolution fixed` (stable codes, what the API returns); the item page shows
严重程度 严重 → 一般 and 解决方式 已修复."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feedback_archive.core.models import Team
from feedback_archive.feedback.choices import Resolution, Status, Via
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.workflow.models import SURVEY_EVENT, ReplyEvent, ReplyTemplate
from feedback_archive.workflow.outbox import reporter_language, template_context

FIELD_NAMES = {
    "status": _("status"),
    "resolution": pgettext_lazy("field", "resolution"),
    "assignee": pgettext_lazy("field", "assignee"),
    "team": _("team"),
    "release": _("reported on release"),
    "fixed_in": _("fixed in release"),
    "canonical": _("duplicate of"),
    "roadmap": _("roadmap"),
    "satisfaction": _("satisfaction"),
    "satisfaction_flag": _("low satisfaction"),
    "sla_paused": _("SLA paused"),
    "problem": _("problem"),
}


@dataclass
class AuditRow:
    at: object
    field: str
    old: str
    new: str
    actor_name: str
    via: str


class Names:
    """Looks up every name one page needs in a few queries (labels, users, teams), once."""

    def __init__(self, changes):
        self.dimensions = {d.code: d.name for d in Dimension.objects.all()}
        self.labels = {(lab.dimension.code, lab.code): lab.name for lab in Label.objects.select_related("dimension")}
        usernames = {v for c in changes if c.field == "assignee" for v in (c.old, c.new) if v}
        self.users = {u.get_username(): (u.get_full_name() or u.get_username())
                      for u in get_user_model().objects.filter(username__in=usernames)} if usernames else {}
        slugs = {v for c in changes if c.field == "team" for v in (c.old, c.new) if v}
        self.teams = dict(Team.objects.filter(slug__in=slugs).values_list("slug", "name")) if slugs else {}

    def field(self, field: str) -> str:
        if field.startswith("labels."):
            code = field[len("labels."):]
            return self.dimensions.get(code, code)
        return str(FIELD_NAMES.get(field, field))

    def value(self, field: str, value: str) -> str:
        if not value:
            return ""
        if field.startswith("labels."):
            return self.labels.get((field[len("labels."):], value), value)
        if field == "status":
            return str(Status(value).label) if value in Status.values else value
        if field == "resolution":
            return str(Resolution(value).label) if value in Resolution.values else value
        if field == "assignee":
            return self.users.get(value, value)
        if field == "team":
            return self.teams.get(value, value)
        if field == "canonical":
            return f"#{value}"
        return value


def via_label(via: str) -> str:
    return str(Via(via).label) if via in Via.values else via


def audit_rows(changes) -> list[AuditRow]:
    changes = list(changes)
    names = Names(changes)
    return [AuditRow(at=c.at, field=names.field(c.field), old=names.value(c.field, c.old), new=names.value(c.field, c.new),
                     actor_name=c.actor_name, via=via_label(c.via)) for c in changes]


@dataclass
class ReplyChoice:
    key: str
    label: str
    body: str
    reporter_language: bool


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def reply_templates_for(feedback) -> list[ReplyChoice]:
    """Every reply template (event × language) with this item's placeholders filled, the reporter's
    language first, for the item page's picker. One query; unknown placeholders stay as they are
    for the agent to fill (the same rule as workflow.outbox)."""
    context = template_context(feedback)
    language = reporter_language(feedback)
    out = [
        ReplyChoice(key=f"{t.event}:{t.language}", label=f"{t.get_event_display()} · {t.get_language_display()}",
                    body=_PLACEHOLDER.sub(lambda m: str(context[m.group(1)]) if m.group(1) in context else m.group(0), t.body),
                    reporter_language=t.language == language)
        for t in ReplyTemplate.objects.exclude(event__in=[ReplyEvent.RECEIVED, SURVEY_EVENT])
    ]
    return sorted(out, key=lambda c: not c.reporter_language)
