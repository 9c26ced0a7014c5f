"""The field-level audit trail and the optimistic version every change bumps."""

from __future__ import annotations


from django.db.models import F
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ConflictError

from ..models import Feedback, FieldChange

def audit_record(*, feedback: Feedback, actor: Actor, field: str, old, new) -> None:
    if str(old or "") == str(new or ""):
        return
    FieldChange.objects.create(
        feedback=feedback, actor_id=actor.user_id, actor_name=actor.name, via=actor.via,
        field=field, old="" if old is None else str(old), new="" if new is None else str(new),
    )


def _bump(feedback: Feedback, *fields: str, count: bool = True) -> None:
    """Save `fields` and count the change in `version`. `count=False` for the machine's own writes
    (routing by a job): the version is what an agent's optimistic concurrency compares, and a
    background write an agent could not have seen must not turn their next action into a 409
    (#11 item 7: create → start with the version of the 201). The audit trail still records it."""
    if not count:
        feedback.save(update_fields=[*fields, "updated_at"])
        return
    feedback.version = F("version") + 1
    feedback.save(update_fields=[*fields, "version", "updated_at"])
    feedback.refresh_from_db(fields=["version"])


def check_version(feedback: Feedback, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != feedback.version:
        raise ConflictError(
            _("Someone else changed feedback #%(id)s (now version %(version)s, you saw %(expected)s). "
              "Reload it and try again; nothing was changed.")
            % {"id": feedback.pk, "version": feedback.version, "expected": expected_version}
        )
