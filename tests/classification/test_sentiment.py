"""Polarity composition rules of classification.sentiment. Pure: no database.

Sentences are hand-written IM / service feedback; none comes from the third-party review files
the bench evaluates on."""
import pytest

from feedback_archive.classification import rules, sentiment


def pol(text):
    return sentiment.polarity(rules.tokenize(text), text)[0]


def evidence(text):
    return sentiment.polarity(rules.tokenize(text), text)[1]


# --- contract -----------------------------------------------------------------------------------

def test_range_and_neutral():
    for text in ("", "群公告在哪里设置", "👍👍👍 太好用了，必须好评！！！", "垃圾软件，闪退卡顿掉线，太差了😡😡"):
        p = pol(text)
        assert -1.0 <= p <= 1.0
    assert pol("") == 0.0
    assert pol("群公告在哪里设置") == 0.0


def test_extra_signal_is_added():
    text = "语音消息发不出去"
    toks = rules.tokenize(text)
    assert sentiment.polarity(toks, text, extra=-2.0)[0] < sentiment.polarity(toks, text)[0]


# --- negation scope -----------------------------------------------------------------------------

def test_negation_flips_within_clause():
    assert pol("新版本很好用") > 0.2
    assert pol("新版本不好用") < -0.2
    assert pol("视频通话一点都不卡") > 0
    assert pol("客服没有耐心，问了三遍都不回") < 0


def test_soft_negation_is_milder_than_plain():
    assert pol("群视频不好") < pol("群视频不太好") < 0


def test_negation_does_not_cross_a_clause_break():
    # the 不 belongs to 不想等, not to 流畅 in the next clause
    assert pol("不想等了，现在通话很流畅") > 0


def test_double_negation_affirms():
    assert pol("不是不好用") > 0
    assert pol("没有不满意的地方") > 0
    assert "negneg:专业" in evidence("客服不是不专业，是太忙了")


def test_comparative_negation():
    assert pol("新版没有旧版那么流畅") < 0


def test_not_ordinary_is_an_intensifier():
    # 不是一般的慢 means "unusually slow", not "not slow"
    assert pol("消息同步不是一般的慢") < -0.3


# --- adversatives and concessives --------------------------------------------------------------

def test_clause_after_but_wins_when_balanced():
    assert pol("界面很好看，但是经常闪退") < 0
    assert pol("偶尔有点卡，不过客服很快解决了，很满意") > 0


def test_concessive_clause_counts_less():
    assert pol("虽然偶尔有点卡，但整体很流畅，很好用") > 0
    assert pol("虽然界面漂亮，可是消息老是延迟") < 0


def test_just_that_is_a_weak_contrast():
    a = pol("会议功能很好用，就是有点耗电")
    b = pol("会议功能很好用，有点耗电")
    assert a < b


def test_expectation_then_result():
    assert pol("本来以为新版会很流畅，结果更卡了") < 0
    assert pol("以为会很麻烦，没想到三分钟就搞定了，很方便") > 0


def test_summing_up_clause_counts_more():
    assert pol("偶尔会卡一下，总的来说很好用") > 0


# --- wishes, questions ---------------------------------------------------------------------------

def test_wish_is_not_praise():
    # a positive word inside a wish is not a verdict about the product
    assert pol("希望能快一点") < pol("传文件很快")
    assert pol("要是能支持消息编辑就更好了") < 0.3


def test_rhetorical_question_is_negative():
    assert pol("难道就没人测试过吗？") < 0
    assert pol("凭什么不让导出聊天记录") < 0


def test_repeated_question_marks_and_ellipsis_lean_negative():
    assert pol("我的聊天记录呢？？") < 0
    assert pol("又登不上了……") < pol("又登不上了")


# --- degree and mild verdicts --------------------------------------------------------------------

def test_degree_words_strengthen():
    assert 0 < pol("通话清楚") < pol("通话非常清楚")
    assert pol("消息有点慢") > pol("消息特别慢") > -1


def test_mild_verdicts():
    assert 0 < pol("新版本还行") < pol("新版本很好用")
    assert pol("新版本体验一般") < 0


def test_modal_can_is_not_praise():
    assert pol("可以理解") == 0.0
    assert pol("这个功能还可以") > 0


def test_almost_is_not_fast():
    assert pol("快一个小时了还没处理") < 0


# --- waiting time, loyalty ----------------------------------------------------------------------

def test_waiting_time_is_a_complaint():
    assert pol("工单等了两个小时才有人回复") < -0.3
    assert pol("提交反馈等了好久") < 0
    assert pol("到现在都没人处理") < 0


def test_one_wait_counts_once():
    assert evidence("等了两个小时").count("wait:hours") == 1


def test_almost_not_is_not_a_negation():
    # 差点没崩溃 means "almost broke down"
    assert pol("改了一晚上配置，差点没崩溃") < 0


def test_fast_resolution_is_praise():
    assert pol("半小时就解决了") > 0
    assert pol("十分钟就到了") > 0


def test_loyalty_is_positive():
    assert pol("用了三年了，以后还会继续用") > 0.3
    assert pol("已经推荐给同事了，下次还会再来") > 0.3


def test_never_again_is_negative():
    assert pol("再也不会用这个软件了") < -0.3
    assert pol("不会再来了") < 0


# --- emoji and English ---------------------------------------------------------------------------

def test_emoji():
    assert pol("升级了👍") > 0.3
    assert pol("又闪退了😡") < pol("又闪退了")
    assert pol("[赞]") > 0


def test_english():
    assert pol("Calls are smooth and clear, great job!") > 0.3
    assert pol("The app isn't stable, it crashes every day") < -0.3
    assert pol("Not bad at all") > 0
    assert pol("Good features but it is too slow") < 0


# --- lexicon ------------------------------------------------------------------------------------

def test_an_operators_general_word_list_is_a_weaker_layer(tmp_path, settings, monkeypatch):
    # not in the hand-written core; an operator licensed to use a general list (HowNet's) adds it
    assert "赏心悦目" not in sentiment._POS
    assert pol("界面赏心悦目") == 0.0
    (tmp_path / "general_pos.txt").write_text("# a general list\n赏心悦目\n好\n", encoding="utf-8")
    (tmp_path / "general_neg.txt").write_text("惨不忍睹\n", encoding="utf-8")
    settings.SENTIMENT_LEXICON_DIR = str(tmp_path)
    monkeypatch.setattr(sentiment, "_LEX", None)  # rebuilt on the next call
    try:
        assert 0 < pol("界面赏心悦目") < pol("界面很好")  # weaker than the core, which keeps 好 at full weight
        assert pol("界面惨不忍睹") < 0
    finally:
        sentiment._LEX = None


@pytest.mark.parametrize("word", ["通知", "系统", "删除", "撤回", "管理", "默认"])
def test_im_vocabulary_is_neutral(word):
    # HowNet lists these as evaluative; in IM feedback they name features
    assert pol(f"{word}在哪里") == 0.0
