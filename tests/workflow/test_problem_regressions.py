"""A fixed problem reported again on its fix release or later: reopened, logged, team alerted."""
import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, Problem
from feedback_archive.feedback.services import feedback_match, feedback_update, problem_create, problem_move_item
from feedback_archive.feedback.services.matching import vectoriser_reset
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.models import AlertDelivery, Delivery, TransitionLog
from feedback_archive.workflow.regressions import problem_regressions_handle
from feedback_archive.workflow.services import feedback_transition

# these tests run matching themselves: items stop after the tokens stage
UNDERSTAND_UP_TO = "tokens"
pytestmark = pytest.mark.django_db
JOB = Actor.system("job")
REPLY = "您好，3.10.1 已修复共享屏幕黑屏，升级后即可。"


@pytest.fixture
def fixed_problem(make_feedback, agent, verifier, make_user):
    product = Product.objects.create(slug="meet", name="会议")
    for v in ("3.10.0", "3.10.1", "3.11.0"):
        Release.objects.create(product=product, version=v)
    team = Team.objects.create(slug="av", name="音视频引擎组", lead=make_user("zhaolei", email="zhaolei@example.com"))
    team.members.add(agent, verifier)
    agent.email = "zhangwei@example.com"
    agent.save()
    lead = make_feedback("共享屏幕时对方看到的是黑屏", product="meet", app_version="3.10.0")
    other = make_feedback("屏幕共享别人那边全黑", product="meet", app_version="3.10.0")
    Feedback.objects.filter(pk__in=[lead.pk, other.pk]).update(team=team)
    problem = problem_create(feedback_ids=[lead.pk, other.pk], actor=JOB)
    feedback_transition(feedback_id=lead.pk, name="start", actor=Actor.for_user(agent))
    feedback_transition(feedback_id=lead.pk, name="submit", actor=Actor.for_user(agent))
    feedback_update(feedback_id=lead.pk, actor=Actor.for_user(agent), fixed_in="3.10.1")
    feedback_transition(feedback_id=lead.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed",
                        reply=REPLY)
    return problem, lead, other, team


def test_closing_the_lead_as_fixed_records_the_fix_and_closes_members(fixed_problem):
    problem, lead, other, team = fixed_problem
    problem.refresh_from_db()
    assert problem.fixed_in.version == "3.10.1" and problem.fixed_at and problem.regressed_at is None
    assert Feedback.objects.get(pk=other.pk).status == "closed"  # closed through its problem's fix release


def test_a_report_on_an_older_release_is_no_regression(fixed_problem, make_feedback):
    problem, lead, other, team = fixed_problem
    late = make_feedback("共享屏幕还是黑屏", product="meet", app_version="3.10.0")
    problem_move_item(feedback_id=late.pk, problem_id=problem.pk, actor=JOB)
    assert Problem.objects.get(pk=problem.pk).regressed_at is None
    assert problem_regressions_handle() == 0


def test_a_report_on_the_fix_release_or_later_reopens_and_alerts_once(fixed_problem, make_feedback, mailoutbox):
    problem, lead, other, team = fixed_problem
    again = make_feedback("升级到3.11.0以后共享屏幕对方又是黑屏了", product="meet", app_version="3.11.0")
    problem_move_item(feedback_id=again.pk, problem_id=problem.pk, actor=JOB)
    assert Problem.objects.get(pk=problem.pk).regressed_at is not None
    assert problem_regressions_handle() == 1
    assert problem_regressions_handle() == 0  # once per incident
    lead.refresh_from_db()
    assert lead.status == "pending"
    log = TransitionLog.objects.filter(feedback=lead, name="reopen").get()
    assert f"#{again.pk}" in log.note and "3.11.0" in log.note and "3.10.1" in log.note
    # the team is alerted through the team alert outbox, not the reporters' one
    alerts = AlertDelivery.objects.filter(feedback=lead, kind="email")
    assert sorted(alerts.values_list("target", flat=True)) == ["zhangwei@example.com", "zhaolei@example.com"]
    assert all("3.11.0" in a.body for a in alerts)
    assert not Delivery.objects.filter(feedback=lead, reply__isnull=True, survey__isnull=True).exists()


def test_matching_brings_the_report_in_and_the_sweep_reopens(fixed_problem, make_feedback):
    problem, lead, other, team = fixed_problem
    vectoriser_reset()
    again = make_feedback("共享屏幕时对方看到的是黑屏，3.11.0 又出现了", product="meet", app_version="3.11.0")
    feedback_match(feedback_ids=[again.pk])
    assert Feedback.objects.get(pk=again.pk).problem_id == problem.pk
    from feedback_archive.workflow.tasks import problem_regressions

    assert problem_regressions() == 1
    assert Feedback.objects.get(pk=lead.pk).status == "pending"
