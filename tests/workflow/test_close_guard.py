"""The exact close-the-loop rule: a close needs a reply after the last reopen whose kind matches the
resolution; progress replies and receipt acknowledgements never count. Every close path: the
service, duplicates following, bulk, the API, the admin bulk action and roadmap shipping."""
import pytest
from django.urls import reverse

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import Feedback
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.models import Reply, RoadmapItem, TransitionLog
from feedback_archive.workflow.replies import close_answer, reply_from_template
from feedback_archive.workflow.roadmap import roadmap_ship
from feedback_archive.workflow.services import feedback_transition, feedback_transition_many

pytestmark = pytest.mark.django_db

FIXED = "您好，群文件上传失败的问题已在 5.4.1 修复，升级后即可。"
PROGRESS = "收到，我们正在评估这个需求。"
REASON = "群公告置顶会挡住聊天内容，本季度暂不排期"


@pytest.fixture
def a(agent):
    return Actor.for_user(agent)


@pytest.fixture
def v(verifier):
    return Actor.for_user(verifier)


def _to_verifying(fb, actor):
    feedback_transition(feedback_id=fb.pk, name="start", actor=actor)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=actor, note="分片重传修复")


def test_fixed_close_then_reopen_needs_a_new_fixed_reply(make_feedback, a, v):
    fb = make_feedback("群文件上传到一半就失败，换了网络也一样")
    _to_verifying(fb, a)
    feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply=FIXED)
    feedback_transition(feedback_id=fb.pk, name="reopen", actor=a, note="用户说 5.4.1 还是失败")
    _to_verifying(fb, a)
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed")
    assert "after the reopen" in exc.value.message and "release" in exc.value.message
    assert Feedback.objects.get(pk=fb.pk).status == "verifying"
    done = feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed",
                               reply="您好，这次在 5.4.2 彻底修复了分片重传，请升级。")
    assert done.status == "closed"
    assert list(Reply.objects.filter(feedback=fb).values_list("event", flat=True)) == ["fixed", "fixed"]


def test_a_progress_reply_does_not_answer_a_wont_fix_close(make_feedback, a):
    fb = make_feedback("希望群公告可以置顶显示")
    feedback_transition(feedback_id=fb.pk, name="start", actor=a, reply=PROGRESS)
    assert Reply.objects.get(feedback=fb).event == "in_progress"
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="wont_fix")
    assert "reason" in exc.value.message and "progress replies" in exc.value.message
    assert Feedback.objects.get(pk=fb.pk).status == "in_progress"
    assert not TransitionLog.objects.filter(feedback=fb, name="close").exists()


def test_a_receipt_acknowledgement_answers_nothing(make_feedback, a):
    fb = make_feedback("消息已读回执不准")
    reply_from_template(feedback=fb, event="received", actor=Actor.system())
    with pytest.raises(ConflictError):
        feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="answered")


@pytest.mark.parametrize("resolution,event", [("wont_fix", "not_now"), ("by_design", "by_design"),
                                              ("not_reproducible", "not_reproducible")])
def test_reason_resolutions_take_the_reason_through_their_template(make_feedback, a, resolution, event):
    fb = make_feedback("语音消息转文字经常识别错误")
    done = feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution=resolution, reason=REASON)
    assert done.status == "closed"
    reply = Reply.objects.get(feedback=fb)
    assert reply.event == event and REASON in reply.body and "{reason}" not in reply.body


def test_a_typed_reply_is_the_reason_and_is_kept_as_written(make_feedback, a):
    fb = make_feedback("希望支持消息定时发送")
    text = "您好，定时发送涉及消息时序，本季度不排期，已记入产品规划。"
    feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="wont_fix", reply=text)
    reply = Reply.objects.get(feedback=fb)
    assert (reply.event, reply.body) == ("not_now", text)


def test_the_template_refuses_without_its_reason(make_feedback, a):
    fb = make_feedback("会议纪要导出乱码")
    with pytest.raises(ApplicationError) as exc:
        reply_from_template(feedback=fb, event="not_now", actor=a)
    assert "reason" in exc.value.fields
    assert not Reply.objects.filter(feedback=fb).exists()


def test_a_fixed_reply_must_name_the_release(make_feedback, a, v):
    fb = make_feedback("通话中切到后台会断开")
    _to_verifying(fb, a)
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply="您好，问题已修复。")
    assert "release" in exc.value.message
    assert not Reply.objects.filter(feedback=fb).exists()


def test_a_known_release_is_added_to_a_fixed_reply_that_omits_it(make_feedback, a, v):
    product = Product.objects.create(slug="im-android", name="安卓客户端")
    release = Release.objects.create(product=product, version="6.1.0")
    fb = make_feedback("通话中切到后台会断开")
    Feedback.objects.filter(pk=fb.pk).update(fixed_in=release)
    _to_verifying(fb, a)
    feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed", reply="您好，问题已修复。")
    assert "6.1.0" in Reply.objects.get(feedback=fb).body


def test_a_wont_fix_reply_does_not_answer_a_later_fixed_close(make_feedback, a, v):
    fb = make_feedback("表情包发送失败")
    feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="wont_fix", reason=REASON)
    feedback_transition(feedback_id=fb.pk, name="reopen", actor=a)
    # an answer given before the reopen no longer counts, whatever its kind
    with pytest.raises(ConflictError):
        feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="wont_fix")


