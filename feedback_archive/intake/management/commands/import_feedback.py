from django.core.management.base import BaseCommand, CommandError

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.intake.models import JobStatus, Source
from feedback_archive.intake.services import import_job_prepare, import_job_run, import_preview

class Command(BaseCommand):
    help = ("Import feedback from a file (CSV, JSON, JSON Lines, XLSX). Resumable: running it again on "
            "the same file continues from the last committed batch; rows already stored are not doubled.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, choices=Source.values)
        parser.add_argument("--product", default="", help="product slug for rows that do not name one")
        parser.add_argument("--dry-run", action="store_true", help="read and check every row, store nothing")
        parser.add_argument("--batch", type=int, default=500, help="records per transaction (default 500)")

    def handle(self, *args, path, source, product, dry_run, batch, **options):
        try:
            if dry_run:
                return self._dry_run(path=path, source=source, product=product)
            job = import_job_prepare(source=source, path=path, product=product, batch_size=batch,
                                     actor=Actor.system("import"))
            if job.position:
                self.stderr.write(f"Resuming import #{job.pk} at record {job.position}.")
            job = import_job_run(job_id=job.pk, actor=Actor.system("import"), progress=self._progress)
        except ApplicationError as exc:
            raise CommandError(error_text(exc)) from None
        self.stderr.write("")
        self.stdout.write(
            f"Import #{job.pk} {job.status}: {job.position} records read, {job.created} created, "
            f"{job.existing} already stored, {job.invalid} invalid."
        )
        for error in job.errors[:20]:
            self.stdout.write(f"  row {error['row']} {error['field']}: {error['message']}")
        if job.status != JobStatus.DONE:
            raise CommandError(job.message or "The import stopped before the end.")

    def _progress(self, job, rate):
        total = job.total_rows or 0
        share = f" ({100 * job.position / total:.1f}%)" if total else ""
        self.stderr.write(f"\r{job.position}/{total} records{share}, {rate:.0f} records/s", ending="")
        self.stderr.flush()

    def _dry_run(self, *, path, source, product):
        result = import_preview(path=path, filename=path, source=source, product=product, limit=0)
        self.stdout.write(
            f"Dry run: {result['rows']} records, {result['valid']} feedback items valid, "
            f"{result['invalid']} rows invalid, {result['blank']} blank. Nothing was stored."
        )
        for error in result["errors"][:50]:
            self.stdout.write(f"  row {error['row']} {error['field']}: {error['message']}")

