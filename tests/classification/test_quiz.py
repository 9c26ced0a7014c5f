"""The gold set and the quiz, through the admin pages (Chinese by default)."""
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from feedback_archive.classification import services
from feedback_archive.classification.models import GoldExample, QuizAnswer, QuizAttempt
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.taxonomy.models import Label
from feedback_archive.taxonomy.standard import STANDARD_TAXONOMY


def test_gold_set_is_seeded_from_the_standard_and_tricky_items(db):
    standard = sum(len(lab["positive_examples"]) for d in STANDARD_TAXONOMY for lab in d["labels"])
    assert GoldExample.objects.filter(source="standard").count() == standard
    tricky = GoldExample.objects.filter(source="tricky")
    assert tricky.count() >= 30 and not tricky.filter(explanation="").exists()
    voice = GoldExample.objects.get(text="群聊里别人发的语音消息点开没有声音")
    assert (voice.dimension.code, voice.label.code) == ("module", "voice")
    for d in ("type", "severity", "scope", "module", "intent"):
        assert tricky.filter(dimension__code=d).exists()


def answer_form(html: str):
    """answer field name → {label name → label id}, from the quiz page."""
    fields = {}
    for name, value, text in re.findall(r'name="(answer_\d+)" value="(\d+)"[^>]*> ([^<]+)</label>', html):
        fields.setdefault(name, {})[text.strip()] = int(value)
    return fields


def test_agent_takes_a_quiz_and_sees_mistakes_with_definitions(admin_client, admin_user):
    resp = admin_client.get(reverse("admin:classification_quiz"))
    assert resp.status_code == 200
    resp = admin_client.post(reverse("admin:classification_quiz"), {"dimensions": ["type", "module"], "per_dimension": "4"})
    attempt = QuizAttempt.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("admin:classification_quiz_take", args=[attempt.pk])
    answers = list(attempt.answers.select_related("example__label", "example__dimension"))
    assert len(answers) == 8
    assert sorted({a.example.dimension.code for a in answers}) == ["module", "type"]

    page = admin_client.get(resp.url).content.decode()
    fields = answer_form(page)
    assert set(fields) == {f"answer_{a.pk}" for a in answers}
    assert len(fields[f"answer_{answers[0].pk}"]) in (4, 6)  # the labels of that item's dimension

    # an incomplete form is refused and nothing is stored
    resp = admin_client.post(resp.url, {f"answer_{answers[0].pk}": answers[0].example.label_id})
    assert resp.status_code == 200 and "errorlist" in resp.content.decode()
    assert QuizAttempt.objects.get().submitted_at is None

    # right on everything except one type item and one module item
    wrong = {}
    data = {}
    for a in answers:
        choice = a.example.label_id
        if a.example.dimension.code not in wrong:
            choice = Label.objects.filter(dimension=a.example.dimension).exclude(pk=a.example.label_id).first().pk
            wrong[a.example.dimension.code] = (a, choice)
        data[f"answer_{a.pk}"] = choice
    resp = admin_client.post(reverse("admin:classification_quiz_take", args=[attempt.pk]), data)
    assert resp.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == pytest.approx(6 / 8)
    assert attempt.results["type"]["correct"] == 3 and attempt.results["type"]["accuracy"] == pytest.approx(0.75)
    assert -1 <= attempt.results["module"]["kappa"] < 1
    assert QuizAnswer.objects.filter(attempt=attempt, correct=False).count() == 2

    html = admin_client.get(reverse("admin:classification_quiz_take", args=[attempt.pk])).content.decode()
    assert "75%" in html and 'id="quiz-wrong"' in html
    for a, chosen in wrong.values():
        assert escape(a.example.text) in html  # the page escapes user text (don't → don&#x27;t)
        assert escape(a.example.label.definition[:30]) in html  # the definition of the right label is taught
        assert escape(Label.objects.get(pk=chosen).definition[:30]) in html


def test_kappa_against_gold_by_hand(admin_user):
    """4 type items (gold perf, perf, func, exp); answers perf, func, func, exp → po 3/4,
    rows perf1 func2 exp1, cols perf2 func1 exp1 → pe (2+2+1)/16, κ = (0.75-0.3125)/0.6875."""
    labels = {lab.code: lab for lab in Label.objects.filter(dimension__code="type")}
    golds = [("高峰期一直转圈", "performance"), ("通话卡成幻灯片", "performance"), ("撤回按钮没反应", "function"),
             ("设置藏得太深", "experience")]
    exs = [GoldExample.objects.create(text=t, dimension=labels[c].dimension, label=labels[c]) for t, c in golds]
    attempt = QuizAttempt.objects.create(user=admin_user, user_name=admin_user.username, dimensions=["type"])
    rows = [QuizAnswer.objects.create(attempt=attempt, example=e, position=i) for i, e in enumerate(exs)]
    chosen = ["performance", "function", "function", "experience"]
    done = services.quiz_submit(attempt=attempt, answers={r.pk: labels[c].pk for r, c in zip(rows, chosen)}, user=admin_user)
    assert done.results["type"]["kappa"] == pytest.approx((0.75 - 5 / 16) / (1 - 5 / 16))
    with pytest.raises(ConflictError):
        services.quiz_submit(attempt=done, answers={}, user=admin_user)


def test_quiz_rules(agent, verifier):
    with pytest.raises(ApplicationError):
        services.quiz_start(user=agent, dimensions=["nonexistent"])
    with pytest.raises(ApplicationError):
        services.quiz_start(user=agent, dimensions=["type"], per_dimension=0)
    attempt = services.quiz_start(user=agent, dimensions=["intent"], per_dimension=500 // 10, seed=1)
    assert attempt.answers.count() == GoldExample.objects.filter(dimension__code="intent").count()  # capped by the pool
    with pytest.raises(ApplicationError):
        services.quiz_submit(attempt=attempt, answers={}, user=verifier)  # someone else's quiz


def test_agents_see_only_their_own_attempts(client, agent, verifier):
    mine = services.quiz_start(user=agent, dimensions=["type"], per_dimension=2)
    theirs = services.quiz_start(user=verifier, dimensions=["type"], per_dimension=2)
    client.force_login(agent)
    assert client.get(reverse("admin:classification_quiz")).status_code == 200
    assert client.get(reverse("admin:classification_quiz_take", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:classification_quiz_take", args=[theirs.pk])).status_code == 403
    listing = client.get(reverse("admin:classification_quizattempt_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [mine]
