"""Certification: pass marks per dimension on a quiz from the gold set, one record per quiz, expiry
when the standard changes a definition, the leads' board with κ between agents, and the strict
setting under which only certified agents confirm labels."""
import pytest
from django.urls import reverse

from feedback_archive.classification.models import GoldExample
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import FeedbackLabel
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.taxonomy.models import Label
from feedback_archive.workflow.certification import (
    agreement_by_pair, certification_board, certification_expire_stale, certification_quiz_start, certification_submit,
    certified_dimensions, feedback_update_checked, label_suggestion_review, labels_confirm_checked,
)
from feedback_archive.workflow.models import Certification, LabelSuggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_quiz(settings):
    settings.CERTIFICATION_QUIZ_SIZE = 10


def _answers(cert, wrong: int = 0):
    """Right on all but `wrong` items (the wrong ones pick another label of the dimension)."""
    out = {}
    for i, ans in enumerate(cert.attempt.answers.select_related("example")):
        label = ans.example.label_id
        if i < wrong:
            label = Label.objects.filter(dimension_id=ans.example.dimension_id, is_active=True).exclude(pk=label).first().pk
        out[ans.pk] = label
    return out


def test_pass_fail_and_one_record_per_quiz(agent):
    assert GoldExample.objects.filter(dimension__code="type", is_active=True).count() >= 10
    cert = certification_quiz_start(user=agent, dimension_code="type", seed=1)
    assert cert.attempt.answers.count() == 10 and cert.status == "pending"
    [done] = certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert), user=agent)
    assert (done.status, done.accuracy, done.pass_kappa, done.pass_accuracy) == ("passed", 1.0, 0.7, 0.8)
    assert certified_dimensions(user_id=agent.pk) == {"type"}
    with pytest.raises(ConflictError) as exc:
        certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert), user=agent)
    assert "already submitted" in exc.value.message
    assert Certification.objects.filter(attempt=cert.attempt).count() == 1

    failing = certification_quiz_start(user=agent, dimension_code="type", seed=2)
    [done] = certification_submit(attempt_id=failing.attempt_id, answers=_answers(failing, wrong=3), user=agent)
    assert done.status == "failed" and done.accuracy == pytest.approx(0.7)
    assert certified_dimensions(user_id=agent.pk) == {"type"}  # the earlier pass still holds


def test_pass_marks_per_dimension_from_settings(agent, settings):
    settings.CERTIFICATION_PASS_MARKS = {"*": {"kappa": 0.7, "accuracy": 0.8}, "type": {"accuracy": 0.95}}
    cert = certification_quiz_start(user=agent, dimension_code="type", seed=3)
    [done] = certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert, wrong=1), user=agent)
    assert done.status == "failed" and done.pass_accuracy == 0.95


def test_unanswered_quiz_is_refused_and_nothing_recorded(agent):
    cert = certification_quiz_start(user=agent, dimension_code="type", seed=4)
    with pytest.raises(ApplicationError):
        certification_submit(attempt_id=cert.attempt_id, answers={}, user=agent)
    cert.refresh_from_db()
    assert cert.status == "pending" and cert.attempt.submitted_at is None


def test_gold_set_too_small(agent, settings):
    settings.CERTIFICATION_QUIZ_SIZE = 10_000
    with pytest.raises(ApplicationError) as exc:
        certification_quiz_start(user=agent, dimension_code="type")
    assert "gold set" in str(exc.value.fields)


def test_a_definition_change_expires_passes_and_open_quizzes(agent):
    cert = certification_quiz_start(user=agent, dimension_code="type", seed=5)
    certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert), user=agent)
    pending = certification_quiz_start(user=agent, dimension_code="type", seed=6)
    label = Label.objects.filter(dimension__code="type", is_active=True).first()
    Label.objects.filter(pk=label.pk).update(name_zh="改个名字")  # a display change expires nobody
    assert certified_dimensions(user_id=agent.pk) == {"type"}
    Label.objects.filter(pk=label.pk).update(definition=label.definition + "（不含界面文案问题）")
    assert certified_dimensions(user_id=agent.pk) == set()
    assert certification_expire_stale() == 1
    with pytest.raises(ConflictError) as exc:
        certification_submit(attempt_id=pending.attempt_id, answers=_answers(pending), user=agent)
    assert "expired" in exc.value.message
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.attempt.submitted_at is None
    row = next(r for r in certification_board() if r["dimension"] == "type")
    assert row["certified"] is False and row["expired"] is True


