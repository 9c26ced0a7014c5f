"""feedback_match: paraphrases find their problem, other problems stay apart, rejections stick."""
import pytest

from feedback_archive.feedback import matching
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.feedback.services import feedback_match, proposal_reject
from feedback_archive.feedback.services.matching import vectoriser_reset
from feedback_archive.core.actors import Actor

# these tests run matching themselves: items stop after the tokens stage
UNDERSTAND_UP_TO = "tokens"

OTHER_PROBLEMS = [
    "群文件下载到一半就失败了，重试也不行",
    "语音消息播放不了，点了没反应",
    "更新到新版本以后通讯录加载很慢",
    "登录的时候一直提示验证码错误",
    "视频通话时候我这边听不到对方的声音",
    "表情包发出去以后对方收到的是一个灰色方块",
]


@pytest.fixture(autouse=True)
def _fresh_weights():
    vectoriser_reset()
    yield
    vectoriser_reset()


def _store(make_feedback, text, **kw):
    # the pipeline up to its tokens stage (search_text stored), not its match stage: matching is
    # what these tests run themselves
    kw.setdefault("understand", "tokens")
    fb = make_feedback(text, **kw)
    Feedback.objects.filter(pk=fb.pk).update(canonical=None, duplicate_count=0)  # matching alone decides here
    return fb


def test_synonym_layer_reduces_wordings_to_one_concept():
    assert set(matching.concepts("共享屏幕对方看到黑屏")) >= {"屏幕共享", "对方", "黑屏"}
    assert set(matching.concepts("屏幕共享的时候别人那边是黑的")) >= {"屏幕共享", "对方", "黑屏"}
    assert "崩溃" in matching.concepts("一打开就闪退")
    # negation survives: 能 / 不能 must not look alike
    assert "不能" in matching.concepts("不能发送图片") or "不" in matching.concepts("不能发送图片")


def test_a_paraphrase_joins_or_is_proposed_with_evidence_and_an_unrelated_report_does_not(make_feedback):
    for text in OTHER_PROBLEMS:
        _store(make_feedback, text)
    first = _store(make_feedback, "共享屏幕对方看到黑屏")
    feedback_match(feedback_ids=list(Feedback.objects.values_list("id", flat=True)))
    assert Feedback.objects.filter(problem__isnull=True).count() == 0
    assert Problem.objects.count() == len(OTHER_PROBLEMS) + 1  # each its own problem
    second = _store(make_feedback, "屏幕共享的时候别人那边是黑的")
    feedback_match(feedback_ids=[second.pk])
    second.refresh_from_db()
    first.refresh_from_db()
    if second.problem_id == first.problem_id:
        assert second.problem_score >= matching.AUTO_THRESHOLD
        assert {"屏幕共享", "黑屏"} <= set(second.problem_evidence)
        paraphrase_score = second.problem_score
    else:
        proposal = ProblemProposal.objects.get(feedback=second, problem_id=first.problem_id)
        assert proposal.decision == "open" and proposal.score >= matching.PROPOSE_THRESHOLD
        assert {"屏幕共享", "黑屏"} <= set(proposal.evidence)
        paraphrase_score = proposal.score
    unrelated = _store(make_feedback, "消息撤回以后对方还是能看到原文")
    feedback_match(feedback_ids=[unrelated.pk])
    unrelated.refresh_from_db()
    assert unrelated.problem_id != first.problem_id
    # sharing one word (对方) may earn a low proposal, never a join, and scores below the paraphrase
    weak = ProblemProposal.objects.filter(feedback=unrelated, problem_id=first.problem_id).first()
    assert weak is None or weak.score < paraphrase_score


