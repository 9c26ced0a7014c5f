"""The pure pair scorer (feedback/matching.py): features, the learned model's data file, context."""
import json
import math

import numpy as np
import pytest

from feedback_archive.feedback import matching

# a small stored sample, as the worker fits its weights on stored reports
SAMPLE = [
    "更新到最新版以后一打开就闪退",
    "群文件下载到一半就失败了，重试也不行",
    "语音消息播放不了，点了没反应",
    "登录的时候一直提示验证码错误",
    "视频通话时候我这边听不到对方的声音",
    "表情包发出去以后对方收到的是一个灰色方块",
    "更新后聊天记录全部不见了",
    "共享屏幕对方看到黑屏",
    "微信 3.9.2 防撤回补丁失效了",
    "The app crashes every time I open a chat",
    "Notifications stopped arriving after the last update",
]


@pytest.fixture(scope="module")
def vec():
    return matching.Vectoriser().fit(SAMPLE)


def _score(vec, a, b, **context):
    return matching.score_many(vec, matching.Report(a, **context), [matching.Report(b, key="b", **context)])[0]


def test_a_paraphrase_scores_above_a_report_sharing_words_about_another_problem(vec):
    query = "升级新版本后启动就崩溃了，根本进不去"
    paraphrase = _score(vec, query, "更新到最新版以后一打开就闪退", product=1)
    other = _score(vec, query, "更新后聊天记录全部不见了", product=1)
    assert paraphrase.score > other.score
    assert "崩溃" in paraphrase.evidence  # 闪退 and 崩溃 meet as one concept


def test_english_wordings_meet_in_the_same_concepts(vec):
    found = set(matching.concepts("Skype crashed right after I installed it, it won't start"))
    assert {"崩溃", "打不开"} <= found


def test_one_release_on_both_sides_counts_for_the_pair_and_two_releases_against(vec):
    same = _score(vec, "微信 3.9.2.23 防撤回不生效", "升级到 3.9.2.23 以后防撤回没效果了")
    other = _score(vec, "微信 3.9.2.23 防撤回不生效", "升级到 3.9.12.15 以后防撤回没效果了")
    assert same.score > other.score
    # a build suffix is the same release line: 2.3.22 (11880) and 2.3.22.17
    assert matching._versions("Version. 2.3.22 (11880)") == matching._versions("微信更新2.3.22.17版本")


def test_a_negation_on_one_side_never_joins_automatically(vec):
    m = _score(vec, "群里可以发送大文件", "群里不可以发送大文件", product=1, module="file")
    assert "negation differs" in m.evidence
    assert matching.decide(m.score) != "join"


def test_another_product_lowers_the_score(vec):
    same = _score(vec, "共享屏幕时对方看到的是黑屏", "屏幕共享的时候别人那边是黑的", product=1)
    other = matching.score_many(vec, matching.Report("共享屏幕时对方看到的是黑屏", product=1),
                                [matching.Report("屏幕共享的时候别人那边是黑的", product=2)])[0]
    assert other.score < same.score and "other product" in other.evidence


def test_one_query_against_many_equals_each_pair_alone(vec):
    query = matching.Report("视频通话的时候对方听不见我说话")
    cands = [matching.Report(t) for t in ("语音通话对面听不到我的声音", "群文件下载到一半就失败了", "视频通话画面卡住")]
    together = matching.pair_features(vec, [query], cands)[0]
    for k, cand in enumerate(cands):
        alone = matching.pair_features(matching.Vectoriser().fit(SAMPLE), [query], [cand])[0, 0]
        np.testing.assert_allclose(together[k], alone, atol=1e-9)
    # block cosines are cosines: a text against itself is 1 in every block
    self_x = matching.pair_features(vec, [query], [matching.Report(query.text)])[0, 0]
    for name in ("cos_words", "cos_chars", "cos_trigrams"):
        assert self_x[matching.FEATURES.index(name)] == pytest.approx(1.0)


def test_the_model_file_is_plain_json_for_exactly_the_scorers_features():
    model = json.loads(matching.MODEL_FILE.read_text(encoding="utf-8"))
    assert model["features"] == list(matching.FEATURES)
    for key in ("mean", "scale", "coef"):
        assert len(model[key]) == len(matching.FEATURES)
        assert all(math.isfinite(v) for v in model[key])
    assert all(v > 0 for v in model["scale"])
    # a probability: more shared text never lowers it
    x = np.zeros(len(matching.FEATURES))
    more = x.copy()
    for name in ("cos_words", "cos_chars", "overlap"):
        more[matching.FEATURES.index(name)] = 0.8
    assert 0.0 < matching.probability(x) < matching.probability(more) < 1.0


def test_thresholds_are_ordered():
    assert 0.0 < matching.PROPOSE_THRESHOLD < matching.AUTO_THRESHOLD <= 1.0
    assert matching.decide(matching.AUTO_THRESHOLD) == "join"
    assert matching.decide(matching.PROPOSE_THRESHOLD) == "propose"
    assert matching.decide(matching.PROPOSE_THRESHOLD - 0.01) == "new"


def test_another_symptom_or_another_part_of_the_product_is_another_problem(vec):
    query = "屏幕共享的时候对方一直是黑屏"
    paraphrase = _score(vec, query, "共享桌面以后参会者那边全黑", product=1)
    other_symptom = _score(vec, query, "屏幕共享的时候对方那边画面延迟很严重", product=1)
    other_part = _score(vec, query, "打开摄像头以后对方看到的是黑屏", product=1)
    assert paraphrase.score > max(other_symptom.score, other_part.score)
    for m in (other_symptom, other_part):
        assert matching.decide(m.score) != "join"
    x = matching.pair_features(vec, [matching.Report(query)], [matching.Report("屏幕共享的时候对方那边画面延迟很严重"),
                                                               matching.Report("打开摄像头以后对方看到的是黑屏")])[0]
    assert x[0, matching.FEATURES.index("symptom_conflict")] == 1.0  # 黑屏 / 延迟
    assert x[1, matching.FEATURES.index("part_conflict")] == 1.0  # 屏幕共享 / 摄像头
