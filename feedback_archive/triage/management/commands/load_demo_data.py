from django.core.management.base import BaseCommand

from feedback_archive.triage.demo import load_demo_data


class Command(BaseCommand):
    help = "Fill the database with a few thousand believable Chinese feedback items (generated, not copied)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, count, seed, **options):
        def progress(done, total):
            self.stderr.write(f"\r  demo data: {done}/{total}", ending="")

        n = load_demo_data(count=count, seed=seed, progress=progress)
        self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"Loaded {n} feedback items."))