def test_an_earlier_matching_answer_since_the_reopen_counts(make_feedback, a, v):
    """The roadmap tells a pending item's reporter "fixed in X"; closing as fixed later needs no second one."""
    fb = make_feedback("群相册上传卡住")
    reply_from_template(feedback=fb, event="fixed", actor=a, release="5.6.0")
    _to_verifying(fb, a)
    done = feedback_transition(feedback_id=fb.pk, name="close", actor=v, resolution="fixed")
    assert done.status == "closed" and Reply.objects.filter(feedback=fb).count() == 1


def test_duplicate_close_carries_the_canonical_answer(make_feedback, a):
    canonical = make_feedback("视频会议共享屏幕黑屏")
    # stops before problem matching: it would put this paraphrase into the canonical's problem (and
    # close it with it); this test is about a duplicate linked by hand
    dup = make_feedback("共享屏幕的时候对方看到的是黑屏", understand="tokens")
    with pytest.raises(ConflictError) as exc:
        feedback_transition(feedback_id=dup.pk, name="close", actor=a, resolution="duplicate")
    assert "canonical" in exc.value.message
    feedback_transition(feedback_id=canonical.pk, name="close", actor=a, resolution="answered",
                        reply="您好，请在系统设置里允许屏幕录制权限后重启客户端。")
    Feedback.objects.filter(pk=dup.pk).update(canonical=canonical)
    dup.refresh_from_db()
    feedback_transition(feedback_id=dup.pk, name="close", actor=a, resolution="duplicate")
    reply = Reply.objects.get(feedback=dup)
    assert reply.event == "duplicate" and "屏幕录制权限" in reply.body and f"#{canonical.pk}" in reply.body


def test_duplicates_following_their_canonical_hear_its_answer(make_feedback, a):
    canonical = make_feedback("视频会议共享屏幕黑屏")
    dup = make_feedback("共享屏幕对方黑屏")
    Feedback.objects.filter(pk=dup.pk).update(canonical=canonical)
    feedback_transition(feedback_id=canonical.pk, name="close", actor=a, resolution="by_design", reason=REASON)
    assert Feedback.objects.get(pk=dup.pk).status == "closed"
    assert REASON in Reply.objects.get(feedback=dup).body


def test_no_reply_reason_only_where_the_reporter_cannot_be_answered(make_feedback, a):
    fb = make_feedback("匿名问卷里的反馈")  # no reporter
    done = feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="wont_fix",
                               no_reply_reason="匿名渠道，无法联系用户")
    assert done.status == "closed" and not Reply.objects.filter(feedback=fb).exists()


def test_close_answer_unit_checks_nothing_without_a_resolution(make_feedback):
    assert close_answer(feedback=make_feedback(), resolution="") is None


def test_bulk_close_applies_the_rule_to_each_item(make_feedback, a):
    answered = make_feedback("怎么关闭消息免打扰")
    bare = make_feedback("怎么设置群昵称")
    feedback_transition(feedback_id=bare.pk, name="start", actor=a, reply=PROGRESS)
    done, refused = feedback_transition_many(feedback_ids=[answered.pk, bare.pk], name="close", actor=a,
                                             resolution="answered", reason="在会话设置里打开即可")
    assert done == [answered.pk, bare.pk] and not refused  # a reason answers both
    other = make_feedback("怎么导出聊天记录")
    done, refused = feedback_transition_many(feedback_ids=[other.pk], name="close", actor=a, resolution="wont_fix")
    assert done == [] and "reason" in refused[other.pk]


def test_api_close_refused_with_409_naming_what_is_missing(make_feedback, api):
    fb = make_feedback("希望群公告可以置顶显示")
    url = f"/api/v1/feedback/{fb.pk}/transition/"
    assert api.post(url, {"name": "start", "reply": PROGRESS}, format="json").status_code == 200
    r = api.post(url, {"name": "close", "resolution": "wont_fix"}, format="json")
    assert r.status_code == 409 and "说明原因的回复" in str(r.json()) and "进度回复和自动回执不算答复" in str(r.json())
    r = api.post(url, {"name": "close", "resolution": "wont_fix", "reason": REASON}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = api.post(url, {"name": "reopen"}, format="json")
    assert r.status_code == 200
    r = api.post(url, {"name": "close", "resolution": "by_design"}, format="json")
    assert r.status_code == 409


def test_admin_bulk_close_reports_the_missing_answer(client, make_feedback, agent):
    client.force_login(agent)
    fb = make_feedback("希望支持消息撤回时间延长")
    r = client.post(reverse("admin:feedback_feedback_changelist"),
                    {"action": "action_close", "_selected_action": [fb.pk], "resolution": "wont_fix"}, follow=True)
    assert r.status_code == 200
    assert Feedback.objects.get(pk=fb.pk).status == "pending"
    assert "说明原因的回复" in r.content.decode()  # the admin speaks Chinese first


def test_roadmap_shipping_closes_with_a_fixed_reply_naming_the_release(make_feedback, a, v, agent):
    product = Product.objects.create(slug="im-ios", name="iOS 客户端")
    release = Release.objects.create(product=product, version="7.0.0")
    fb = make_feedback("希望支持消息定时发送")
    _to_verifying(fb, a)
    item = RoadmapItem.objects.create(title="定时发送")
    item.feedback.add(fb)
    outcome = roadmap_ship(item=item, release=release, actor=v)
    assert outcome["closed"] == [fb.pk]
    reply = Reply.objects.get(feedback=fb)
    assert reply.event == "fixed" and "7.0.0" in reply.body
