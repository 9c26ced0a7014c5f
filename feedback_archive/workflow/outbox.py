"""Closing the loop: reply templates and the outbox that carries replies and survey invitations to
reporters.

Each message is a `Delivery` row written in the same transaction as the reply (or survey), and
sent by a django-q2 job after commit, so a rolled-back step never reaches a reporter. How it goes:

- the reporter's channel has an active `ChannelDelivery` (in-app messages, the ticket system) →
  a JSON POST to its webhook, signed with HMAC-SHA256 of the body (header X-Feedback-Signature:
  ``sha256=<hex>``). The channel's own system threads the answer into the conversation the
  reporter started, which is why it wins over e-mail;
- otherwise, the reporter's contact is an e-mail address → Django's e-mail backend;
- otherwise (no reporter, erased, a channel that cannot be answered, no address) → status
  ``not_applicable``: nothing is sent and nothing is retried.

A failed attempt is retried after OUTBOX_BACKOFF_SECONDS (1 min, 5 min, 30 min, 2 h, 12 h by
default); after the last one the delivery is a dead letter, which the admin can send again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ConflictError

from .models import (
    SURVEY_EVENT, ChannelDelivery, Delivery, DeliveryMethod, DeliveryStatus, Reply, ReplyTemplate,
    TemplateLanguage,
)

# While one worker sends, the row's next attempt is pushed this far out, so the retry sweep does
# not pick it up twice; if the worker dies mid-send, the sweep takes it again after the lease.
SEND_LEASE = dt.timedelta(minutes=10)
WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Feedback-Signature"

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def backoff_seconds() -> tuple[int, ...]:
    return tuple(settings.OUTBOX_BACKOFF_SECONDS)


# --- templates -----------------------------------------------------------------------------------------
def reporter_language(feedback) -> str:
    """'en' for reporters whose locale (or the feedback's) is English, else Chinese."""
    locale = ((feedback.reporter.locale if feedback.reporter_id and feedback.reporter else "") or feedback.locale or "").lower()
    return TemplateLanguage.EN if locale.startswith("en") else TemplateLanguage.ZH


def _fill(text: str, context: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: str(context[m.group(1)]) if m.group(1) in context else m.group(0), text)


def template_context(feedback, **extra) -> dict:
    context = {"number": feedback.pk, "title": (feedback.title or feedback.content or "")[:60],
               "release": feedback.fixed_in.version if feedback.fixed_in_id and feedback.fixed_in else "",
               "canonical": feedback.canonical_id or "", "reason": "", "expectation": ""}
    context.update({k: v for k, v in extra.items() if v is not None})
    return context


def reply_template_render(*, feedback, event: str, language: str | None = None, **extra) -> tuple[str, str]:
    """(subject, text) of the template for `event` in the reporter's language, placeholders filled.
    Falls back to the other language, then to a bare subject, so a deleted template never blocks
    a reply."""
    language = language or reporter_language(feedback)
    templates = {t.language: t for t in ReplyTemplate.objects.filter(event=event)}
    template = templates.get(language) or templates.get(TemplateLanguage.ZH) or next(iter(templates.values()), None)
    context = template_context(feedback, **extra)
    if template is None:
        subject = "Your feedback #{number}" if language == TemplateLanguage.EN else "关于您的反馈 #{number}"
        return _fill(subject, context), ""
    return _fill(template.subject, context), _fill(template.body, context)


# --- choosing the way ----------------------------------------------------------------------------------
def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def delivery_route(feedback) -> tuple[str, str]:
    """(method, recipient) for a message to this feedback's reporter."""
    reporter = feedback.reporter if feedback.reporter_id else None
    channel = feedback.channel
    if reporter is None or reporter.erased_at or not channel.can_reply:
        return DeliveryMethod.NONE, ""
    hook = ChannelDelivery.objects.filter(channel_id=channel.pk, is_active=True).first()
    if hook is not None:
        return DeliveryMethod.WEBHOOK, hook.webhook_url
    contact = (reporter.contact or "").strip()
    if _is_email(contact):
        return DeliveryMethod.EMAIL, contact
    return DeliveryMethod.NONE, ""


# --- writing to the outbox -----------------------------------------------------------------------------
def _enqueue(delivery_id: int) -> None:
    from django_q.tasks import async_task

    async_task("feedback_archive.workflow.tasks.delivery_send", delivery_id)


def _create(*, feedback, subject: str, body: str, language: str, reply: Reply | None = None, survey=None) -> Delivery:
    method, recipient = delivery_route(feedback)
    delivery = Delivery.objects.create(
        feedback=feedback, reply=reply, survey=survey, method=method, recipient=recipient, language=language,
        subject=subject[:200], body=body,
        status=DeliveryStatus.NOT_APPLICABLE if method == DeliveryMethod.NONE else DeliveryStatus.PENDING,
        next_attempt_at=None if method == DeliveryMethod.NONE else timezone.now(),
    )
    if delivery.status == DeliveryStatus.PENDING:
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def delivery_enqueue_reply(*, reply: Reply) -> Delivery:
    """Called by `reply_record`: the reply's text goes out as written by the agent, under the
    subject of its event's template."""
    feedback = reply.feedback
    language = reporter_language(feedback)
    subject = reply_template_render(feedback=feedback, event=reply.event, language=language)[0]
    return _create(feedback=feedback, reply=reply, subject=subject, body=reply.body, language=language)


def delivery_enqueue_survey(*, survey, survey_url: str, days: int) -> Delivery:
    feedback = survey.feedback
    subject, body = reply_template_render(feedback=feedback, event=SURVEY_EVENT, language=survey.language,
                                          survey_url=survey_url, days=days)
    if survey_url not in body:  # an edited template must not lose the link itself
        body = f"{body}\n\n{survey_url}".strip()
    return _create(feedback=feedback, survey=survey, subject=subject, body=body, language=survey.language)


def reply_template_text(*, feedback, event: str, **extra) -> str:
    """The template's text for an agent to start from (e.g. the close form's reply field)."""
    return reply_template_render(feedback=feedback, event=event, **extra)[1]


# --- sending ---------------------------------------------------------------------------------------------
def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(delivery: Delivery) -> dict:
    feedback = delivery.feedback
    reporter = feedback.reporter
    payload = {
        "delivery_id": delivery.pk,
        "kind": "survey" if delivery.survey_id else "reply",
        "feedback": {"id": feedback.pk, "external_id": feedback.external_id, "channel": feedback.channel.slug},
        "reporter": {"external_id": reporter.external_id if reporter else None},
        "language": delivery.language,
        "subject": delivery.subject,
        "body": delivery.body,
    }
    if delivery.reply_id:
        payload["reply"] = {"id": delivery.reply_id, "event": delivery.reply.event}
    return payload


def _send_webhook(delivery: Delivery) -> None:
    hook = ChannelDelivery.objects.filter(channel_id=delivery.feedback.channel_id, is_active=True).first()
    if hook is None:
        raise RuntimeError("the channel's webhook was removed or switched off")
    body = json.dumps(webhook_payload(delivery), ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(
        hook.webhook_url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(body, hook.secret),
                 "X-Feedback-Delivery": str(delivery.pk)},
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code}") from exc


def _send_email(delivery: Delivery) -> None:
    send_mail(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.recipient], fail_silently=False)


