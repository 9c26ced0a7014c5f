"""Pure pre-classification pipeline: no database. Sentences are written for these tests."""
import copy

import pytest

from feedback_archive.classification import pipeline, rules
from feedback_archive.classification.language import detect_language
from feedback_archive.taxonomy.standard import STANDARD_TAXONOMY


def snapshot():
    """STANDARD_TAXONOMY in the shape classification.selectors.taxonomy_snapshot() returns."""
    return [
        {"code": d["code"], "labels": [
            {"code": lab["code"], "name_zh": lab["name_zh"], "name_en": lab["name_en"],
             "keywords": list(lab["keywords"]), "negative_keywords": list(lab["negative_keywords"]),
             "positive_examples": list(lab["positive_examples"])}
            for lab in d["labels"]]}
        for d in STANDARD_TAXONOMY
    ]


TAX = snapshot()


def run(text, taxonomy=TAX, **kw):
    return pipeline.classify(title="", content=text, taxonomy=taxonomy, **kw)


def label(res, dim):
    return res["suggestions"][dim]["label"]


def evidence(res, dim):
    return res["suggestions"][dim]["evidence"]


# --- contract -----------------------------------------------------------------------------------

def test_result_shape_and_defaults():
    res = pipeline.classify(title="反馈", content="嗯", taxonomy=TAX, context=None)
    assert res["model_version"] == pipeline.MODEL_VERSION
    assert res["language"] == "zh"
    for dim in ("type", "module", "severity", "scope", "intent"):
        sug = res["suggestions"][dim]
        assert 0 <= sug["confidence"] <= 1 and isinstance(sug["evidence"], list)
    assert label(res, "severity") == "normal" and label(res, "scope") == "individual"
    assert res["suggestions"]["type"]["confidence"] < 0.4
    s = res["sentiment"]
    assert -1 <= s["polarity"] <= 1 and s["intent"] in {"complaint", "suggestion", "question", "praise"}


def test_title_is_used():
    res = pipeline.classify(title="群文件下载失败", content="试了好几次", taxonomy=TAX)
    assert label(res, "module") == "file" and label(res, "type") == "function"


# --- segmentation traps ----------------------------------------------------------------------------

def test_card_is_not_lag():
    res = run("会议邀请的卡片消息显示不全，下面半截看不到")
    assert label(res, "type") == "function"
    assert "卡" not in evidence(res, "type")
    res = run("双卡手机用副卡收不到验证码")
    assert label(res, "type") == "function" and label(res, "module") == "other"


def test_slowly_is_not_slow():
    res = run("慢慢地发现语音消息点了没声音")
    assert label(res, "type") == "function" and label(res, "module") == "voice"
    assert "慢" not in evidence(res, "type")


def test_lag_inside_glued_tokens_still_found():
    for text in ("开个会卡成PPT了", "聊天列表太卡了", "视频通话卡得要命"):
        assert label(run(text), "type") == "performance", text


def test_not_dropping_is_not_dropping():
    res = run("升级后不再掉线了，但是发文件很慢")
    assert label(res, "type") == "performance"
    ev = evidence(res, "type")
    assert "很慢" in ev and "掉线" not in ev


# --- negation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "视频会议一点都不卡，画面很清楚，给你们点赞",
    "新版本开会没有延迟了，很满意",
    "现在消息一点延迟都没有，好评",
    "手机端不再掉线了，谢谢你们",
])
def test_negated_symptoms_do_not_make_a_complaint(text):
    res = run(text)
    assert res["sentiment"]["intent"] == "praise"
    assert res["sentiment"]["polarity"] > 0
    assert label(res, "type") == "performance"   # praise about speed/stability
    assert not any(not e.startswith(("rule:negated", "neg:")) and e in ("卡", "延迟", "掉线")
                   for e in evidence(res, "type"))


def test_negated_symptom_with_real_problem_after_but():
    res = run("视频会议不闪退了，就是人一多就卡成PPT")
    assert label(res, "type") == "performance"
    res = run("语音通话不卡，就是对方听不到我说话")
    assert label(res, "type") == "function" and label(res, "module") == "voice"


