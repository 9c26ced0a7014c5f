"""Satisfaction: after an item closes, its reporter gets a signed, expiring link to rate the handling
(1–5 and a comment) on a small public page.

- The link carries the survey id signed with `TimestampSigner` (salt below); it expires after
  SATISFACTION_LINK_DAYS (14) days. Tampered links are refused (400), expired ones are gone (410).
- One survey per closing. Submitting again through the same link, while it is valid, updates the
  rating (a reporter who mis-tapped can correct it); a later closing after a reopen gets a new survey.
- The reporter's answer is stored by `survey_responses.survey_submit` (it may reopen the item through
  the workflow service, which itself calls `survey_after_close` here — hence two modules).
- A rating at or below SATISFACTION_LOW_RATING (2) flags the survey and writes an audit entry on the
  feedback; with SATISFACTION_REOPEN_LOW = True it also reopens the item through `feedback_transition`.
- Back-dated closings (history imports, demo data: `at` given) send nothing.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from feedback_archive.core.exceptions import ApplicationError

from .models import DeliveryMethod, Survey
from .outbox import delivery_enqueue_survey, delivery_route, reporter_language

SALT = "feedback_archive.workflow.survey"


class LinkTampered(ApplicationError):
    pass


class LinkExpired(ApplicationError):
    pass


def link_days() -> int:
    return settings.SATISFACTION_LINK_DAYS


def low_rating() -> int:
    return settings.SATISFACTION_LOW_RATING


def survey_token(survey: Survey) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(survey.pk))


def survey_url(survey: Survey) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey", args=[survey_token(survey)])


def survey_from_token(token: str) -> Survey:
    """The survey a link points to; LinkTampered / LinkExpired otherwise."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        pk = signer.unsign(token, max_age=dt.timedelta(days=link_days()))
    except signing.SignatureExpired as exc:
        raise LinkExpired("expired") from exc
    except signing.BadSignature as exc:
        raise LinkTampered("bad signature") from exc
    survey = Survey.objects.select_related("feedback", "reporter").filter(pk=int(pk)).first() if pk.isdigit() else None
    if survey is None:  # signed by us, but the item was deleted since (e.g. erasure)
        raise LinkExpired("gone")
    return survey


def survey_after_close(*, feedback, at=None) -> Survey | None:
    """Called by the workflow service right after a close, inside its transaction."""
    if at is not None:
        return None  # a back-dated closing is history: no invitation months later
    method, _recipient = delivery_route(feedback)
    if method == DeliveryMethod.NONE:
        return None  # nobody to ask
    survey = Survey.objects.create(feedback=feedback, reporter=feedback.reporter, language=reporter_language(feedback),
                                   sent_at=timezone.now())
    delivery_enqueue_survey(survey=survey, survey_url=survey_url(survey), days=link_days())
    return survey


def latest_rating(feedback) -> dict | None:
    survey = (Survey.objects.filter(feedback=feedback, rating__isnull=False).order_by("-rated_at", "-id")
              .values("rating", "comment", "rated_at").first())
    return survey
