"""Regressions: a problem fixed in release R and reported again on R or later (flagged by the
problem services when the report joins) is reopened — its lead item back to pending, with a log
entry naming the new reports, members following as in every transition — and the owning team is
alerted by e-mail through the team alert outbox (workflow/alerts.py). Run by the pipeline after matching and every minute by the
schedule (workflow/tasks.py); a problem is handled once, as reopening its lead ends the condition."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.selectors import problems_regressed_to_reopen
from feedback_archive.feedback.services import regression_reports

from .alerts import alert_enqueue, email_recipients
from .outbox import _is_email
from .services import feedback_transition

_JOB = Actor.system("job")


def problem_regressions_handle(*, problem_ids=None) -> int:
    """Reopen and alert for every regressed problem whose lead is closed; returns how many."""
    done = 0
    for problem_id, lead_id in problems_regressed_to_reopen(problem_ids):
        try:
            with transaction.atomic():
                _reopen(problem_id, lead_id)
                done += 1
        except ApplicationError:
            continue  # the lead moved meanwhile (someone reopened it): nothing to do
    return done


def _reopen(problem_id: int, lead_id: int) -> None:
    lead = Feedback.objects.select_related("fixed_in", "team", "team__lead", "problem__fixed_in").get(pk=lead_id)
    new = list(Feedback.objects.filter(pk__in=regression_reports(problem_id=problem_id)).select_related("release"))
    fixed = lead.problem.fixed_in
    versions = sorted({f.release.version for f in new if f.release})
    note = (_("Regression: problem #%(p)s was fixed in %(fixed)s and is reported again on %(versions)s: %(ids)s.")
            % {"p": problem_id, "fixed": fixed.version if fixed else "?", "versions": ", ".join(versions) or "?",
               "ids": ", ".join(f"#{f.pk}" for f in new)})
    feedback_transition(feedback_id=lead.pk, name="reopen", actor=_JOB, note=note)
    team = lead.team
    if team is None:
        return
    people = ([team.lead] if team.lead_id else []) + list(team.members.all())
    recipients = sorted({u.email for u in people if u and u.is_active and _is_email(u.email or "")})
    subject = _("[Regression] Problem #%(p)s is back: %(title)s") % {"p": problem_id, "title": lead.problem.title}
    body = note + "\n\n" + "\n".join(f"#{f.pk} {f.content[:200]}" for f in new)
    alert_enqueue(recipients=email_recipients(recipients), subject=subject, body=body, feedback_id=lead.pk)