def test_negated_words_are_not_evidence_and_evidence_is_plain_words():
    res = run("一点都不卡，但是群文件上传失败")
    assert label(res, "type") == "function"
    assert "失败" in res["suggestions"]["type"]["evidence"]
    all_ev = [e for s in res["suggestions"].values() for e in s["evidence"]] + res["sentiment"]["evidence"]
    # a negated symptom is not evidence for anything, and no internal tag reaches a person
    assert "卡" not in res["suggestions"]["type"]["evidence"]
    assert not [e for e in all_ev if e.startswith(("rule:", "neg:", "phrase:", "model:", "+", "-")) or "p=" in e]
    for ev in [s["evidence"] for s in res["suggestions"].values()] + [res["sentiment"]["evidence"]]:
        assert len(ev) == len(set(ev))


# --- taxonomy edits -------------------------------------------------------------------------------

def test_added_keyword_takes_effect():
    text = "打卡记录同步到薪资系统时对不上"
    tax = copy.deepcopy(TAX)
    assert label(run(text, tax), "module") != "group" or True
    module = next(d for d in tax if d["code"] == "module")
    group = next(lab for lab in module["labels"] if lab["code"] == "group")
    group["keywords"].append("薪资系统:9")
    res = run(text, tax)
    assert label(res, "module") == "group" and "薪资系统" in evidence(res, "module")


def test_in_place_edit_of_same_object_takes_effect():
    tax = copy.deepcopy(TAX)
    text = "周报小组件数据不刷新"
    before = label(run(text, tax), "module")
    video = next(lab for d in tax if d["code"] == "module" for lab in d["labels"] if lab["code"] == "video")
    video["keywords"].append("周报小组件:9")
    assert label(run(text, tax), "module") == "video" != before


def test_negative_keyword_added_cancels_label():
    tax = copy.deepcopy(TAX)
    text = "群文件传输速度很慢"
    assert label(run(text, tax), "type") == "performance"
    perf = next(lab for d in tax if d["code"] == "type" for lab in d["labels"] if lab["code"] == "performance")
    perf["negative_keywords"].append("速度很慢")
    assert label(run(text, tax), "type") != "performance"


def test_removed_label_is_never_suggested():
    tax = copy.deepcopy(TAX)
    module = next(d for d in tax if d["code"] == "module")
    module["labels"] = [lab for lab in module["labels"] if lab["code"] != "voice"]
    res = run("语音通话全是回声", tax)
    assert label(res, "module") != "voice"


# --- sentiment and intent -------------------------------------------------------------------------

@pytest.mark.parametrize("text,intent", [
    ("怎么又闪退了？？一天五六次，还让不让人工作了！", "complaint"),
    ("请问你们到底什么时候修？都一个月了！", "complaint"),
    ("群文件上传失败。", "complaint"),
    ("要是语音消息能暂停就好了", "suggestion"),
    ("能不能加一个消息定时发送？跨时区沟通很需要", "suggestion"),
    ("建议群公告可以设置成必须确认已读", "suggestion"),
    ("请问怎么把聊天记录迁移到新手机？", "question"),
    ("是不是只有群主才能修改群公告", "question"),
    ("免费版的群文件能保存多久？", "question"),
    ("客服响应很快，问题半小时就解决了，谢谢！", "praise"),
    ("新版通话清楚多了，点赞👍", "praise"),
])
def test_intents(text, intent):
    assert run(text)["sentiment"]["intent"] == intent
    assert label(run(text), "intent") == intent


def test_polarity_degree_and_emoji():
    mild = run("语音消息有点卡")["sentiment"]["polarity"]
    strong = run("语音消息非常卡，太差了😡")["sentiment"]["polarity"]
    assert strong < mild < 0.2
    assert run("用着很顺手❤️")["sentiment"]["polarity"] > 0.3
    assert run("一点都不好用，还不如旧版")["sentiment"]["polarity"] < 0


