"""Every status change goes through `feedback_transition`: lock, check, transition, log, save."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError, error_text
from feedback_archive.core.permissions import check_can_change
from feedback_archive.feedback.choices import NON_FIX_RESOLUTIONS, TRANSITION_NAMES, Resolution, Status
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import audit_record, check_version, problem_mark_fixed

from .incidents import review_missing
from .models import ReplyEvent, TransitionLog
from .replies import canonical_answer, close_answer, reply_record
from .satisfaction import survey_after_close

__all__ = ["allowed_transitions", "feedback_transition", "feedback_transition_many", "reply_record"]


def allowed_transitions(feedback: Feedback) -> list[str]:
    """Names of the transitions whose source matches the current state (guards not evaluated:
    the close guard depends on the reply and resolution given with the step)."""
    names = {t.name for t in feedback.get_all_status_transitions() if t.source in (feedback.status, "*")}
    return [name for name in TRANSITION_NAMES if name in names]


def _failed_guard_reason(feedback: Feedback, name: str) -> str:
    meta = getattr(feedback, name)._django_fsm
    trans = meta.get_transition(feedback.status)
    for condition in trans.conditions if trans else []:
        if not condition(feedback):
            return str(getattr(condition, "reason", condition.__name__))
    return _("'%(name)s' is not allowed from %(status)s.") % {"name": name, "status": feedback.status}


def _last_submitter(feedback: Feedback) -> str | None:
    last = TransitionLog.objects.filter(feedback=feedback, name="submit").order_by("-at", "-id").first()
    return last.actor_name if last else None


@transaction.atomic
def feedback_transition(
    *, feedback_id: int, name: str, actor: Actor, note: str = "", resolution: str = "", reply: str = "",
    no_reply_reason: str = "", reason: str = "", expected_version: int | None = None, at=None,
) -> Feedback:
    """Move one feedback — and its duplicates, which follow their canonical item — through the
    workflow. `at` back-dates the step (imports of history, demo data); by default it is now.
    A close needs the answer `replies.close_answer` asks for: `reply` (the text), or `reason` to
    send the resolution's template."""
    feedback = _transition_one(feedback_id=feedback_id, name=name, actor=actor, note=note, resolution=resolution,
                               reply=reply, no_reply_reason=no_reply_reason, reason=reason,
                               expected_version=expected_version, at=at)
    if name == "close" and feedback.resolution == Resolution.FIXED and feedback.problem_id:
        # the problem is fixed in the lead's release: its members close through it, and a later
        # report on that release or after it is a regression (workflow/regressions.py)
        problem_mark_fixed(problem_id=feedback.problem_id, release_id=feedback.fixed_in_id, actor=actor)
    # members hear what the lead's reporter heard (its answer since its last reopen)
    follow_reply = canonical_answer(feedback.pk) if name == "close" else reply
    skipped: dict[int, str] = {}
    for dup_id in _members_following(feedback):
        try:
            with transaction.atomic():
                # the actor's scope is checked on EACH member: leading a problem gives no right over
                # another team's report (nor to answer its reporter) — issue #11 item 4
                check_can_change(actor, Feedback.objects.select_related("team").get(pk=dup_id))
                _transition_one(feedback_id=dup_id, name=name, actor=actor, resolution=feedback.resolution if name == "close" else "",
                                reply=follow_reply, no_reply_reason=no_reply_reason, at=at, following=feedback.pk,
                                note=f"{note.strip()} (#{feedback.pk})".strip())
        except PermissionDeniedError as exc:
            skipped[dup_id] = error_text(exc)
        except ApplicationError:
            continue  # a duplicate in another state, or one that needs its own reply, stays where it is
    if skipped:
        audit_record(feedback=feedback, actor=actor, field="members_not_followed", old="",
                     new="; ".join(f"#{fid}: {reason}" for fid, reason in skipped.items()))
    return feedback


def _members_following(feedback: Feedback) -> list[int]:
    """The reports that follow this one: the other members of the problem it leads (the problem
    services keep their `canonical` = the lead), and items intake linked to it that matching has not
    placed in a problem yet."""
    return list(Feedback.objects.filter(canonical=feedback).exclude(pk=feedback.pk).order_by("id")
                .values_list("id", flat=True))


