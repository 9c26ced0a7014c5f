from django.core.management.base import BaseCommand, CommandError

from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.triage.services import agent_create


class Command(BaseCommand):
    help = ("Create a person who can log in to the desk in one step: "
            "create_agent NAME --role 分诊员|团队负责人|管理员|只读 (or agent|lead|admin|viewer) --team SLUG. "
            "Prints a one-time password.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="分诊员 | 团队负责人 | 管理员 | 只读, or agent | lead | admin | viewer")
        parser.add_argument("--team", help="slug of the team the person works in (core → teams)")
        parser.add_argument("--name", default="", help="display name, e.g. 王芳")
        parser.add_argument("--email", default="")
        parser.add_argument("--reset", action="store_true", help="the user exists: new password, role and team")

    def handle(self, *args, username, role, team=None, name="", email="", reset=False, **options):
        try:
            user, password = agent_create(username=username, role=role, team=team, display_name=name, email=email,
                                          reset=reset)
        except ApplicationError as exc:
            raise CommandError(error_text(exc)) from exc
        groups = ", ".join(user.groups.values_list("name", flat=True))
        self.stdout.write(self.style.SUCCESS(f"Login: {user.username} / {password}   ({groups}{' · ' + team if team else ''})"))
        self.stdout.write("The password is shown once; the person can change it under 修改密码 after logging in.")