def test_agreement_between_agents_per_pair(make_feedback, agent, verifier, make_user):
    third = make_user("wangfang", role="分诊员")
    a, b, c = Actor.for_user(agent), Actor.for_user(verifier), Actor.for_user(third)
    # the same ten gold examples: zhangwei right on all, lina wrong on two → 8 of 10 agree
    for user, wrong in ((agent, 0), (verifier, 2)):
        cert = certification_quiz_start(user=user, dimension_code="type", seed=11)
        certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert, wrong=wrong), user=user)
    # one feedback both labelled, differently (the audit trail)
    fb = make_feedback("希望支持消息定时发送")
    feedback_set_labels(feedback=fb, labels={"type": "function"}, actor=a)
    feedback_set_labels(feedback=fb, labels={"type": "experience"}, actor=b)
    other = make_feedback("群公告看不到")
    feedback_set_labels(feedback=other, labels={"type": "function"}, actor=a)
    feedback_set_labels(feedback=other, labels={"type": "experience"}, actor=c)
    rows = {(r["agent_a"], r["agent_b"]): r for r in agreement_by_pair(dimension_code="type")}
    pair = rows[tuple(sorted([agent.username, verifier.username]))]
    assert pair["items"] == 11 and pair["agreement"] == round(8 / 11, 4) and 0 < pair["kappa"] < 1
    assert rows[tuple(sorted([a.name, c.name]))] == {"dimension": "type", "agent_a": min(a.name, c.name),
                                                     "agent_b": max(a.name, c.name), "items": 1, "agreement": 0.0,
                                                     "kappa": 0.0}


def test_strict_setting_refuses_uncertified_confirmations_and_keeps_them_for_review(settings, make_feedback, agent, verifier):
    settings.CERTIFICATION_REQUIRED_TO_CONFIRM = True
    fb = make_feedback("语音消息点开没有声音")
    novice = Actor.for_user(agent)
    with pytest.raises(ConflictError) as exc:
        feedback_update_checked(feedback_id=fb.pk, actor=novice, labels={"type": "function"}, assignee="lina")
    assert "not certified on: type" in exc.value.message
    fb.refresh_from_db()
    assert not FeedbackLabel.objects.filter(feedback=fb).exists() and fb.assignee_id is None  # nothing half-saved
    suggestion = LabelSuggestion.objects.get(feedback=fb)
    assert (suggestion.label.code, suggestion.status) == ("function", "pending")
    # an uncertified reviewer cannot accept it either; a certified one can
    with pytest.raises(ConflictError):
        label_suggestion_review(suggestion_id=suggestion.pk, accept=True, actor=novice)
    cert = certification_quiz_start(user=verifier, dimension_code="type", seed=7)
    certification_submit(attempt_id=cert.attempt_id, answers=_answers(cert), user=verifier)
    label_suggestion_review(suggestion_id=suggestion.pk, accept=True, actor=Actor.for_user(verifier))
    assert FeedbackLabel.objects.get(feedback=fb).label.code == "function"
    # API keys (integrations) are not people and are not subject to it
    labels_confirm_checked(feedback=fb, labels={"type": "performance"}, actor=Actor(key_name="importer", via="api"))


def test_strict_setting_through_the_api(settings, make_feedback, agent, client):
    settings.CERTIFICATION_REQUIRED_TO_CONFIRM = True
    fb = make_feedback("文件传输助手发不出图片")
    client.force_login(agent)
    r = client.patch(f"/api/v1/feedback/{fb.pk}/", {"labels": {"type": "function"}}, content_type="application/json")
    assert r.status_code == 409 and "尚未通过以下维度的认证：type" in str(r.json())
    assert LabelSuggestion.objects.filter(feedback=fb).count() == 1


def test_admin_board_and_quiz_pages(admin_client, admin_user):
    resp = admin_client.post(reverse("admin:workflow_certification_start"), {"dimension": "type"})
    cert = Certification.objects.get()
    assert resp.url == reverse("admin:workflow_certification_take", args=[cert.attempt_id])
    assert admin_client.get(resp.url).status_code == 200
    data = {f"answer_{k}": v for k, v in _answers(cert).items()}
    resp = admin_client.post(reverse("admin:workflow_certification_take", args=[cert.attempt_id]), data)
    assert resp.status_code == 302
    resp = admin_client.post(reverse("admin:workflow_certification_take", args=[cert.attempt_id]), data, follow=True)
    assert "记录保持不变" in resp.content.decode()
    assert Certification.objects.count() == 1
    board = admin_client.get(reverse("admin:workflow_certification_board")).content.decode()
    assert admin_user.username in board and "✔" in board
