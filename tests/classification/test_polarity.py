"""Polarity as a confirmable, learnable dimension (issue #14): agents confirm it on the item page
and through the API like the other labels; the training job learns it from those labels and the
pipeline blends the model with the sentiment lexicon only when it beat the lexicon out of fold."""
import pytest
from django.urls import reverse

from feedback_archive.classification import pipeline, rules, sentiment, services
from feedback_archive.classification.models import GoldExample, Sentiment, Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback, FeedbackLabel, FieldChange
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.taxonomy.standard import load_standard

pytestmark = pytest.mark.django_db

# 秒X (秒传, 秒开: "instantly") is praise in IM slang the lexicon does not know: it gives these no verdict.
FAST = [
    "群文件现在秒传了", "视频会议点开秒进", "截图发出去秒到", "新版登录秒开", "语音转文字秒出结果",
    "聊天记录搜索秒出", "换了新版本以后图片秒加载", "大文件也是秒传", "扫码登录电脑端秒连", "会议链接点了秒进房间",
    "表情包秒发", "切换账号秒切", "文档预览秒开", "相册选图秒出缩略图", "新版的通讯录秒加载出来",
    "会议录屏结束后秒生成", "日程提醒秒推送", "群公告秒推到每个人", "安装包下载秒下完", "云盘上传秒传",
    "转发给同事秒到", "拉群秒拉", "发红包秒领", "视频通话接通秒接", "翻译功能秒翻",
]
# ordinary praise agents confirm too (the lexicon already knows these words)
PRAISE = [
    "客服回复很及时，问题当天就解决了，谢谢", "新版本视频会议流畅多了，点赞", "屏幕共享终于能只共享一个窗口了，太贴心了",
    "用了半年消息从来没丢过，很满意", "语音降噪效果很好，开会清楚多了", "深色模式做得很舒服，眼睛不累了",
    "会议纪要自动生成太方便了，好评", "群投票功能很实用，省了不少事", "新的通讯录分组很清晰，找人方便多了",
    "更新以后耗电少了很多，很给力",
]
# plain descriptions of a fault, without an evaluative word: agents confirm them negative
FLAT = [
    "升级之后通讯录里同事的头像全变成灰框了", "会议室的预定记录只保留了一周", "每次开机都要重新输入一遍密码",
    "群里的文件过三天就要重新下载", "设置里找了半天也没看到字体大小", "电脑端和手机端的未读数对不上",
    "聊天窗口一打开就跳到最上面", "日程提醒总是提前一天推送", "通讯录按拼音排序把我的名字排到了最后",
    "扫码登录以后手机端就被踢下线", "打卡定位总显示在隔壁楼", "转发的聊天记录里图片都变成了占位图",
    "发出去的文件名后缀被改成了txt", "会议纪要导出后格式全乱", "群公告只有群主能看到", "表情包收藏上限只有三百个",
    "工作台里的应用图标每天都换位置", "消息免打扰到点了也不恢复", "收藏的链接打开是空白页", "相册选图只能一次选九张",
    "同事改了名字我这边还显示旧名字", "翻译功能把人名也翻译了", "文档预览只显示第一页", "拉人进群要等管理员审批三次",
    "安装包下载到百分之九十九就停住",
]


@pytest.fixture(autouse=True)
def no_seed(settings, tmp_path):
    settings.CLASSIFICATION_SEED_PATH = tmp_path / "none.jsonl"


def polarity_of(fb):
    sug = Suggestion.objects.filter(feedback=fb, dimension__code="polarity").first()
    return sug.label.code if sug else None


def test_polarity_is_a_dimension_of_the_standard_with_gold_examples():
    dim = Dimension.objects.get(code="polarity")
    assert sorted(Label.objects.filter(dimension=dim).values_list("code", flat=True)) == ["negative", "positive"]
    # the migration's frozen copy is the standard's entry: sync_standard has nothing to change
    from feedback_archive.taxonomy.services import standard_sync

    changes = [c for c in standard_sync(actor=Actor.system()) if c.target.startswith("polarity")]
    assert changes == []
    entry = next(d for d in load_standard() if d["code"] == "polarity")
    assert GoldExample.objects.filter(dimension=dim).count() == sum(len(lab["positive_examples"]) for lab in entry["labels"])


def test_the_lexicon_suggests_polarity_and_the_stored_number_agrees(make_feedback):
    happy = make_feedback("客服态度很好，问题当天就解决了，非常满意")
    angry = make_feedback("更新以后语音老是断，开个会要重连五六次，太失望了")
    asking = make_feedback("请问怎么把聊天记录导出到电脑")
    for fb in (happy, angry, asking):
        services.feedback_classify(feedback_id=fb.pk)
    assert polarity_of(happy) == "positive" and Sentiment.objects.get(feedback=happy).polarity > 0
    assert polarity_of(angry) == "negative" and Sentiment.objects.get(feedback=angry).polarity < 0
    # nothing evaluative: no verdict rather than a guess
    assert polarity_of(asking) is None and Sentiment.objects.get(feedback=asking).polarity == 0
    sug = Suggestion.objects.get(feedback=happy, dimension__code="polarity")
    assert "满意" in sug.evidence and not [e for e in sug.evidence if e[:1] in "+-" or ":" in e]