def test_suggestion_phrase_evidence():
    res = run("能不能支持消息编辑，发错了只能撤回")
    assert "能不能支持" in res["sentiment"]["evidence"]  # the matched words, not the pattern's name
    assert label(res, "type") == "function" and label(res, "module") == "message"


# --- English --------------------------------------------------------------------------------------

def test_language_detection():
    assert detect_language("升级后App闪退，bug太多") == "zh"
    assert detect_language("Calls keep dropping after the update") == "en"
    assert detect_language("") == "und"


@pytest.mark.parametrize("text,type_,module,intent", [
    ("Video calls lag so badly that our meetings are useless.", "performance", "video", "complaint"),
    ("The app crashes every time I open a group chat. Fix this!", "function", None, "complaint"),
    ("How do I turn off read receipts?", "consultation", "message", "question"),
    ("It would be nice to have a dark mode on desktop.", None, None, "suggestion"),
    ("Love the new noise suppression, calls sound great!", None, "voice", "praise"),
])
def test_english(text, type_, module, intent):
    res = run(text)
    assert res["language"] == "en"
    if type_:
        assert label(res, "type") == type_
    if module:
        assert label(res, "module") == module
    assert res["sentiment"]["intent"] == intent
    pol = res["sentiment"]["polarity"]
    if intent == "praise":
        assert pol > 0
    elif intent == "complaint":
        assert pol < 0


# --- severity and scope hints --------------------------------------------------------------------

@pytest.mark.parametrize("text,severity", [
    ("今天早上全公司都登录不了，工作全停了", "critical"),
    ("换手机登录后聊天记录全没了", "critical"),
    ("一打开App就闪退，完全用不了", "critical"),
    ("视频会议经常掉线，每次都要重新入会，根本开不下去", "major"),
    ("偶尔发图片会失败，点一下重发就好了", "normal"),
    ("设置页面有个错别字，小问题", "minor"),
])
def test_severity(text, severity):
    assert label(run(text), "severity") == severity


@pytest.mark.parametrize("text,scope", [
    ("升级到5.3.1之后发文件一直失败", "release"),
    ("新版本的语音消息没有转文字选项了", "release"),
    ("只有我收不到群消息，同事都正常", "individual"),
    ("就我一个人开会没声音", "individual"),
    ("弱网下视频通话总是花屏", "scenario"),
    ("早上高峰期连不上服务器", "scenario"),
    ("连上蓝牙耳机开会对方听到回声", "scenario"),
    ("在500人以上的群里发@所有人很多人收不到提醒", "scenario"),
    ("升级后弱网下特别容易掉线", "release"),   # release beats scenario
])
def test_scope(text, scope):
    assert label(run(text), "scope") == scope


def test_scope_from_context():
    text = "发消息偶尔失败"
    assert label(run(text), "scope") == "individual"
    res = run(text, context={"release_id": 7, "platform": "ios", "similar_on_release": 3})
    assert label(res, "scope") == "release"


# --- the batch path and its shortcuts give the same answers -----------------------------------

BATCH = [
    "视频会议人一多画面就卡顿，声音和嘴型对不上，延迟起码两三秒。",
    "更新到5.3.1之后一打开就闪退！！聊天记录全没了",
    "要是能把群公告置顶就好了",
    "请问怎么设置消息免打扰？",
    "一点都不卡，就是没有声音",
    "文件传输到99%就失败，200mb的文件传了三次",
    "每次连蓝牙耳机就没声音，重新连一下就好了",
    "Can't share my screen in meetings, it crashes every time. Could you please fix it?",
    "",
]


def test_batch_gives_what_classify_gives_one_by_one():
    one_by_one = [run(t, context={"similar_on_release": i}) for i, t in enumerate(BATCH)]
    batch = pipeline.classify_batch([("", t, {"similar_on_release": i}) for i, t in enumerate(BATCH)], taxonomy=TAX)
    assert batch == one_by_one


