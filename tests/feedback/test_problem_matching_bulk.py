"""A whole job placed at once (`feedback_match` on many ids) decides exactly as placing its items
one by one: the same problems, members, counts, labels, proposals, audit rows and concept index."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback, FieldChange, Problem, ProblemProposal, ProblemTerm
from feedback_archive.feedback.services import feedback_match, feedback_update, proposal_reject
from feedback_archive.feedback.services.matching import vectoriser, vectoriser_reset

from .test_problems import _assert_consistent

UNDERSTAND_UP_TO = "tokens"

# already in the archive before the job: problems of their own
EARLIER = [
    ("群文件下载到一半就失败了，重试也不行", "r1", "in_app"),
    ("更新到新版本以后通讯录加载很慢", "r2", "ticket"),
    ("登录的时候一直提示验证码错误", "r3", "in_app"),
    ("共享屏幕的时候对方看到的是黑屏", "r4", "ticket"),
    ("视频通话时候我这边听不到对方的声音", "r5", "in_app"),
]
# the job: a new incident reported several times (re-posts join the first, paraphrases are
# proposed to it), reports of the earlier problems, repeat reporters, anonymous reports, other channels
JOB = [
    ("升级之后一打开就闪退，根本用不了", "r6", "in_app"),
    ("升级之后一打开就闪退，根本用不了！！", "r7", "app_store"),
    ("新版本启动就崩溃，打开两秒自动退出", None, "in_app"),
    ("共享屏幕的时候对方看到的是黑屏", "r8", "in_app"),
    ("共享屏幕的时候，对方看到的是黑屏", "r4", "app_store"),
    ("屏幕共享别人那边是黑的，我这边正常", None, "ticket"),
    ("群文件下载到一半就失败了，重试也不行", "r9", "ticket"),
    ("升级之后一打开就闪退，根本用不了", "r6", "ticket"),
    ("语音消息播放不了，点了没反应", "r10", "in_app"),
    ("语音消息播放不了，点了没有任何反应", "r11", "in_app"),
    ("表情包发出去以后对方收到的是一个灰色方块", None, "in_app"),
    ("登录一直提示验证码错误，换了手机也一样", "r3", "ticket"),
]


def _snapshot(ids):
    """Everything a placement writes, named by feedback ids (problem ids differ between runs)."""
    problems = Problem.objects.filter(members__in=ids).distinct()
    lead = dict(Problem.objects.values_list("id", "lead_id"))
    out = {"problems": {}, "items": {}, "proposals": set(), "audit": set(), "terms": {}}
    for p in problems:
        _assert_consistent(p.pk)
        out["problems"][p.lead_id] = (
            sorted(Feedback.objects.filter(problem=p).values_list("id", flat=True)), p.member_count, p.reporter_count,
            p.channel_count, p.first_seen_at, p.last_seen_at, p.first_release_id, p.product_id, p.title, p.type_id,
            p.module_id, p.severity_id, p.regressed_at is None, p.version)
        out["terms"][p.lead_id] = set(ProblemTerm.objects.filter(problem=p).values_list("term", flat=True))
    for f in Feedback.objects.filter(pk__in=ids):
        out["items"][f.pk] = (lead.get(f.problem_id), f.problem_score, f.problem_evidence, f.canonical_id,
                              f.duplicate_count, f.similarity)
    for fid, pid, score, evidence, decision in ProblemProposal.objects.filter(feedback__in=ids).values_list(
            "feedback_id", "problem_id", "score", "evidence", "decision"):
        out["proposals"].add((fid, lead[pid], score, tuple(evidence), decision))
    for fid, old, new in FieldChange.objects.filter(feedback__in=ids, field="problem").values_list(
            "feedback_id", "old", "new"):
        out["audit"].add((fid, old, lead[int(new[1:])]))
    return out


def _run(ids, *, one_by_one):
    sid = transaction.savepoint()
    if one_by_one:
        for fid in ids:
            feedback_match(feedback_ids=[fid])
    else:
        feedback_match(feedback_ids=ids)
    result = _snapshot(ids)
    transaction.savepoint_rollback(sid)
    return result


def test_a_job_placed_at_once_decides_as_one_by_one(make_feedback, agent):
    from feedback_archive.versions.services import product_default, release_create

    im = product_default()
    old, new = release_create(product=im, version="5.1.0"), release_create(product=im, version="5.2.1")
    now = timezone.now()

    def store(rows, days):
        made = []
        for n, (text, reporter, channel) in enumerate(rows):
            fb = make_feedback(text, channel=channel, received_at=now - dt.timedelta(days=days, hours=n),
                               reporter={"external_id": reporter, "name": f"用户{reporter}"} if reporter else None)
            Feedback.objects.filter(pk=fb.pk).update(canonical=None, duplicate_count=0, similarity=None,
                                                     release=(old, new, None)[n % 3])
            made.append(fb)
        return made

    earlier = store(EARLIER, 20)
    feedback_match(feedback_ids=[f.pk for f in earlier])
    actor = Actor.for_user(agent)
    # a label confirmed on an earlier problem's member: the problem re-votes when the job joins it
    feedback_update(feedback_id=earlier[3].pk, actor=actor, labels={"type": "function"})
    job = store(JOB, 2)
    # labels confirmed on job items (a re-post of the new incident, a paraphrase) take part in votes
    feedback_update(feedback_id=job[0].pk, actor=actor, labels={"type": "function"})
    feedback_update(feedback_id=job[1].pk, actor=actor, labels={"type": "performance", "module": "other"})
    # a near copy intake linked to an item of the same job, and one to an item in no problem yet
    Feedback.objects.filter(pk=job[7].pk).update(canonical=job[0].pk, similarity=0.97)
    outside = store([("聊天记录同步不了，换手机以后全没了", "r12", "in_app")], 5)[0]
    Feedback.objects.filter(pk=job[9].pk).update(canonical=outside.pk, similarity=0.9)
    # a rejection remembered before matching ran
    target = Problem.objects.get(lead=earlier[0])
    proposal = ProblemProposal.objects.create(feedback=job[6], problem=target, score=0.5, evidence=["群文件"])
    proposal_reject(proposal_id=proposal.pk, actor=actor)
    ids = [f.pk for f in job]
    vectoriser_reset()
    vectoriser()  # one fitting for both runs

    bulk = _run(ids, one_by_one=False)
    single = _run(ids, one_by_one=True)
    assert bulk == single
    # the job really resolved items against each other in memory: a re-post joined a problem led
    # by another item of the job, and something was proposed to a problem the job created
    items, in_job = bulk["items"], set(ids)
    assert any(lead in in_job and lead != fid for fid, (lead, *_rest) in items.items())
    assert any(lead in in_job for _fid, lead, *_rest in bulk["proposals"])
    assert items[job[7].pk][0] == items[job[0].pk][0]  # the near copy is with its canonical
    assert items[job[9].pk][0] == outside.pk  # the canonical became a problem first
    # the rejected problem is neither joined nor proposed again
    assert items[job[6].pk][0] != earlier[0].pk
    assert {(lead, d) for fid, lead, _s, _e, d in bulk["proposals"] if fid == job[6].pk} == {(earlier[0].pk, "rejected")}
    vectoriser_reset()
