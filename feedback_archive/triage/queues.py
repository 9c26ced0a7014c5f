"""The desk's queues: what "my pending", "to verify by me" or "unassigned for my team" mean, as
queryset functions the list filters call too — so a queue's count on the home desk is the count
of the list its link opens. Read-only (selectors for the interface layer)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from django.http import QueryDict
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from feedback_archive.classification.selectors import with_label_or_suggestion  # noqa: F401 (the desk's filters)
from feedback_archive.core.models import Team
from feedback_archive.core.permissions import is_administrator
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback
from feedback_archive.workflow.models import TransitionLog

# Counts are exact up to CAP and shown as "1,000+" above: counting a million rows for a badge is
# what makes a home page slow (same cap as the list's CappedCountPaginator).
CAP = 1_000


def capped_count(qs: QuerySet) -> int:
    """Exact up to CAP; CAP + 1 means "more than CAP" (a LIMIT subquery, never a full count)."""
    return qs.order_by()[: CAP + 1].count()


def count_label(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{CAP:,}+" if n > CAP else f"{n:,}"


def my_team_ids(user) -> list[int]:
    return list(Team.objects.filter(Q(members=user) | Q(lead=user)).values_list("pk", flat=True).distinct())


def owned_by(qs: QuerySet, value: str | None, user) -> QuerySet:
    if value == "me":
        return qs.filter(assignee=user)
    if value == "nobody":
        return qs.filter(assignee__isnull=True)
    return qs


def in_my_teams(qs: QuerySet, user) -> QuerySet:
    """Items of the user's teams; someone in no team works the triage pool (items no team owns);
    an administrator in no team sees everything."""
    teams = my_team_ids(user)
    if teams:
        return qs.filter(team_id__in=teams)
    if is_administrator(user):
        return qs
    return qs.filter(team__isnull=True)


def in_my_scope(qs: QuerySet, user) -> QuerySet:
    """Items the user may act on (core.permissions.user_can_change as a filter)."""
    if is_administrator(user):
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team__open_to_other_teams=True) | Q(team_id__in=my_team_ids(user)))


def to_verify_by(qs: QuerySet, user) -> QuerySet:
    """Waiting for verification, in the user's scope, and not last submitted by them."""
    last_submitter = TransitionLog.objects.filter(feedback=OuterRef("pk"), name="submit").order_by("-at", "-id")
    return (in_my_scope(qs.filter(status=Status.VERIFYING), user)
            .annotate(fa_last_submitter=Subquery(last_submitter.values("actor_id")[:1]))
            .exclude(fa_last_submitter=user.pk))


def with_open_proposal(qs: QuerySet) -> QuerySet:
    return qs.with_open_proposal()




@dataclass
class Queue:
    key: str
    title: str
    params: dict
    count: int | None = None

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def count_label(self) -> str:
        return count_label(self.count)


def desk_queues(user) -> list[Queue]:
    """The home desk's queues with live counts. Each is a list URL's parameters plus the same
    queryset functions its list filters call."""
    base = Feedback.objects.all()
    queues = [
        (Queue("my_pending", _("My pending feedback"), {"owner": "me", "status__exact": Status.PENDING}),
         owned_by(base, "me", user).filter(status=Status.PENDING)),
        (Queue("my_in_progress", _("My feedback in progress"), {"owner": "me", "status__exact": Status.IN_PROGRESS}),
         owned_by(base, "me", user).filter(status=Status.IN_PROGRESS)),
        (Queue("to_verify", _("To verify by me (not submitted by me)"), {"verify": "me"}),
         to_verify_by(base, user)),
        (Queue("unassigned", _("Unassigned for my team"),
               {"owner": "nobody", "teams": "mine", "status__exact": Status.PENDING}),
         in_my_teams(owned_by(base, "nobody", user), user).filter(status=Status.PENDING)),
        (Queue("sla_breached", _("SLA breached (my teams)"), {"sla_breached": "1", "teams": "mine"}),
         in_my_teams(base.breached(True), user)),
        (Queue("proposals", _("Proposed duplicates / problem proposals"), {"proposed": "1"}),
         with_open_proposal(base)),
    ]
    out = []
    for queue, qs in queues:
        queue.count = capped_count(qs)
        out.append(queue)
    return out


def queue_neighbour(model_admin, request, obj, filters: str, direction: str = "next") -> int | None:
    """The id after (or before) `obj` in the list the agent came from: the same ChangeList (filters,
    search, ordering) the list page builds from `_changelist_filters`. When `obj` has left the
    queue (it was just started or closed), the item that took its place is next."""
    fake = copy.copy(request)
    fake.GET = QueryDict(filters)
    fake.method = "GET"
    changelist = model_admin.get_changelist_instance(fake)
    qs = changelist.get_queryset(fake)
    ids = list(qs.values_list("pk", flat=True)[:NEIGHBOUR_WINDOW])
    if obj.pk in ids:
        i = ids.index(obj.pk) + (1 if direction == "next" else -1)
        return ids[i] if 0 <= i < len(ids) else None
    # gone from the queue: in the default order (newest first) the next one is the first older one
    key = Q(received_at__lt=obj.received_at) | Q(received_at=obj.received_at, pk__lt=obj.pk)
    if direction == "previous":
        key = Q(received_at__gt=obj.received_at) | Q(received_at=obj.received_at, pk__gt=obj.pk)
    ordering = [("-id" if o == "-pk" else o) for o in dict.fromkeys(changelist.get_ordering(fake, qs))]
    if list(dict.fromkeys(ordering)) == ["-received_at", "-id"]:
        following = qs.filter(key)
        if direction == "previous":
            return following.order_by("received_at", "id").values_list("pk", flat=True).first()
        return following.values_list("pk", flat=True).first()
    return ids[0] if ids else None


# How far into a queue "next" looks for the current item (ids only: a few kB).
NEIGHBOUR_WINDOW = 5_000
