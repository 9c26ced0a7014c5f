import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback_archive.api.models import Scope
from feedback_archive.api.services import api_key_issue
from feedback_archive.core.exceptions import ApplicationError, error_text


class Command(BaseCommand):
    help = "Issue an API key and print it once, alone on standard output (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", required=True, choices=Scope.values)
        parser.add_argument("--channel", help="bind the key to one channel slug (ingest keys)")
        parser.add_argument("--expires-days", type=int, help="expire the key after this many days")
        parser.add_argument("--throttle-rate", default="", help="this key's rate limit, e.g. 600/min (default: API_THROTTLE_RATE)")

    def handle(self, *args, name, scope, channel=None, expires_days=None, throttle_rate="", **options):
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            key, raw = api_key_issue(name=name, scope=scope, channel=channel, expires_at=expires_at, throttle_rate=throttle_rate)
        except ApplicationError as exc:
            raise CommandError(error_text(exc)) from exc
        self.stderr.write(f"Issued key '{key.name}' (scope {key.scope}). Store it now: it is not shown again.")
        self.stdout.write(raw)
