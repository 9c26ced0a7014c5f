import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from feedback_archive.core.roles import AGENT, LEAD, roles_sync
from feedback_archive.feedback.models import Feedback
from feedback_archive.triage.demo import load_demo_data
from feedback_archive.triage.schedules import ensure_schedules
from feedback_archive.triage.services import agent_create

# Demo people (triage/demo): 李娜 works in the 音视频引擎组 that 张伟 leads.
DEMO_TEAM = "av-engine"
DEMO_LOGINS = [("lina", AGENT, "分诊员 (agent)"), ("zhangwei", LEAD, "团队负责人 (team lead)")]


class Command(BaseCommand):
    help = "Set up (or update) a database: migrate, schedules, an admin login, demo data when empty."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
        parser.add_argument("--demo-count", type=int, default=3000)
        parser.add_argument("--admin", default="admin", help="username of the administrator login")

    def handle(self, *args, no_demo=False, demo_count=3000, admin="admin", **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stderr.write("  database migrated")
        ensure_schedules()
        roles_sync()
        User = get_user_model()
        password = secrets.token_urlsafe(9)
        user, created = User.objects.get_or_create(username=admin, defaults={"is_staff": True, "is_superuser": True,
                                                                              "email": f"{admin}@example.com"})
        user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        if not no_demo and not Feedback.objects.exists():
            self.stderr.write(f"  loading {demo_count} demo feedback items (a few minutes)…")
            load_demo_data(count=demo_count, progress=lambda d, t: self.stderr.write(f"\r  demo data: {d}/{t}", ending=""))
            self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"Admin login: {admin} / {password}"))
        # the demo's people, ready to log in as a 分诊员 and a 团队负责人 (new passwords on every start)
        for username, role, label in DEMO_LOGINS:
            if User.objects.filter(username=username).exists():
                person, person_password = agent_create(username=username, role=role, team=DEMO_TEAM, reset=True)
                self.stdout.write(self.style.SUCCESS(f"{label} login: {username} / {person_password}"))