@pytest.mark.parametrize("text", [
    "You should add a way to schedule messages.",
    "Would be nice if the desktop app could minimise to tray.",
    "Please make the voice notes playable at 2x speed",
    "I wish there were message folders like in Telegram",
])
def test_english_feature_requests_are_suggestions(text):
    assert run(text)["sentiment"]["intent"] == "suggestion"


def test_required_characters_of_phrase_patterns():
    import re

    assert rules.required_chars(re.compile(r"(建议|希望|期待|盼望)")) == set("建希期盼")
    assert rules.required_chars(re.compile(r"(吗|么|呢)\s*[?？]")) in (set("吗么呢"), set("?？"))
    assert rules.required_chars(re.compile(r"要是.{0,24}?就好了")) in (set("要"), set("是"), set("就"), set("好"), set("了"))
    assert rules.required_chars(re.compile(r".{2,}\d+")) is None
    assert rules.required_chars(re.compile(r"(a|.)b?")) is None
    assert rules.required_chars(re.compile(r"abc", re.IGNORECASE)) is None
    # the pre-check never skips a pattern that matches
    texts = BATCH + [rules.normalize(t) for t in BATCH] + [
        "能不能加个定时发送", "怎么又掉线了", "到底什么时候修", "都三天了", "没有这个功能", "等了好几分钟", "一卡一卡的",
        "咨询一下价格", "怎么开启", "v5.3.1 版本", "晚上8点", "500人的大群", "只要一开会就卡", "3兆的图片",
        "一打开app就闪退", "聊天记录全没了", "重启一下就好了", "how do i export chats?", "could you add dark mode",
        "能导出吗？", "有深色模式么。", "无法撤回消息", "建议加个已读回执", "如果能批量转发就更好了",
        "you should add a mute button", "it would be nice if chats synced", "i wish there were folders",
        "please make the font bigger", "we need an option to pin chats", "feature request: dark theme",
        "add a lock for single chats", "plz bring back the old status", "this app needs a feature for scheduling",
        "i want to be able to hide the tray icon", "is there a way to add folders?", "still waiting for this feature",
        "it should be possible to mute a call", "can u add stickers", "a dark theme would be great",
        "the desktop app needs improvement", "if you add polls i will stay", "nice update, keep it up",
        "everything works perfectly now", "the best messenger i have used",
    ]
    matched = set()
    for _dim, _lab, rx, _weight, name in rules.PHRASES:
        req = rules.required_chars(rx)
        for t in texts:
            if rx.search(t):
                matched.add(name)
                assert req is None or not req.isdisjoint(t), (name, t)
    assert {p[4] for p in rules.PHRASES} - matched == set()  # every pattern was exercised


def test_argmax_ranks_like_sorting_with_ties_to_the_earlier_label():
    import random

    def reference(scores, order):
        ranked = sorted(order, key=lambda c: (-scores.get(c, 0.0), order.index(c)))
        if not ranked:
            return None, 0.0, 0.0
        return ranked[0], scores.get(ranked[0], 0.0), scores.get(ranked[1], 0.0) if len(ranked) > 1 else 0.0

    rng = random.Random(7)
    for _ in range(2000):
        order = ["function", "performance", "experience", "consultation", "other"][: rng.randint(0, 5)]
        scores = {c: rng.choice([0.0, -0.0, 1.0, 2.0, 2.0, -3.0, 0.5]) for c in order if rng.random() < 0.8}
        assert pipeline._argmax(scores, order) == reference(scores, order)


@pytest.mark.parametrize("text, dim, want", [
    ("视频通话经常自动挂断，尤其是在4G网络下", "type", "function"),
    ("共享PPT的时候对面全黑，切换成共享窗口也一样", "type", "function"),
    ("拉群的时候搜索不到好友", "module", "group"),
])
def test_everyday_symptom_words(text, dim, want):
    assert label(run(text), dim) == want


