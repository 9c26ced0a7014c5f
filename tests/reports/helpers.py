"""Problems and memberships written directly with the ORM: the problem services belong to another
area (feedback/services/problems.py); these tests only need the rows those services would write."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min

from feedback_archive.feedback.models import Feedback, Problem
from feedback_archive.taxonomy.models import Label

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=12, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def label(dimension, code):
    return Label.objects.get(dimension__code=dimension, code=code)


def make_problem(title, members, *, type=None, severity=None, **fields):
    problem = Problem.objects.create(
        title=title, type=label("type", type) if type else None,
        severity=label("severity", severity) if severity else None, lead=members[0] if members else None, **fields)
    join(problem, members)
    return problem


def join(problem, members):
    """Move items into the problem and recount it, as the membership services do."""
    Feedback.objects.filter(pk__in=[m.pk for m in members]).update(problem=problem)
    agg = Feedback.objects.filter(problem=problem).aggregate(
        n=Count("id"), reporters=Count("reporter", distinct=True), channels=Count("channel", distinct=True),
        first=Min("received_at"), last=Max("received_at"))
    Problem.objects.filter(pk=problem.pk).update(
        member_count=agg["n"], reporter_count=agg["reporters"], channel_count=agg["channels"],
        first_seen_at=agg["first"], last_seen_at=agg["last"])
    problem.refresh_from_db()
    return problem
