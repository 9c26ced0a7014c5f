"""Storing classifications: the batch path (a chunk, bulk upserts) and the single-item job write
exactly what the pipeline computed, and the same rows as each other."""
import datetime

import pytest

from feedback_archive.classification import model as stat_model
from feedback_archive.classification import pipeline, rules, services
from feedback_archive.classification.models import Sentiment, Suggestion
from feedback_archive.core.db import upsert_rows
from feedback_archive.feedback.models import Feedback

TEXTS = [
    "更新到5.3.1之后，一打开app就闪退，聊天记录全没了！！",
    "群里@所有人没有提醒，消息免打扰明明关了",
    "视频会议共享屏幕的时候对方看到的是黑屏，重新共享一次就好了",
    "语音通话一点都不卡，就是对方说有回声",
    "能不能加一个消息定时发送的功能？",
    "新版本界面好看多了，找文件也快，点赞👍",
    "请问企业版怎么开通发票，多少钱一年",
    "",  # title only
]


@pytest.fixture
def items(make_feedback):
    out = [make_feedback(content=t) for t in TEXTS[:-1]]
    out.append(make_feedback(content="反馈", title="文件传输很慢，几十兆的文件要传好几分钟"))
    return out


def stored(feedback_ids):
    sugg = sorted(Suggestion.objects.filter(feedback_id__in=feedback_ids).values_list(
        "feedback_id", "dimension__code", "label__code", "confidence", "evidence", "model_version"))
    sent = sorted(Sentiment.objects.filter(feedback_id__in=feedback_ids).values_list(
        "feedback_id", "polarity", "intent", "language", "evidence", "model_version"))
    return sugg, sent


def expected(feedback_ids):
    """What pipeline.classify says for each item, in the shape stored()."""
    taxonomy = services._taxonomy()
    sugg, sent = [], []
    for fb in Feedback.objects.filter(pk__in=feedback_ids):
        res = pipeline.classify(title=fb.title, content=fb.content, taxonomy=taxonomy,
                                context={"release_id": fb.release_id, "platform": fb.platform}, model=services.active_model())
        for dim, s in res["suggestions"].items():
            sugg.append((fb.pk, dim, s["label"], round(s["confidence"], 4), s["evidence"][:20], res["model_version"]))
        s = res["sentiment"]
        sent.append((fb.pk, s["polarity"], s["intent"], res["language"], s["evidence"][:20], res["model_version"]))
    return sorted(sugg), sorted(sent)


def test_batch_and_single_item_paths_store_the_same_suggestions(items):
    ids = [f.pk for f in items]
    for fb in items:
        assert services.feedback_classify(feedback_id=fb.pk) is True
    single = stored(ids)
    assert single == expected(ids)
    assert len(single[0]) >= 5 * len(items) - 3 and len(single[1]) == len(items)

    Suggestion.objects.all().delete()
    Sentiment.objects.all().delete()
    assert services.feedback_classify_many(feedback_ids=ids) == len(items)
    assert stored(ids) == single
    by_item = {(fid, dim): label for fid, dim, label, *_ in single[0]}
    assert by_item[items[0].pk, "severity"] == "critical" and by_item[items[0].pk, "scope"] == "release"
    assert by_item[items[2].pk, "module"] == "video" and by_item[items[3].pk, "module"] == "voice"
    assert by_item[items[6].pk, "type"] == "consultation"


def test_reclassifying_updates_in_place_and_keeps_the_first_classified_at(items):
    ids = [f.pk for f in items]
    services.feedback_classify_many(feedback_ids=ids[:4])
    first = dict(Feedback.objects.filter(pk__in=ids).values_list("pk", "classified_at"))
    assert all(first[i] for i in ids[:4]) and not any(first[i] for i in ids[4:])
    Suggestion.objects.filter(feedback_id=ids[0]).update(confidence=0.01, evidence=["stale"])
    Sentiment.objects.filter(feedback_id=ids[0]).update(intent="praise")
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    Suggestion.objects.filter(feedback_id__in=ids[:2]).update(created_at=old)
    before = Suggestion.objects.count()

    assert services.feedback_classify_many(feedback_ids=ids) == len(ids)
    assert Suggestion.objects.filter(feedback_id__in=ids[:4]).count() == before  # no second row per dimension
    assert stored(ids) == expected(ids)  # the stale values were overwritten
    # rows that changed were written (and stamped), unchanged rows left alone
    assert not Suggestion.objects.filter(feedback_id=ids[0], created_at=old).exists()
    assert not Suggestion.objects.filter(feedback_id=ids[1]).exclude(created_at=old).exists()
    again = dict(Feedback.objects.filter(pk__in=ids).values_list("pk", "classified_at"))
    assert all(again[i] == first[i] for i in ids[:4]) and all(again[i] for i in ids[4:])


def test_deleted_items_are_skipped(items):
    gone = items[0].pk
    Feedback.objects.filter(pk=gone).delete()
    assert services.feedback_classify(feedback_id=gone) is False
    assert services.feedback_classify_many(feedback_ids=[gone, items[1].pk]) == 1
    assert not Suggestion.objects.filter(feedback_id=gone).exists()


def test_model_probabilities_in_a_batch_equal_those_of_one_text():
    texts = TEXTS + ["Can't send messages, the app crashes 👎 不卡顿了，但是语音消息还是收不到"]
    norms, words = stat_model.featurize(texts)
    feats, x = stat_model.Features.fit(norms, words)
    labels = ["a" if i % 2 else "b" for i in range(len(texts))]
    dm = stat_model.DimensionModel.from_sklearn("module", feats, stat_model.fit_classifier(x, labels))
    prepared = stat_model.Ensemble([dm], "t").prepare([rules.tokenize(t.strip()) for t in texts])
    for i, text in enumerate(texts):
        single = dm.posterior(text.strip())
        assert dict(zip(dm.classes, prepared[0][2][i])) == pytest.approx(single, abs=1e-6)


def test_upsert_round_trips_awkward_values(items):
    """Quotes, backslashes, braces, commas, the word NULL, emoji: what the array literal (PG) or
    the bound parameters (SQLite) must carry unchanged."""
    import json

    from django.utils import timezone

    from feedback_archive.taxonomy.models import Label

    label = Label.objects.filter(dimension__code="module").first()
    evidence = ['引号"他说"', "反斜杠\\n不是换行", "{大括号}", "逗号,分隔", "NULL", "😡", "", "\\\"混合\\\\"]
    now = timezone.now()
    row = (items[0].pk, label.dimension_id, label.pk, 0.1234, json.dumps(evidence), 'v"1\\', now)
    upsert_rows(Suggestion, services._SUGGESTION_COLUMNS, [row], unique=["feedback", "dimension"], stamp="created_at")
    got = Suggestion.objects.get(feedback=items[0], dimension_id=label.dimension_id)
    assert (got.label_id, got.confidence, got.evidence, got.model_version) == (label.pk, 0.1234, evidence, 'v"1\\')
    assert abs((got.created_at - now).total_seconds()) < 1
