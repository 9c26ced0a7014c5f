"""Show (and with --apply, load) what taxonomy/data/standard.yaml changes in the database.

    manage.py sync_standard                          # the diff, nothing written
    manage.py sync_standard --apply                  # write it; admins' edits are kept
    manage.py sync_standard --apply --take-standard type.performance module
"""
from django.core.management.base import BaseCommand, CommandError

from feedback_archive.core.actors import Actor
from feedback_archive.taxonomy.services import standard_sync
from feedback_archive.taxonomy.standard import StandardError, load_standard


class Command(BaseCommand):
    help = "Compare the written standard (taxonomy/data/standard.yaml) with the database; --apply loads it."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="write the changes (default: only show them)")
        parser.add_argument("--take-standard", nargs="*", default=[], metavar="CODE",
                            help="dimension or dimension.label codes where the standard replaces an admin's edits")
        parser.add_argument("--file", help="another standard file (default: the shipped one)")

    def handle(self, *args, **opts):
        try:
            standard = load_standard(opts["file"]) if opts["file"] else None
        except (OSError, StandardError) as exc:
            raise CommandError(str(exc)) from None
        changes = standard_sync(actor=Actor(key_name="sync_standard", via="system"), apply=opts["apply"],
                                take_standard=opts["take_standard"], standard=standard)
        for change in changes:
            for line in change.lines():
                self.stdout.write(line)
        updates = sum(c.action in ("create", "update") for c in changes)
        conflicts = sum(c.action == "conflict" for c in changes)
        verb = "applied" if opts["apply"] else "to apply (run with --apply)"
        self.stdout.write(f"{updates} change(s) {verb}; {conflicts} conflict(s) with admins' edits kept"
                          + (" (decide with --take-standard CODE)" if conflicts else ""))