def test_a_call_that_hangs_up_by_itself_is_a_complaint():
    assert run("视频通话经常自动挂断")["sentiment"]["polarity"] < 0


def test_late_notifications_are_performance():
    assert label(run("Notifications arrive 10 minutes late on my Pixel"), "type") == "performance"


class _IntentModel:
    """A stand-in learned model that adds weight × probability to the intent scores, as
    model.DimensionModel.blend_row does."""

    model_id = "stub"

    def __init__(self, post: dict, weight: float):
        self.post, self.weight = post, weight

    def blend(self, raw, scores, evidence):
        for label, p in self.post.items():
            scores["intent"][label] = scores["intent"].get(label, 0.0) + self.weight * p


def test_a_confident_intent_model_outvotes_the_rules_cascade_but_a_weak_one_does_not():
    tax = copy.deepcopy(STANDARD_TAXONOMY)
    text = "群文件上传失败了，你们能不能加一个断点续传"   # the rules' cascade reads a suggestion here
    rules_only = pipeline.classify(title="", content=text, taxonomy=tax)["sentiment"]["intent"]
    other = "complaint" if rules_only != "complaint" else "question"
    confident = {other: 0.9, rules_only: 0.1}
    strong = pipeline.classify(title="", content=text, taxonomy=tax, model=_IntentModel(confident, 4.0))
    weak = pipeline.classify(title="", content=text, taxonomy=tax, model=_IntentModel(confident, 1.0))
    assert strong["sentiment"]["intent"] == other
    assert weak["sentiment"]["intent"] == rules_only   # weight ≤ 1 never overturns the rules' decision


# --- the failing capability decides the module (issue #14) -------------------------------------

@pytest.mark.parametrize("text, want", [
    # 聊天 / 消息 named in passing, the camera is what fails
    ("群里每天聊天发消息都靠它，今天摄像头一直打不开", "video"),
    ("聊天记录、消息通知这些平时都用得好好的，今天摄像头打不开了", "video"),
    # a capability the user says works is not the failing one
    ("输入框里打的中文全是方框，但是聊天记录里显示正常", "other"),
    ("Messages and chats are fine, but the camera stays black in video calls", "video"),
    # …but 无法正常 is a failure, not a working capability
    ("无法正常接收消息，重启也不行", "message"),
])
def test_the_failing_capability_outweighs_words_mentioned_in_passing(text, want):
    assert label(run(text), "module") == want


def test_without_a_reported_symptom_nothing_is_discounted():
    # a question names no failure: 聊天记录 decides as before
    assert label(run("想问一下聊天记录能导出到电脑上吗"), "module") == "message"


def test_working_spans_end_at_the_clause_and_skip_negated_markers():
    text = "语音通话没问题，但是视频一直黑屏"
    spans = rules.working_spans(text)
    assert len(spans) == 1 and text[spans[0][0]:spans[0][1]] == "语音通话没问题"
    assert rules.working_spans("消息不能正常发送") == []
    assert rules.working_spans("图片无法正常显示") == []


@pytest.fixture
def taxonomy_words():
    """The tokenizer knows the taxonomy's words, English ones included, as in production."""
    from feedback_archive.core import segmenter

    saved = set(segmenter._user_words)
    words = {rules.parse_keyword(kw)[0] for d in TAX for lab in d["labels"] for kw in lab["keywords"]}
    segmenter.set_user_words(w for w in words if len(w) >= 2)
    yield
    segmenter.set_user_words(saved)


def test_an_english_keyword_never_matches_inside_another_word(taxonomy_words):
    toks = rules.tokenize("Why can't I screenshot my profile photo? 升级到v5.3后wine5就闪退")
    words = [w for w, _s, _e in toks.words]
    assert "profile" in words and "screenshot" in words and "wine5" in words
    assert "file" not in words and "hot" not in words
    res = run("Why can't I screenshot my profile picture on the new version")
    assert "file" not in evidence(res, "module")
    assert "hot" not in res["suggestions"]["type"]["evidence"]
