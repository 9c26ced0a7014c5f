"""Post-incident review: a critical item's fix is verified only after a review with cause, fix and a
follow-up action with an owner and a due date; a problem's review covers its members; export."""
import datetime as dt

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ConflictError
from feedback_archive.feedback.models import Feedback, Problem
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.taxonomy.models import Label
from feedback_archive.workflow.incidents import review_rows
from feedback_archive.workflow.models import FollowUpAction, IncidentReview
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
FIXED = "您好，消息丢失问题已在 5.5.1 修复，请升级。"


def _verifying(make_feedback, agent, text="升级后聊天记录全部丢失"):
    a = Actor.for_user(agent)
    fb = make_feedback(text)
    feedback_set_labels(feedback=fb, labels={"severity": "critical"}, actor=a)
    feedback_transition(feedback_id=fb.pk, name="start", actor=a)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=a, note="迁移脚本回滚")
    return fb


def test_a_critical_fix_needs_a_complete_review_before_verification(make_feedback, agent, verifier):
    fb = _verifying(make_feedback, agent)
    v = Actor.for_user(verifier)
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply=FIXED)
    assert "post-incident review" in exc.value.message
    review = IncidentReview.objects.create(feedback=fb, cause="数据库迁移脚本未处理旧表", fix="5.5.1 回滚并补迁移")
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply=FIXED)
    assert "follow-up action" in exc.value.message
    assert Feedback.objects.get(pk=fb.pk).status == "verifying"
    FollowUpAction.objects.create(review=review, description="迁移脚本加回归测试", owner=agent,
                                  due_date=dt.date(2025, 6, 30))
    assert feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply=FIXED).status == "closed"


def test_non_critical_items_and_non_fix_closes_need_no_review(make_feedback, agent, verifier):
    a = Actor.for_user(agent)
    fb = make_feedback("表情面板偶尔加载慢")
    feedback_transition(feedback_id=fb.pk, name="start", actor=a)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=a)
    assert feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed",
                               reply=FIXED).status == "closed"


def test_a_problem_review_covers_its_members(make_feedback, agent, verifier):
    problem = Problem.objects.create(title="升级后聊天记录丢失",
                                     severity=Label.objects.get(dimension__code="severity", code="critical"))
    fb = make_feedback("换新手机登录后历史消息没了")
    Feedback.objects.filter(pk=fb.pk).update(problem=problem)
    a = Actor.for_user(agent)
    feedback_transition(feedback_id=fb.pk, name="start", actor=a)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=a)
    with pytest.raises(ConflictError):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed", reply=FIXED)
    review = IncidentReview.objects.create(problem=problem, cause="漫游同步接口超时", fix="改为分页拉取")
    FollowUpAction.objects.create(review=review, description="同步接口加监控", owner=verifier, due_date=dt.date(2025, 7, 1))
    assert feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed",
                               reply=FIXED).status == "closed"


def test_list_and_export(make_feedback, agent, admin_client):
    fb = _verifying(make_feedback, agent)
    review = IncidentReview.objects.create(feedback=fb, cause="=HYPERLINK(\"x\")", fix="回滚", created_by_name="lina")
    FollowUpAction.objects.create(review=review, description="补监控", owner=agent, due_date=dt.date(2025, 6, 30))
    rows = review_rows()
    assert rows[1][1] == fb.pk and rows[1][5] == "补监控" and rows[1][6] == agent.username
    page = admin_client.get("/admin/workflow/incidentreview/")
    assert page.status_code == 200 and "2025" in page.content.decode()
    r = admin_client.post("/admin/workflow/incidentreview/", {"action": "export_csv", "_selected_action": [review.pk]})
    body = r.content.decode("utf-8-sig")
    assert r["Content-Type"].startswith("text/csv") and "补监控" in body and "'=HYPERLINK" in body
