"""Replies to reporters, and the close-the-loop rule: what answer a close needs.

The rule (docs/closing-the-loop.md, "The close guard"): closing needs a reply recorded **after the
item's last reopen** whose kind matches the resolution —

| resolution | the reply that answers it |
| --- | --- |
| fixed | kind `fixed`, naming the release (the item's "fixed in" version, or a version number) |
| won't fix / by design / not reproducible | kind `not_now` / `by_design` / `not_reproducible`: the reason, typed as the reply or rendered from the template, which requires `{reason}` |
| answered | kind `answered` |
| duplicate | kind `duplicate`: typed, or the canonical item's answer |

"Received" acknowledgements and progress replies (`in_progress`, `other`) never answer anything.
Only where the reporter cannot be answered does a stated `no_reply_reason` replace the reply.

This module sits between the workflow service (which calls `close_answer` before the step and
`reply_record` after it) and the outbox (which carries each reply); it imports the outbox, never
the service, so there is no import circle.
"""
from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.choices import Resolution
from feedback_archive.feedback.models import Feedback

from .models import Reply, ReplyEvent, TemplateLanguage, TransitionLog
from .outbox import delivery_enqueue_reply, reply_template_render, reporter_language, template_context

# The kind of reply that answers each resolution.
RESOLUTION_EVENT = {
    Resolution.FIXED: ReplyEvent.FIXED,
    Resolution.ANSWERED: ReplyEvent.ANSWERED,
    Resolution.DUPLICATE: ReplyEvent.DUPLICATE,
    Resolution.WONT_FIX: ReplyEvent.NOT_NOW,
    Resolution.NOT_REPRODUCIBLE: ReplyEvent.NOT_REPRODUCIBLE,
    Resolution.BY_DESIGN: ReplyEvent.BY_DESIGN,
}
# The kinds that answer a close at all; "received", "in_progress" and "other" do not.
ANSWER_EVENTS = frozenset(RESOLUTION_EVENT.values())
# Resolutions whose answer is a reason.
REASON_RESOLUTIONS = frozenset({Resolution.WONT_FIX, Resolution.NOT_REPRODUCIBLE, Resolution.BY_DESIGN,
                                Resolution.ANSWERED})
# What a template cannot be sent without: rendering refuses when the value is empty.
TEMPLATE_REQUIRES = {
    ReplyEvent.FIXED: "release", ReplyEvent.NOT_NOW: "reason", ReplyEvent.NOT_REPRODUCIBLE: "reason",
    ReplyEvent.BY_DESIGN: "reason", ReplyEvent.ANSWERED: "reason", ReplyEvent.DUPLICATE: "canonical",
}
_VERSION = re.compile(r"\d+\.\d+")
_RELEASE_LINE = {TemplateLanguage.ZH: "修复版本：{release}。", TemplateLanguage.EN: "Fixed in version {release}."}


# --- writing ---------------------------------------------------------------------------------------------
def reply_record(*, feedback: Feedback, body: str, actor: Actor, event: str = ReplyEvent.OTHER) -> Reply:
    body = body.strip()
    if not body:
        raise ApplicationError("empty reply", fields={"reply": [_("A reply may not be empty.")]})
    reply = Reply.objects.create(
        feedback=feedback, reporter=feedback.reporter, event=event, body=body[:5000],
        author_id=actor.user_id, author_name=actor.name,
    )
    delivery_enqueue_reply(reply=reply)  # sent by a job after commit
    return reply


def template_reply_text(*, feedback: Feedback, event: str, **extra) -> str:
    """The event's template text in the reporter's language; refuses (400 naming the field) when
    the value the template exists to carry — the reason, the release, the canonical item — is empty."""
    required = TEMPLATE_REQUIRES.get(event)
    if required and not str(template_context(feedback, **extra).get(required) or "").strip():
        raise ApplicationError("template value missing", fields={required: [
            _("The “%(event)s” reply needs %(field)s.") % {"event": ReplyEvent(event).label, "field": required}]})
    return reply_template_render(feedback=feedback, event=event, **extra)[1]


def reply_from_template(*, feedback: Feedback, event: str, actor: Actor, **extra) -> Reply:
    """Record a reply written from the event's template in the reporter's language (the roadmap
    uses it for "fixed in X"); it goes out through the outbox like any other reply."""
    return reply_record(feedback=feedback, body=template_reply_text(feedback=feedback, event=event, **extra),
                        actor=actor, event=event)


