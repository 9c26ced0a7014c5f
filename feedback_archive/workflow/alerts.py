"""The team alert outbox: alerts to a team's people and group bots, with the outbox's guarantees.

Callers decide *that* a team is alerted and with what text (reports/alerts.py for early warnings,
workflow/regressions.py for regressions); this module decides nothing about content. It writes one
`AlertDelivery` per recipient in the caller's transaction, sends each after the commit (so a
rolled-back decision alerts nobody), retries a failure after OUTBOX_BACKOFF_SECONDS like the
reporter outbox (workflow/outbox.py), and after the last try keeps a dead letter that the admin
can send again. E-mail goes through Django's backend; Feishu, DingTalk and WeCom group bots through
workflow/bots.py (the vendors' signing and error codes).

Why a second table beside `Delivery`: a reporter delivery belongs to one item's reporter (its reply
or survey, the channel's webhook); an alert belongs to a team's endpoint (a bot and its secret) and
may be about a problem rather than one item."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.models import Team

from . import bots
from .models import AlertDelivery, AlertEndpoint, AlertKind, DeliveryStatus
from .outbox import due_ids, outbox_attempt, revive_dead

SEND_TASK = "feedback_archive.workflow.tasks.alert_send"
SUBJECT_PREFIX = "[反馈归档] "

# (kind, target, endpoint or None for an address that is no configured endpoint)
Recipient = tuple[str, str, AlertEndpoint | None]


def team_endpoints(team_id: int | None) -> list[Recipient]:
    """The team's active endpoints, plus its lead's e-mail unless an endpoint already sends there.
    `None`: the endpoints for problems no team owns."""
    out = [(e.kind, e.target, e) for e in AlertEndpoint.objects.filter(team_id=team_id, is_active=True)]
    if team_id:
        lead_email = Team.objects.filter(pk=team_id).values_list("lead__email", flat=True).first()
        if lead_email and not any(k == AlertKind.EMAIL and t == lead_email for k, t, _e in out):
            out.append((AlertKind.EMAIL, lead_email, None))
    return out


def email_recipients(addresses: Iterable[str]) -> list[Recipient]:
    return [(AlertKind.EMAIL, address, None) for address in addresses]


def alert_enqueue(*, recipients: list[Recipient], subject: str, body: str, feedback_id: int | None = None,
                  now=None) -> list[AlertDelivery]:
    """One delivery per recipient, written now, sent after the caller's commit."""
    now = now or timezone.now()
    rows = [AlertDelivery(feedback_id=feedback_id, endpoint=endpoint, kind=kind, target=target[:500],
                          subject=subject[:200], body=body, status=DeliveryStatus.PENDING, next_attempt_at=now)
            for kind, target, endpoint in recipients]
    created = AlertDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in created]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from django_q.tasks import async_task  # looked up at call time: tests replace it

    for delivery_id in ids:
        async_task(SEND_TASK, delivery_id)


# --- sending -----------------------------------------------------------------------------------------
def _send(d: AlertDelivery) -> None:
    if d.kind == AlertKind.EMAIL:
        send_mail(d.subject, d.body, settings.DEFAULT_FROM_EMAIL, [d.target], fail_silently=False)
    else:
        secret = d.endpoint.secret if d.endpoint else ""
        bots.bot_send(d.kind, d.target, secret, title=d.subject.removeprefix(SUBJECT_PREFIX), text=d.body)


def alert_send(*, delivery_id: int, now=None) -> str:
    """One attempt, if due; safe to run twice. Returns the status afterwards."""
    return outbox_attempt(AlertDelivery.objects.select_related("endpoint"), delivery_id, now or timezone.now(), _send)


def alert_send_due(*, now=None, limit: int = 200) -> int:
    """The retry sweep: every alert whose time has come (and pending ones a lost job left)."""
    now = now or timezone.now()
    ids = due_ids(AlertDelivery.objects, now, limit)
    for delivery_id in ids:
        alert_send(delivery_id=delivery_id, now=now)
    return len(ids)


@transaction.atomic
def alert_retry(*, delivery_id: int, actor: Actor) -> AlertDelivery:
    """Send a dead letter again, with a fresh set of retries (after the endpoint was fixed)."""
    d = revive_dead(AlertDelivery.objects, delivery_id, actor)
    transaction.on_commit(lambda: _enqueue([d.pk]))
    return d


def alert_retry_many(*, delivery_ids: list[int], actor: Actor) -> tuple[list[int], dict[int, str]]:
    return tuple(each(delivery_ids, lambda delivery_id: alert_retry(delivery_id=delivery_id, actor=actor)))
