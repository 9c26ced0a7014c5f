"""The reporter's answer to a satisfaction survey: store (or correct) the rating, flag a low one, and
— with SATISFACTION_REOPEN_LOW — reopen the item through the workflow service. Separate from
satisfaction.py (which the workflow service calls after a close) so no import goes in a circle."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.services import audit_record

from .models import Survey
from .satisfaction import low_rating, survey_from_token
from .services import feedback_transition


@transaction.atomic
def survey_submit(*, token: str, rating, comment: str = "") -> Survey:
    """Store (or update) the reporter's rating. Raises LinkTampered / LinkExpired /
    ApplicationError (bad rating)."""
    survey = survey_from_token(token)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ApplicationError("bad rating", fields={"rating": ["1–5"]})
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    old = survey.rating
    survey.rating, survey.comment, survey.rated_at = rating, (comment or "").strip()[:2000], timezone.now()
    was_flagged = survey.flagged
    survey.flagged = rating <= low_rating()
    survey.save(update_fields=["rating", "comment", "rated_at", "flagged"])
    actor = Actor.system("system")
    feedback = survey.feedback
    audit_record(feedback=feedback, actor=actor, field="satisfaction", old=old, new=rating)
    if survey.flagged and not was_flagged:
        audit_record(feedback=feedback, actor=actor, field="satisfaction_flag", old="", new=f"low rating {rating}/5")
        if settings.SATISFACTION_REOPEN_LOW and feedback.status == Status.CLOSED:
            feedback_transition(feedback_id=feedback.pk, name="reopen", actor=actor,
                                note=f"满意度评分 {rating}/5: {survey.comment}"[:500])
    return survey
