"""Personal data (PIPL / GDPR-style requests): masking, export and erasure of a reporter.
Erasure anonymises the reporter everywhere and keeps the feedback text and the statistics."""
from __future__ import annotations

import hashlib
import re

from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.permissions import user_sees_contacts

from .models import FieldChange, Reporter

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")
_PHONE = re.compile(r"^(\+?\d{3})\d+(\d{4})$")


def mask_contact(value: str) -> str:
    """wang.fang@example.com → wa***@example.com; 13812345678 → 138****5678; handles → x***."""
    value = (value or "").strip()
    if not value:
        return ""
    if m := _EMAIL.match(value):
        return f"{m.group(1)}***{m.group(2)}"
    digits = re.sub(r"[\s-]", "", value)
    if m := _PHONE.match(digits):
        return f"{m.group(1)}****{m.group(2)}"
    return value[:1] + "***"


def mask_name(value: str) -> str:
    value = (value or "").strip()
    return value[:1] + "*" * min(max(len(value) - 1, 1), 3) if value else ""


# metadata keys that hold personal data: removed on erasure, masked in exports for people who may
# not see contacts
PERSONAL_METADATA_KEYS = frozenset({"email", "phone", "name", "contact", "ip", "user"})


def _masked_metadata(metadata: dict | None) -> dict:
    return {k: ("***" if k.lower() in PERSONAL_METADATA_KEYS else v) for k, v in (metadata or {}).items()}


def reporter_export(*, reporter: Reporter, user) -> dict:
    """Everything stored about one reporter, for a data-access request, as `user` may see it: the
    same rule as the API and the change pages — name and contact (and personal metadata keys)
    masked unless the user's role may see reporters' contacts. `user` is required so that no
    export path can forget to ask."""
    sees = user_sees_contacts(user)
    name, contact = (reporter.name, reporter.contact) if sees else (mask_name(reporter.name), mask_contact(reporter.contact))
    return {
        "reporter": {"channel": reporter.channel.slug, "external_id": reporter.external_id, "name": name,
                     "contact": contact, "locale": reporter.locale, "created_at": reporter.created_at.isoformat(),
                     "erased_at": reporter.erased_at.isoformat() if reporter.erased_at else None},
        "feedback": [
            {"id": fb.pk, "received_at": fb.received_at.isoformat(), "channel": fb.channel.slug, "title": fb.title,
             "content": fb.content, "status": fb.status, "metadata": fb.metadata if sees else _masked_metadata(fb.metadata),
             "replies": [{"at": r.created_at.isoformat(), "body": r.body} for r in fb.replies.all()]}
            for fb in reporter.feedback.select_related("channel").prefetch_related("replies").order_by("received_at")
        ],
        "exported_at": timezone.now().isoformat(),
    }


@transaction.atomic
def reporter_erase(*, reporter: Reporter, actor: Actor) -> Reporter:
    """Replace the reporter's identity with a stable pseudonym, drop contact details and
    personal metadata; feedback text and figures stay. Audited on every feedback."""
    if reporter.erased_at:
        return reporter
    pseudonym = "erased-" + hashlib.sha256(f"{reporter.channel_id}:{reporter.external_id}".encode()).hexdigest()[:12]
    for fb in reporter.feedback.all():
        FieldChange.objects.create(feedback=fb, actor_id=actor.user_id, actor_name=actor.name, via=actor.via,
                                   field="reporter", old="(personal data)", new=f"erased as {pseudonym}")
        personal = {k: v for k, v in (fb.metadata or {}).items() if k.lower() in PERSONAL_METADATA_KEYS}
        if personal:
            fb.metadata = {k: v for k, v in fb.metadata.items() if k not in personal}
            fb.save(update_fields=["metadata"])
    reporter.external_id, reporter.name, reporter.contact = pseudonym, "", ""
    reporter.erased_at = timezone.now()
    reporter.save(update_fields=["external_id", "name", "contact", "erased_at", "updated_at"])
    return reporter
