"""Awkward texts reach the worker every day: each gets suggestions or a clear "no signal", never
an exception — with the rules alone and with an active learned model."""
import pytest

from feedback_archive.classification import model as stat_model
from feedback_archive.classification import pipeline, selectors, services
from feedback_archive.classification.models import ClassifierModel, Sentiment, Suggestion
from feedback_archive.feedback.models import Feedback
from feedback_archive.taxonomy.models import Dimension

pytestmark = pytest.mark.django_db

LONG = ("升级到5.3.1以后群里的语音消息经常播放不出来，重启也没用。" * 400)[:20000]
TEXTS = {
    "emoji only": "😡😡😡👎👎",
    "punctuation only": "？？？！！！……",
    "20k characters": LONG,
    "mixed language": "Android 上 messages 一直 pending，发不出去 after the update, 急！",
    "traditional": "更新後訊息一直發不出去，視訊會議也會當機，請儘快處理",
    "english": "Would be nice if you could add a dark mode, the app is great otherwise",
    # (NUL is refused at intake on PostgreSQL — not the classifier's input)
    "control chars": "消息\x07发不出去\u200b\ufeff\x1b[0m",
}


def _model_row():
    texts = ["群里的语音消息放不出来", "消息发不出去", "视频会议黑屏", "群公告发不了", "文件上传失败", "登录不了"] * 3
    labels = ["voice", "message", "video", "group", "file", "other"] * 3
    norms, words = stat_model.featurize(texts)
    feats, x = stat_model.Features.fit(norms, words)
    dm = stat_model.DimensionModel.from_sklearn("module", feats, stat_model.fit_classifier(x, labels))
    return ClassifierModel.objects.create(version="lr-test", dimension=Dimension.objects.get(code="module"),
                                          trained_on=len(texts), blob=stat_model.dump_dimension(dm), is_active=True,
                                          algorithm=stat_model.ALGORITHM)


@pytest.mark.parametrize("with_model", [False, True])
def test_every_awkward_text_is_classified_without_an_exception(make_feedback, with_model):
    if with_model:
        _model_row()
    ids = [make_feedback(content=text, external_id=f"bad-{name}").pk for name, text in TEXTS.items()]
    # the title-only case: an empty body
    ids.append(Feedback.objects.filter(pk=ids[0]).values_list("pk", flat=True)[0])
    Feedback.objects.filter(pk=ids[0]).update(content="", title="")
    assert services.feedback_classify_many(feedback_ids=ids) == len(set(ids))
    for fid in set(ids):
        dims = set(Suggestion.objects.filter(feedback_id=fid).values_list("dimension__code", flat=True))
        assert {"type", "module", "severity", "scope", "intent"} <= dims
        assert Sentiment.objects.filter(feedback_id=fid).exists()
        for word in selectors.evidence_words(fid):
            assert ":" not in word and "p=" not in word


def test_no_signal_is_clear_and_real_text_gets_real_suggestions():
    tax = [{"code": d.code, "labels": [{"code": lab.code, "keywords": lab.keywords.splitlines(),
                                        "negative_keywords": lab.negative_keyword_list}
                                       for lab in d.labels.all()]} for d in Dimension.objects.all()]
    for text in ("", "😡😡😡👎👎", "？？？！！！……", "   "):
        res = pipeline.classify(title="", content=text, taxonomy=tax)
        assert res["signal"] is False
        assert all(s["confidence"] <= 0.2 and s["evidence"] == [] for s in res["suggestions"].values())
    trad = pipeline.classify(title="", content=TEXTS["traditional"], taxonomy=tax)
    assert trad["signal"] and trad["suggestions"]["type"]["label"] == "function"
    assert trad["suggestions"]["module"]["label"] in ("message", "video")
    en = pipeline.classify(title="", content=TEXTS["english"], taxonomy=tax)
    assert en["language"] == "en" and en["sentiment"]["intent"] == "suggestion"
    long = pipeline.classify(title="", content=LONG, taxonomy=tax)
    assert long["suggestions"]["module"]["label"] == "voice" and long["suggestions"]["scope"]["label"] == "release"


def test_evidence_words_are_plain_deduplicated_and_clean_old_rows(make_feedback):
    fb = make_feedback(content="语音消息一直发送失败，发送失败好几次了，怎么又这样！")
    services.feedback_classify(feedback_id=fb.pk)
    words = selectors.evidence_words(fb)
    assert words and len(words) == len(set(words))
    assert all(w in fb.content for w in words)   # each one can be highlighted in the user's text
    # a row stored by an older version, with internal tags, is cleaned on the way out
    sug = Suggestion.objects.filter(feedback=fb).first()
    Suggestion.objects.filter(pk=sug.pk).update(evidence=["model:p=0.93", "model:星火", "phrase:能不能…", "rule:negated 卡",
                                                          "neg:不卡", "+好用", "失败", "失败"])
    words = selectors.evidence_words(fb)
    assert not [w for w in words if ":" in w or "p=" in w or w.startswith(("+", "-"))]
    assert words.count("失败") == 1
    assert selectors.confidence_percent(0.834) == 83 and selectors.confidence_percent(None) == 0
