"""What one click on the item page does, as one transaction over the lower layers' services.

The desk's workflow buttons sit beside the label, owner and release fields: an agent corrects
严重程度 and clicks 开始处理 expecting both to happen. `desk_step` saves the pending edits
(`feedback_update`: one audit entry per changed field) and then runs the transition
(`feedback_transition`) in the same transaction, so either both are stored or nothing is and the
caller gets the refusal to show beside everything the agent typed."""
from __future__ import annotations

from django.db import transaction

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import feedback_update
from feedback_archive.workflow.services import feedback_transition


def desk_step(
    *, feedback_id: int, actor: Actor, expected_version: int | None, labels: dict | None = None,
    assignee: str | None = ..., team: str | None = ..., release: str | None = ..., fixed_in: str | None = ...,
    transition: str = "", note: str = "", resolution: str = "", reply: str = "", no_reply_reason: str = "",
) -> Feedback:
    """Edits first, then the optional transition; raises ApplicationError (nothing stored) when
    either is refused. The version the agent saw guards the edits; the transition then runs
    against the version the edits produced (same transaction, row locked by feedback_update)."""
    with transaction.atomic():
        feedback = feedback_update(
            feedback_id=feedback_id, actor=actor, labels=labels, assignee=assignee, team=team, release=release,
            fixed_in=fixed_in, expected_version=expected_version,
        )
        if transition:
            feedback = feedback_transition(
                feedback_id=feedback_id, name=transition, actor=actor, note=note, resolution=resolution, reply=reply,
                no_reply_reason=no_reply_reason, expected_version=feedback.version,
            )
    return feedback