def feedback_acknowledge(*, feedback_ids: list[int]) -> int:
    """The "received" reply, from its template, for new feedback of channels that acknowledge
    receipt (`Channel.acknowledge`) and whose reporter can be answered. Idempotent: an item that was
    acknowledged once is not acknowledged again (a retried job, a re-run import). Returns how many."""
    pending = (Feedback.objects.filter(pk__in=feedback_ids, channel__acknowledge=True, channel__can_reply=True,
                                       reporter__isnull=False, reporter__erased_at__isnull=True)
               .exclude(pk__in=Reply.objects.filter(event=ReplyEvent.RECEIVED).values("feedback_id"))
               .select_related("channel", "reporter"))
    done = 0
    for feedback in pending:
        with transaction.atomic():
            reply_from_template(feedback=feedback, event=ReplyEvent.RECEIVED, actor=Actor.system())
        done += 1
    return done


# --- the close rule --------------------------------------------------------------------------------------
def last_reopen_at(feedback_id: int):
    return (TransitionLog.objects.filter(feedback_id=feedback_id, name="reopen").order_by("-at", "-id")
            .values_list("at", flat=True).first())


def answers_since_reopen(feedback_id: int):
    """The replies that answer something, recorded after the item's last reopen."""
    qs = Reply.objects.filter(feedback_id=feedback_id, event__in=ANSWER_EVENTS)
    since = last_reopen_at(feedback_id)
    return qs.filter(created_at__gt=since) if since else qs


def canonical_answer(feedback_id: int) -> str:
    """The latest answer an item's reporter got since its last reopen (what its duplicates hear)."""
    reply = answers_since_reopen(feedback_id).order_by("-created_at", "-id").values_list("body", flat=True).first()
    return reply or ""


def _names_release(feedback: Feedback, text: str) -> bool:
    if feedback.fixed_in_id and feedback.fixed_in:
        return feedback.fixed_in.version in text
    return bool(_VERSION.search(text))


def _release_hint(feedback: Feedback) -> str:
    if feedback.fixed_in_id and feedback.fixed_in:
        return _("the reply must name the release %(version)s") % {"version": feedback.fixed_in.version}
    return _("the reply must name the release the fix ships in (e.g. 5.4.2), or set “fixed in” first")


def close_answer(*, feedback: Feedback, resolution: str, reply: str = "", reason: str = "") -> tuple[str, str] | None:
    """Check a close against the rule above, before the step. Returns (event, text) of the reply
    to record with the step, None when a reply recorded since the last reopen already answers
    it, or raises ConflictError saying what is missing."""
    event = RESOLUTION_EVENT.get(resolution)
    if feedback.no_reply_reason:  # the reporter cannot be answered, and the agent said why
        return (event or ReplyEvent.OTHER, reply.strip()) if reply.strip() else None  # typed text is kept
    if event is None:
        return None  # no resolution: the state machine's own guard refuses the step
    label = Resolution(resolution).label
    reply, reason = reply.strip(), reason.strip()
    if reply:
        if resolution == Resolution.FIXED and not _names_release(feedback, reply):
            if not (feedback.fixed_in_id and feedback.fixed_in):
                raise ConflictError(_("Closing as fixed: %(hint)s.") % {"hint": _release_hint(feedback)})
            # the release is known: the reporter is told it, in their language, after the agent's text
            reply = f"{reply}\n\n{_RELEASE_LINE[reporter_language(feedback)].format(release=feedback.fixed_in.version)}"
        return event, reply
    if reason and resolution in REASON_RESOLUTIONS:
        return event, template_reply_text(feedback=feedback, event=event, reason=reason)
    if resolution == Resolution.DUPLICATE and feedback.canonical_id:
        answer = canonical_answer(feedback.canonical_id)
        if answer:
            text = template_reply_text(feedback=feedback, event=event)
            return event, f"{text}\n\n{answer}".strip()
    earlier = answers_since_reopen(feedback.pk).filter(event=event)
    if resolution == Resolution.FIXED:
        if any(_names_release(feedback, body) for body in earlier.values_list("body", flat=True)):
            return None
    elif earlier.exists():
        return None
    since = last_reopen_at(feedback.pk)
    after = _(" after the reopen of %(at)s") % {"at": f"{since:%Y-%m-%d %H:%M}"} if since else ""
    needs = {
        Resolution.FIXED: _("a “fixed” reply naming the release"),
        Resolution.DUPLICATE: _("a reply, or the canonical item's answer (close the canonical item first)"),
    }.get(resolution, _("a reply giving the reason (reply, or reason to send the template)"))
    raise ConflictError(
        _("Closing as %(resolution)s needs %(needs)s%(after)s; progress replies and receipt acknowledgements "
          "do not count. Reply to the reporter, or state why the channel cannot be answered.")
        % {"resolution": label, "needs": needs, "after": after}
    )
