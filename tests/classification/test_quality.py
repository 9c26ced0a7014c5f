"""Quality numbers on a hand-computed example: suggestions vs confirmed labels, agents vs agents."""
import pytest
from django.urls import reverse

from feedback_archive.classification import metrics, selectors
from feedback_archive.classification.models import GoldExample, QuizAnswer, QuizAttempt, Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.taxonomy.models import Dimension, Label


def test_summary_by_hand():
    # suggested ↓ / confirmed →: perf-perf ×2, func-func, perf-func, func-exp, exp-exp
    m = {("performance", "performance"): 2, ("function", "function"): 1, ("performance", "function"): 1,
         ("function", "experience"): 1, ("experience", "experience"): 1}
    s = metrics.summary(m, ["performance", "function", "experience", "consultation"])
    assert s["n"] == 6 and s["labels"] == ["performance", "function", "experience"]
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["expected"] == pytest.approx((3 * 2 + 2 * 2 + 1 * 2) / 36)
    assert s["kappa"] == pytest.approx(0.5)
    per = {r["label"]: r for r in s["per_label"]}
    assert per["performance"]["precision"] == pytest.approx(2 / 3) and per["performance"]["recall"] == 1.0
    assert per["function"]["precision"] == 0.5 and per["function"]["recall"] == 0.5
    assert per["experience"]["precision"] == 1.0 and per["experience"]["recall"] == 0.5
    assert s["rows"][0]["cells"] == [2, 1, 0] and s["col_totals"] == [2, 2, 2]


def test_kappa_edge_cases():
    assert metrics.summary({})["kappa"] is None
    assert metrics.summary({("a", "a"): 3})["kappa"] == 1.0
    # agreement no better than chance
    assert metrics.summary({("a", "a"): 1, ("a", "b"): 1, ("b", "a"): 1, ("b", "b"): 1})["kappa"] == pytest.approx(0.0)


TEXTS = ["视频一开就卡", "画面掉帧严重", "发不出消息", "文件传一半失败", "找不到设置入口", "界面太乱了"]
#          suggested        confirmed
PLAN = [("performance", "performance"), ("performance", "performance"), ("function", "function"),
        ("performance", "function"), ("function", "experience"), ("experience", "experience")]


@pytest.fixture
def scored(make_feedback, agent, verifier):
    dim = Dimension.objects.get(code="type")
    labels = {lab.code: lab for lab in Label.objects.filter(dimension=dim)}
    items = []
    for text, (sug, conf) in zip(TEXTS, PLAN):
        fb = make_feedback(content=text)
        Suggestion.objects.create(feedback=fb, dimension=dim, label=labels[sug], confidence=0.8, model_version="rules-2")
        feedback_set_labels(feedback=fb, labels={"type": conf}, actor=Actor.for_user(agent))
        items.append(fb)
    # a verifier overrules the agent on two items, and the agent has the last word on one of them
    feedback_set_labels(feedback=items[0], labels={"type": "function"}, actor=Actor.for_user(verifier))
    feedback_set_labels(feedback=items[2], labels={"type": "performance"}, actor=Actor.for_user(verifier))
    feedback_set_labels(feedback=items[2], labels={"type": "function"}, actor=Actor.for_user(agent))
    # the importer (not a person) does not count as a second rater
    feedback_set_labels(feedback=items[5], labels={"type": "consultation"}, actor=Actor.system("import"))
    feedback_set_labels(feedback=items[5], labels={"type": "experience"}, actor=Actor.for_user(agent))
    # two agents answered the same three quiz items
    for user in (agent, verifier):
        attempt = QuizAttempt.objects.create(user=user, user_name=user.username, dimensions=["type"])
        for i, code in enumerate(["performance", "function", "experience"]):
            ex = GoldExample.objects.create(text=f"测验题{code}", dimension=dim, label=labels[code]) if user == agent \
                else GoldExample.objects.get(text=f"测验题{code}")
            QuizAnswer.objects.create(attempt=attempt, example=ex, position=i, chosen=labels[code], correct=True)
    return dim, items


def test_suggestion_matrix_is_counted_by_the_database(scored, django_assert_max_num_queries):
    dim, items = scored
    with django_assert_max_num_queries(1):
        m = selectors.quality_suggestion_matrix(dimension=dim)
    # items[0] is now confirmed as function and items[5] experience again after the import detour
    assert m == {("performance", "function"): 2, ("performance", "performance"): 1, ("function", "function"): 1,
                 ("function", "experience"): 1, ("experience", "experience"): 1}
    s = metrics.summary(m)
    assert s["accuracy"] == pytest.approx(3 / 6)
    # rows perf 3, func 2, exp 1; cols perf 1, func 3, exp 2 → pe = (3+6+2)/36
    assert s["kappa"] == pytest.approx((3 / 6 - 11 / 36) / (1 - 11 / 36))


def test_agent_pairs_from_audit_trail_and_quiz(scored):
    dim, items = scored
    pairs = selectors.agent_label_pairs(dimension=dim)
    # audit: items[0] agent perf vs verifier func; items[2] agent (last word) func vs verifier perf
    # quiz: three agreements
    assert sorted(pairs) == sorted([("performance", "function"), ("function", "performance"),
                                    ("performance", "performance"), ("function", "function"), ("experience", "experience")])
    s = metrics.summary(metrics.matrix_from_pairs(pairs))
    assert s["accuracy"] == pytest.approx(0.6)
    assert s["kappa"] == pytest.approx((0.6 - 9 / 25) / (1 - 9 / 25))  # 0.375


def test_quality_page(admin_client, scored):
    resp = admin_client.get(reverse("admin:classification_quality"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="quality-type"' in html and "0.375" in html and "0.280" in html  # agents κ, machine κ


def test_quality_page_needs_permission(client, django_user_model):
    nobody = django_user_model.objects.create_user("guest", password="pw", is_staff=True)
    client.force_login(nobody)
    assert client.get(reverse("admin:classification_quality")).status_code == 403


@pytest.mark.parametrize("model", ["classificationrun", "classifiermodel", "goldexample", "quizattempt"])
def test_admin_lists_render(admin_client, model):
    resp = admin_client.get(reverse(f"admin:classification_{model}_changelist"))
    assert resp.status_code == 200


def test_gold_example_edit_page(admin_client):
    ex = GoldExample.objects.filter(source="tricky").first()
    resp = admin_client.get(reverse("admin:classification_goldexample_change", args=[ex.pk]))
    assert resp.status_code == 200 and ex.text in resp.content.decode()
