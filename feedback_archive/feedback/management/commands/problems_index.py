"""Build the concept index (ProblemTerm) for problems that have none — after the migration that
turned duplicate links into problems, or after the synonym data changed (`--all` rebuilds).

    .venv/bin/python manage.py problems_index [--all] [--members 5]
"""
from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef

from feedback_archive.feedback.models import Feedback, Problem, ProblemTerm
from feedback_archive.feedback.services.problems import terms_add


class Command(BaseCommand):
    help = "Index the concepts of problems (the candidate look-up of problem matching)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="rebuild every problem's index")
        parser.add_argument("--members", type=int, default=5, help="members read per problem (lead first)")

    def handle(self, *args, all=False, members=5, **options):
        problems = Problem.objects.filter(merged_into__isnull=True)
        if all:
            ProblemTerm.objects.all().delete()
        else:
            problems = problems.exclude(Exists(ProblemTerm.objects.filter(problem=OuterRef("pk"))))
        done = 0
        for pid, lead_id in problems.values_list("id", "lead_id").iterator(chunk_size=2000):
            rows = Feedback.objects.filter(problem_id=pid).order_by("-id").values_list("id", "title", "content")[:members]
            texts = [f"{t} {c}" for _i, t, c in rows]
            if lead_id and lead_id not in {i for i, _t, _c in rows}:
                texts += [f"{t} {c}" for t, c in Feedback.objects.filter(pk=lead_id).values_list("title", "content")]
            terms_add(problem_id=pid, texts=texts)
            done += 1
        self.stdout.write(f"indexed {done} problems")
