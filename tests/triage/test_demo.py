"""The demo loader: believable data through the real services, including the desk's review of
what problem matching did (triage/demo `_review_problem`)."""
import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.triage.demo import REVIEWED_AFTER, corpus, load_demo_data


def test_generated_items_name_their_issue_and_the_loader_keeps_it_out_of_intake():
    items = corpus.generate(40, seed=3, now=timezone.now())
    keys = {i["key"] for i in corpus.ISSUES}
    assert all(i["issue"] in keys for i in items)


@pytest.mark.django_db
def test_reviewed_reports_sit_in_problems_of_their_own_issue():
    now = timezone.now()
    created = load_demo_data(count=80, seed=5)
    assert created == Feedback.objects.count() > 0
    # the generator is deterministic for a seed and a day: the same items, matched by external id
    issue = {i["external_id"]: i["issue"] for i in corpus.generate(80, seed=5, now=now)}
    rows = list(Feedback.objects.values("pk", "external_id", "problem_id", "received_at"))
    assert all(r["problem_id"] for r in rows), "every report is in a problem after the match stage"
    by_pk = {r["pk"]: r for r in rows}
    lead_issue = {p.pk: issue.get(by_pk[p.lead_id]["external_id"]) for p in Problem.objects.filter(
        merged_into__isnull=True, lead__isnull=False)}
    reviewed = [r for r in rows if timezone.now() - r["received_at"] > REVIEWED_AFTER + dt.timedelta(minutes=5)]
    assert reviewed
    wrong = [r for r in reviewed if r["problem_id"] in lead_issue and lead_issue[r["problem_id"]] != issue[r["external_id"]]]
    assert len(wrong) <= len(reviewed) // 20, wrong  # only another team's problems are left to their own agents
    decided = Counter(ProblemProposal.objects.values_list("decision", flat=True))
    assert not decided or decided[ProblemProposal.Decision.OPEN] < sum(decided.values())