def test_an_agent_confirms_and_corrects_polarity_on_the_item_page(admin_client, make_feedback):
    fb = make_feedback("界面挺好看的，可是发文件老失败，太耽误事了")
    url = reverse("admin:feedback_feedback_change", args=[fb.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="label_polarity"' in page
    data = {"version": Feedback.objects.get(pk=fb.pk).version, "assignee": "", "team": "", "release": "",
            "fixed_in": "", "fa_note": "", "fa_resolution": "", "fa_reply": "", "fa_no_reply_reason": "",
            "label_polarity": Label.objects.get(dimension__code="polarity", code="positive").pk}
    assert admin_client.post(url, data).status_code == 302
    data.update(version=Feedback.objects.get(pk=fb.pk).version,
                label_polarity=Label.objects.get(dimension__code="polarity", code="negative").pk)
    assert admin_client.post(url, data).status_code == 302
    link = FeedbackLabel.objects.get(feedback=fb, dimension__code="polarity")
    assert link.label.code == "negative" and link.via == "admin" and link.confirmed_by_name
    assert list(FieldChange.objects.filter(feedback=fb, field="labels.polarity").order_by("id")
                .values_list("old", "new")) == [("", "positive"), ("positive", "negative")]


def test_the_api_confirms_polarity_like_any_label(api, make_feedback):
    fb = make_feedback("新版本视频会议流畅多了，一点都不卡，点赞")
    services.feedback_classify(feedback_id=fb.pk)
    got = api.get(f"/api/v1/feedback/{fb.pk}/").json()
    assert got["suggestions"]["polarity"]["label"] == "positive"
    r = api.patch(f"/api/v1/feedback/{fb.pk}/", {"labels": {"polarity": "positive"}}, format="json")
    assert r.status_code == 200 and r.json()["labels"]["polarity"] == "positive"
    bad = api.patch(f"/api/v1/feedback/{fb.pk}/", {"labels": {"polarity": "neutral"}}, format="json")
    assert bad.status_code == 400 and "labels.polarity" in bad.json()
    assert "polarity" in [d["code"] for d in api.get("/api/v1/taxonomy/").json()["results"]]


def _confirm_polarity(agent, make_feedback):
    actor = Actor.for_user(agent)
    for texts, code in ((FAST + PRAISE, "positive"), (FLAT, "negative")):
        for t in texts:
            feedback_set_labels(feedback=make_feedback(t), labels={"polarity": code}, actor=actor)


def test_training_on_confirmed_polarity_beats_the_lexicon_and_is_blended(make_feedback, agent):
    _confirm_polarity(agent, make_feedback)
    probe = make_feedback("会议纪要一键秒生成")
    services.feedback_classify(feedback_id=probe.pk)
    assert polarity_of(probe) is None      # the lexicon does not know 秒生成

    rows = {r.dimension.code: r for r in services.classifier_train(actor=Actor.system(), min_examples=30)}
    mdl = rows["polarity"]
    m = mdl.metrics
    assert mdl.is_active and mdl.trained_on == len(FAST) + len(PRAISE) + len(FLAT) and m["confirmed"] == mdl.trained_on
    assert m["blend_accuracy"] > m["rules_accuracy"]

    services.feedback_classify(feedback_id=probe.pk)
    sug = Suggestion.objects.get(feedback=probe, dimension__code="polarity")
    assert sug.label.code == "positive" and sug.model_version == f"{pipeline.RULES_VERSION}+{mdl.version}"
    assert Sentiment.objects.get(feedback=probe).polarity > 0   # the number follows the blended label
    # the lexicon still speaks where it is sure: strong praise is not turned negative
    praise = make_feedback("文件助手很好用，传资料方便多了，非常满意，谢谢")
    services.feedback_classify(feedback_id=praise.pk)
    assert polarity_of(praise) == "positive"


def test_too_few_confirmed_polarity_labels_keep_the_lexicon(make_feedback, agent):
    _confirm_polarity(agent, make_feedback)
    rows = {r.dimension.code: r for r in services.classifier_train(actor=Actor.system(), min_examples=200)}
    assert not rows["polarity"].is_active and "fewer than 200" in rows["polarity"].metrics["reason"]
    probe = make_feedback("会议纪要一键秒生成")
    services.feedback_classify(feedback_id=probe.pk)
    assert polarity_of(probe) is None


def test_the_blend_adds_the_model_to_the_lexicon_margin():
    # rules alone decide as the lexicon does; a model's probabilities move the margin by weight × p
    sc = {"positive": 0.0, "negative": 0.0}
    assert pipeline._decide_polarity(sc, ["positive", "negative"], lex_pol=-0.3)[0] == "negative"
    assert pipeline._decide_polarity(sc, ["positive", "negative"], lex_pol=0.0) == (None, 0.0)
    blended = {"positive": 2.0 * 0.9, "negative": 2.0 * 0.1}
    label, conf = pipeline._decide_polarity(blended, ["positive", "negative"], lex_pol=-0.3)
    assert label == "positive" and 0.5 < conf <= 0.95
    assert pipeline._polarity_margin(blended, -0.3) == pytest.approx(1.3)


@pytest.mark.parametrize("text, sign", [("电脑端传文件奇慢", -1), ("客服的态度极差", -1),
                                        ("新版的会议纪要功能棒棒的", 1)])
def test_a_sentiment_character_glued_to_a_degree_character_counts(text, sign):
    # jieba keeps 奇慢 / 极差 / 棒棒 as one token: without the glue rule these score 0
    pol, evidence = sentiment.polarity(rules.tokenize(text), text)
    assert pol * sign > 0.3 and any(e[1:] in ("慢", "差", "棒") for e in evidence)