def test_matching_twice_changes_nothing_and_near_copies_join_their_canonicals_problem(make_feedback):
    a = _store(make_feedback, "群文件下载到一半就失败了，重试也不行")
    b = _store(make_feedback, "语音消息播放不了，点了没反应")
    Feedback.objects.filter(pk=b.pk).update(canonical=a.pk, similarity=0.8)
    feedback_match(feedback_ids=[a.pk, b.pk])
    feedback_match(feedback_ids=[a.pk, b.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.problem_id == b.problem_id and b.problem_evidence == ["near copy"]
    assert Problem.objects.get(pk=a.problem_id).member_count == 2


def test_a_rejected_problem_is_never_proposed_again(make_feedback, agent):
    for text in OTHER_PROBLEMS:
        _store(make_feedback, text)
    _store(make_feedback, "共享屏幕对方看到黑屏")
    feedback_match(feedback_ids=list(Feedback.objects.values_list("id", flat=True)))
    target = Problem.objects.get(lead__content="共享屏幕对方看到黑屏")
    item = _store(make_feedback, "共享屏幕时对方一直黑屏，我这边显示正常")
    # the agent said no before matching ran (e.g. from a proposal of an earlier pass)
    ProblemProposal.objects.create(feedback=item, problem=target, score=0.4, evidence=["黑屏"])
    proposal_reject(proposal_id=ProblemProposal.objects.get(feedback=item).pk, actor=Actor.for_user(agent))
    feedback_match(feedback_ids=[item.pk])
    item.refresh_from_db()
    assert item.problem_id != target.pk
    assert ProblemProposal.objects.get(feedback=item, problem=target).decision == "rejected"


def test_matching_reads_the_stored_tokens_and_never_cuts_a_text_again(make_feedback, monkeypatch):
    for text in OTHER_PROBLEMS:
        _store(make_feedback, text)
    first = _store(make_feedback, "共享屏幕对方看到黑屏")
    feedback_match(feedback_ids=list(Feedback.objects.values_list("id", flat=True)))
    second = _store(make_feedback, "屏幕共享的时候别人那边是黑的")
    assert second.search_text.strip()  # the tokens stage ran before matching, as in the pipeline
    matching.concepts.cache_clear()
    matching.features.cache_clear()

    def no_cut(*args, **kwargs):
        raise AssertionError("matching segmented a text whose tokens are stored")

    monkeypatch.setattr(matching.segmenter, "search_tokens", no_cut)
    monkeypatch.setattr(matching.segmenter, "cut", no_cut)
    feedback_match(feedback_ids=[second.pk])
    second.refresh_from_db()
    first.refresh_from_db()
    # the synonym layer still reduces both wordings to the same concepts
    found = second.problem_evidence if second.problem_id == first.problem_id else \
        ProblemProposal.objects.get(feedback=second, problem_id=first.problem_id).evidence
    assert {"屏幕共享", "黑屏"} <= set(found)


def test_concepts_come_from_the_stored_tokens_without_search_modes_sub_words(monkeypatch):
    def no_cut(*args, **kwargs):
        raise AssertionError("the stored tokens were given: nothing to cut")

    monkeypatch.setattr(matching.segmenter, "search_tokens", no_cut)
    # what the tokens stage stores for 输入法切换以后屏幕共享黑屏 (search mode: sub-words first)
    stored = " 输入 入法 输入法 切换 以后 屏幕 共享 屏幕共享 黑屏 "
    found = matching.concepts("输入法切换以后屏幕共享黑屏", stored)
    assert "输入法" in found and "输入" not in found and "入法" not in found
    # 屏幕 / 共享 lie inside the synonym wording 屏幕共享: its concept stands for them, once
    assert found.count("屏幕共享") == 1 and "屏幕" not in found and "共享" not in found
    assert "黑屏" in found and "切换" in found


def test_a_features_weight_is_read_from_the_column_the_vectoriser_uses():
    vec = matching.Vectoriser().fit(["共享屏幕对方看到黑屏", "群文件下载失败", "语音消息播放不了"])
    for feature in ("w:黑屏", "c:屏幕", "w:群文件", "w:never-seen-before"):
        hashed = matching.HashingVectorizer(analyzer=lambda f: [f], n_features=matching.N_FEATURES,
                                            alternate_sign=False, norm=None).transform([feature])
        assert matching._feature_index(feature) == hashed.indices[0]
    assert vec.weight("w:never-seen-before") >= vec.weight("w:黑屏")


def test_the_kept_member_vectors_score_exactly_as_a_fresh_transform():
    """The vectoriser keeps the rows of texts it transformed (candidates recur); kept and new rows
    together give the matrices a fresh vectoriser with the same weights gives."""
    texts = ["共享屏幕对方看到黑屏", ("屏幕共享别人那边是黑的", "屏幕 共享 别人 那边 是 黑 的"), "群文件下载失败",
             "语音消息播放不了", "登录的时候一直提示验证码错误"]
    warm = matching.Vectoriser().fit(texts)
    warm.transform_blocks(texts[:3])
    assert set(warm._rows) == set(texts[:3])
    order = [texts[3], texts[0], texts[4], texts[1], texts[3]]
    fresh = matching.Vectoriser().fit(texts)
    for got, want in zip(warm.transform_blocks(order), fresh.transform_blocks(order)):
        assert got.shape == want.shape and abs(got - want).max() == 0
    assert warm.weight("w:黑屏") == fresh.weight("w:黑屏")


def _blocks_feature_by_feature(vec, doc):
    """The block split as it was first written: each block's columns from its features' own hashes."""
    import numpy as np

    m = vec.tfidf.transform(vec.hasher.transform([doc])).tocsr()
    out = []
    for feats in matching._doc_features(doc):
        mask = np.isin(m.indices, [matching._feature_index(f) for f in set(feats)])
        c, v = m.indices[mask], m.data[mask]
        norm = float(np.sqrt((v * v).sum()))
        out.append((c.astype(np.int32), (v / norm if norm else v).astype(np.float32)))
    return out


def test_the_block_split_of_many_documents_at_once_equals_one_feature_at_a_time():
    import numpy as np

    texts = OTHER_PROBLEMS + ["共享屏幕对方看到黑屏", ("屏幕共享别人那边是黑的", "屏幕 共享 别人 那边 是 黑 的"),
                              "更新到3.10.0以后一打开就闪退 crash on start", "", "好"]
    vec = matching.Vectoriser().fit(texts[:4])
    rows = vec._block_rows(texts)
    for doc in texts:
        for (c, v), (c0, v0) in zip(rows[doc], _blocks_feature_by_feature(vec, doc)):
            assert np.array_equal(c, c0) and np.array_equal(v, v0)
