"""Admin of the workflow app, by sub-domain: routing, SLA (+ the feedback-list actions), replies and
the outbox, the roadmap.

Rules, policies and holidays are configuration edited here directly; pauses, decisions and notices
are written by the services only and shown read-only.

`pause_sla`, `resume_sla` and `route_again` are actions for the feedback list (triage admin):
`actions = [..., pause_sla, resume_sla, route_again]`.
"""
from . import alerts, certification, guidance, incidents, replies, roadmap, routing, transition_log  # noqa: F401 — importing registers the ModelAdmins
from .sla import pause_sla, resume_sla, route_again

__all__ = ["pause_sla", "resume_sla", "route_again"]
