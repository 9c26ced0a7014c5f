import json

from django.core.management.base import BaseCommand

from feedback_archive.triage.backup import archive_fingerprint, database_backup


class Command(BaseCommand):
    help = "Back up the database (SQLite backup API or pg_dump -Fc) and print the archive's fingerprint."

    def add_arguments(self, parser):
        parser.add_argument("dest", nargs="?", help="backup file; omit to print only the fingerprint")

    def handle(self, *args, dest=None, **options):
        if dest:
            self.stderr.write(f"  backup written to {database_backup(dest=dest)}")
        self.stdout.write(json.dumps(archive_fingerprint(), ensure_ascii=False))