def _transition_one(
    *, feedback_id: int, name: str, actor: Actor, note: str = "", resolution: str = "", reply: str = "",
    no_reply_reason: str = "", reason: str = "", expected_version: int | None = None, at=None,
    following: int | None = None,
) -> Feedback:
    if name not in TRANSITION_NAMES:
        raise ApplicationError("unknown transition", fields={"name": [_("Unknown transition '%(name)s'. Use one of: %(choices)s.") % {"name": name, "choices": ", ".join(TRANSITION_NAMES)}]})
    if resolution and resolution not in Resolution.values:
        raise ApplicationError("bad resolution", fields={"resolution": [_("Unknown resolution '%(resolution)s'. Use one of: %(choices)s.") % {"resolution": resolution, "choices": ", ".join(Resolution.values)}]})
    feedback = Feedback.objects.select_for_update(of=("self",)).select_related("team", "assignee", "reporter", "channel").get(pk=feedback_id)
    if following is None:
        check_can_change(actor, feedback)
    check_version(feedback, expected_version)
    source = feedback.status
    if name not in allowed_transitions(feedback):
        raise ConflictError(_("'%(name)s' is not allowed while the feedback is %(label)s (%(status)s).")
                            % {"name": name, "label": Status(source).label, "status": source})
    if name == "close":
        feedback.resolution = resolution or ("" if source != Status.VERIFYING else Resolution.FIXED)
        if no_reply_reason:
            if feedback.channel.can_reply and feedback.reporter_id:
                raise ConflictError(_("This reporter can be answered: write a reply instead of a reason for not replying."))
            feedback.no_reply_reason = no_reply_reason.strip()[:300]
        if source == Status.VERIFYING and following is None and (missing := review_missing(feedback)):
            raise ConflictError(missing)  # a critical item's fix is verified only after its post-incident review
        if source == Status.VERIFYING and feedback.resolution not in NON_FIX_RESOLUTIONS and following is None:
            submitter = _last_submitter(feedback)
            if submitter and submitter == actor.name and not (feedback.team and feedback.team.allow_self_verify):
                raise ConflictError(
                    _("The person who submitted the fix cannot also verify it; another agent must close it "
                      "(a team can allow self-verification in its settings).")
                )
    if name == "reject" and not note.strip():
        raise ApplicationError("reason needed", fields={"note": [_("Say why the verification failed.")]})
    method = getattr(feedback, name)
    if not can_proceed(method):
        raise ConflictError(_failed_guard_reason(feedback, name))
    # close the loop: the answer this resolution needs (raises 409 naming what is missing)
    answer = close_answer(feedback=feedback, resolution=feedback.resolution, reply=reply, reason=reason) \
        if name == "close" else None

    now = at or timezone.now()
    since = feedback.status_changed_at or feedback.created_at
    method()
    fields = ["status", "status_changed_at", "version", "updated_at"]
    feedback.status_changed_at = now
    if name == "start" and feedback.first_response_at is None:
        feedback.first_response_at = now
        fields.append("first_response_at")
    if name == "close":
        feedback.resolved_at = now
        fields += ["resolution", "resolved_at", "no_reply_reason"]
        if feedback.first_response_at is None:
            feedback.first_response_at = now
            fields.append("first_response_at")
    if name == "reopen":  # the next close needs its own resolution and its own reply
        feedback.resolution = ""
        feedback.resolved_at = None
        feedback.no_reply_reason = ""
        fields += ["resolution", "resolved_at", "no_reply_reason"]
    feedback.version += 1
    try:
        feedback.save(update_fields=fields)
    except ConcurrentTransition as exc:
        raise ConflictError(_("Someone else changed the status of feedback #%(id)s first; reload it.") % {"id": feedback.pk}) from exc

    if answer is not None:
        reply_record(feedback=feedback, body=answer[1], actor=actor, event=answer[0])
    elif reply.strip() and name != "close":
        reply_record(feedback=feedback, body=reply, actor=actor, event=ReplyEvent.IN_PROGRESS)
    TransitionLog.objects.create(
        feedback=feedback, name=name, source=source, target=feedback.status, actor_id=actor.user_id,
        actor_name=actor.name, via=actor.via, owner_id=feedback.assignee_id,
        owner_name=feedback.assignee.get_username() if feedback.assignee else "", team_id=feedback.team_id,
        at=now, note=note.strip(), resolution=feedback.resolution if name == "close" else "",
        seconds_in_previous=max(0.0, (now - since).total_seconds()),
    )
    audit_record(feedback=feedback, actor=actor, field="status", old=source, new=feedback.status)
    if name == "close" and feedback.resolution:
        audit_record(feedback=feedback, actor=actor, field="resolution", old="", new=feedback.resolution)
    if name == "close":
        survey_after_close(feedback=feedback, at=at)
    return feedback


def feedback_transition_many(*, feedback_ids: list[int], name: str, actor: Actor, **kwargs) -> tuple[list[int], dict[int, str]]:
    """For bulk actions: each item on its own; returns (done ids, {id: reason} for the refused)."""
    return tuple(each(feedback_ids, lambda fid: feedback_transition(feedback_id=fid, name=name, actor=actor, **kwargs)))
