"""What one click on the item page does, as one transaction over the lower layers' services.

The desk's workflow buttons sit beside the label, owner and release fields: an agent corrects
严重程度 and clicks 开始处理 expecting both to happen. `desk_step` saves the pending edits
(`feedback_update`: one audit entry per changed field) and then runs the transition
(`feedback_transition`) in the same transaction, so either both are stored or nothing is and the
caller gets the refusal to show beside everything the agent typed."""
from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.core.roles import ADMINISTRATOR, AGENT, LEAD, ROLES, VIEWER, roles_sync
from feedback_archive.feedback.models import Feedback
from feedback_archive.workflow.certification import feedback_update_checked
from feedback_archive.workflow.services import feedback_transition


def desk_step(
    *, feedback_id: int, actor: Actor, expected_version: int | None, labels: dict | None = None,
    assignee: str | None = ..., team: str | None = ..., release: str | None = ..., fixed_in: str | None = ...,
    transition: str = "", note: str = "", resolution: str = "", reply: str = "", no_reply_reason: str = "",
) -> Feedback:
    """Edits first, then the optional transition; raises ApplicationError (nothing stored) when
    either is refused. Starting an item nobody owns assigns it to the agent who starts it. The version the agent saw guards the edits; the transition then runs
    against the version the edits produced (same transaction, row locked by feedback_update)."""
    with transaction.atomic():
        feedback = feedback_update_checked(  # the certification rule, then feedback_update
            feedback_id=feedback_id, actor=actor, labels=labels, assignee=assignee, team=team, release=release,
            fixed_in=fixed_in, expected_version=expected_version,
        )
        if transition == "start" and feedback.assignee_id is None and assignee in (None, ...) and actor.user is not None:
            # starting an unowned item from the desk makes it the agent's: it moves from "unassigned
            # for my team" to "my feedback in progress" instead of belonging to nobody
            feedback = feedback_update_checked(feedback_id=feedback_id, actor=actor, assignee=actor.user.get_username())
        if transition:
            feedback = feedback_transition(
                feedback_id=feedback_id, name=transition, actor=actor, note=note, resolution=resolution, reply=reply,
                no_reply_reason=no_reply_reason, expected_version=feedback.version,
            )
    return feedback


# --- agents in one step ----------------------------------------------------------------------
# English aliases for the roles (the groups themselves are named in Chinese, core.roles)
ROLE_ALIASES = {"agent": AGENT, "triage": AGENT, "lead": LEAD, "team-lead": LEAD, "admin": ADMINISTRATOR,
                "administrator": ADMINISTRATOR, "viewer": VIEWER, "read-only": VIEWER, "readonly": VIEWER}


def role_resolve(role: str) -> str:
    name = ROLE_ALIASES.get(role.strip().lower(), role.strip())
    if name not in ROLES:
        choices = " | ".join([*ROLES, *ROLE_ALIASES])
        raise ApplicationError("unknown role", fields={"role": [_("Unknown role '%(role)s'. Use one of: %(choices)s.")
                                                                % {"role": role, "choices": choices}]})
    return name


@transaction.atomic
def agent_create(*, username: str, role: str, team: str | None = None, display_name: str = "", email: str = "",
                 reset: bool = False) -> tuple[object, str]:
    """A person who can log in to the desk straight away: staff, in exactly one role group, member
    (or, for a team lead, lead) of the team. Returns (user, one-time password): the password is
    shown once and never stored in clear. An existing username is refused unless `reset`, which sets
    a new password and the given role and team."""
    group_name = role_resolve(role)
    team_obj = None
    if team:
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            known = ", ".join(Team.objects.order_by("slug").values_list("slug", flat=True)) or "-"
            raise ApplicationError("unknown team", fields={"team": [_("Unknown team '%(team)s'. Known teams: %(known)s.")
                                                                    % {"team": team, "known": known}]})
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None and not reset:
        raise ApplicationError("exists", fields={"username": [
            _("'%(user)s' exists already; add --reset to give it a new password, role and team.") % {"user": username}]})
    if user is None:
        user = User(username=username)
    roles_sync()  # the groups and their permissions, also on a database created before a role changed
    password = secrets.token_urlsafe(12)
    user.is_staff = True
    user.is_active = True
    user.is_superuser = False  # roles give the permissions (管理员 has all of ours)
    if display_name:
        user.first_name = display_name[:150]
    if email:
        user.email = email
    user.set_password(password)
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=list(ROLES)))
    user.groups.add(Group.objects.get(name=group_name))
    if team_obj is not None:
        team_obj.members.add(user)
        if group_name == LEAD and team_obj.lead_id is None:
            team_obj.lead = user
            team_obj.save(update_fields=["lead"])
    return user, password
