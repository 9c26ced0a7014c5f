"""Who may act on which feedback — enforced in the services, so the admin, the API and bulk
actions obey the same rule.

People act on feedback of their own teams (members and the lead), on feedback no team owns yet
(the triage pool), and on other teams' feedback only where that team is open to others.
Administrators and superusers act everywhere; the read-only role nowhere. API keys and jobs are
governed by their scopes, checked at the API's edge."""
from django.utils.translation import gettext as _

from .actors import Actor
from .exceptions import PermissionDeniedError
from .roles import ADMINISTRATOR


def is_administrator(user) -> bool:
    return bool(user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists())


def user_can_change(user, feedback) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_administrator(user):
        return True
    if not user.has_perm("feedback.change_feedback"):
        return False
    team = feedback.team
    if team is None or team.open_to_other_teams:
        return True
    return team.lead_id == user.pk or team.members.filter(pk=user.pk).exists()


def check_can_change(actor: Actor, feedback) -> None:
    if actor.user is None:  # an API key or a job
        return
    if not user_can_change(actor.user, feedback):
        if not actor.user.has_perm("feedback.change_feedback"):
            raise PermissionDeniedError(_("Your role may only read feedback."))
        raise PermissionDeniedError(
            _("Feedback #%(id)s belongs to the team “%(team)s”; you are not in it, so you can only read it.")
            % {"id": feedback.pk, "team": feedback.team}
        )


def user_sees_contacts(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.has_perm("feedback.view_reporter_contact"))