def claim_due(queryset, row_id: int, now):
    """Lock one outbox row (an OutboxRow: a reporter's Delivery or a team's AlertDelivery) and,
    if it is due, count the attempt and take a lease (SEND_LEASE) so a second worker leaves it
    alone; None when it is missing, done or not due."""
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).filter(pk=row_id).first()
        if row is None or row.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
            return None
        if row.next_attempt_at and row.next_attempt_at > now:
            return None  # not due yet (or another worker holds the lease)
        row.attempts += 1
        row.next_attempt_at = now + SEND_LEASE
        row.save(update_fields=["attempts", "next_attempt_at"])
        return row


def due_ids(queryset, now, limit: int) -> list[int]:
    """The outbox rows whose attempt is due, oldest first (the retry sweeps)."""
    return list(queryset.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def revive_dead(queryset, row_id: int, actor: Actor):
    """A dead letter back to pending with a fresh set of retries (call inside a transaction)."""
    row = queryset.select_for_update().get(pk=row_id)
    if row.status != DeliveryStatus.DEAD:
        raise ConflictError(_("#%(id)s: only dead letters can be sent again (this one is %(status)s).")
                            % {"id": row.pk, "status": row.get_status_display()})
    row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    row.last_error = f"{row.last_error}\n— retried by {actor.name}".strip()[-2000:]
    row.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    return row




def outbox_attempt(queryset, row_id: int, now, send) -> str:
    """One attempt at one outbox row, if it is due (`claim_due`): `send(row)` raises on failure;
    the outcome is recorded — sent, retrying after the next backoff step, or a dead letter after
    the last. Safe to run twice. Returns the status afterwards ("missing" for an unknown id)."""
    row = claim_due(queryset, row_id, now)
    if row is None:
        return queryset.filter(pk=row_id).values_list("status", flat=True).first() or "missing"
    error = ""
    try:
        send(row)
    except Exception as exc:  # any failure is retried; the reason is kept for the admin
        error = f"{type(exc).__name__}: {exc}"[:2000]
    fields = ["status", "next_attempt_at", "last_error"]
    if not error:
        row.status, row.next_attempt_at, row.sent_at = DeliveryStatus.SENT, None, now
        fields.append("sent_at")
    else:
        steps = backoff_seconds()
        row.last_error = error
        if row.attempts > len(steps):
            row.status, row.next_attempt_at = DeliveryStatus.DEAD, None
        else:
            row.status = DeliveryStatus.RETRYING
            row.next_attempt_at = now + dt.timedelta(seconds=steps[row.attempts - 1])
    row.save(update_fields=fields)
    return row.status


def _deliver(delivery: Delivery) -> None:
    if delivery.method == DeliveryMethod.WEBHOOK:
        _send_webhook(delivery)
    else:
        _send_email(delivery)


def delivery_send(*, delivery_id: int, now=None) -> str:
    """One attempt, if the delivery is due; safe to run twice. Returns the status afterwards."""
    return outbox_attempt(Delivery.objects.select_related("feedback__channel", "feedback__reporter", "reply"),
                          delivery_id, now or timezone.now(), _deliver)


def delivery_send_due(*, now=None, limit: int = 500) -> int:
    """The retry sweep: every delivery whose time has come (and pending ones a lost job left)."""
    now = now or timezone.now()
    ids = due_ids(Delivery.objects, now, limit)
    for delivery_id in ids:
        delivery_send(delivery_id=delivery_id, now=now)
    return len(ids)


@transaction.atomic
def delivery_retry(*, delivery_id: int, actor: Actor) -> Delivery:
    """Send a dead letter again, with a fresh set of retries (after the receiver was fixed)."""
    delivery = revive_dead(Delivery.objects, delivery_id, actor)
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def delivery_retry_many(*, delivery_ids: list[int], actor: Actor) -> tuple[list[int], dict[int, str]]:
    return tuple(each(delivery_ids, lambda delivery_id: delivery_retry(delivery_id=delivery_id, actor=actor)))

