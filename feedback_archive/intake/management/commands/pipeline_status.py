"""Pipeline lag as metric lines (Prometheus text format), for a cron, a node exporter's textfile
collector or a person: `manage.py pipeline_status`. `--sweep` also runs the sweeper once."""
from django.core.management.base import BaseCommand

from feedback_archive.feedback.selectors import pipeline_lag
from feedback_archive.intake.services import pipeline_sweep


class Command(BaseCommand):
    help = "Print the intake pipeline's lag (oldest not-understood item's age, backlog depth, failed) as metric lines."

    def add_arguments(self, parser):
        parser.add_argument("--sweep", action="store_true", help="re-enqueue due retries and lost jobs, check the alert")

    def handle(self, *args, sweep=False, **options):
        if sweep:
            self.stderr.write(f"sweep: {pipeline_sweep()}")
        lag = pipeline_lag()
        age = lag["oldest_age_seconds"]
        self.stdout.write("# TYPE feedback_pipeline_oldest_age_seconds gauge")
        self.stdout.write(f"feedback_pipeline_oldest_age_seconds {0 if age is None else age}")
        self.stdout.write("# TYPE feedback_pipeline_depth gauge")
        self.stdout.write(f"feedback_pipeline_depth {lag['depth']}")
        self.stdout.write("# TYPE feedback_pipeline_failed gauge")
        self.stdout.write(f"feedback_pipeline_failed {lag['failed']}")
