import datetime as dt

import pytest
from django.utils import timezone

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.services import feedback_create, feedback_update

pytestmark = pytest.mark.django_db


def test_create_stores_feedback_maps_version_and_tokens(importer):
    fb, created = feedback_create(channel="in_app", external_id="a-1", content="  群文件传输太慢了，几十兆要传好几分钟 ",
                                  app_version="v5.3.1 (2041)", platform="Android", actor=importer,
                                  reporter={"external_id": "u-9", "name": "王女士", "contact": "wang@example.com"})
    assert created
    assert fb.content == "群文件传输太慢了，几十兆要传好几分钟"
    assert fb.status == "pending"
    assert fb.platform == "android"
    # thin intake: stored as received, with what was sent; nothing understood yet
    fb.refresh_from_db()
    assert fb.pipeline_state == "received" and fb.pipeline_stage == 0
    assert fb.search_text == "" and fb.release is None and fb.reporter is None
    assert fb.app_version == "v5.3.1 (2041)" and fb.intake_raw["reporter"]["name"] == "王女士"
    from feedback_archive.intake.pipeline import pipeline_run

    pipeline_run(feedback_ids=[fb.pk], stop_after="match")
    fb.refresh_from_db()
    assert fb.release.version == "5.3.1" and fb.release.is_known is False  # unknown versions are kept, flagged
    assert " 文件 " in fb.search_text and " 传输 " in fb.search_text
    assert fb.reporter.name == "王女士" and fb.intake_raw is None  # the contact now lives only on the reporter


def test_same_channel_and_external_id_returns_the_stored_row(importer):
    first, created = feedback_create(channel="ticket", external_id="T-100", content="高峰期连不上服务器", actor=importer)
    again, created_again = feedback_create(channel="ticket", external_id="T-100", content="内容改了也不覆盖", actor=importer)
    assert created and not created_again
    assert again.pk == first.pk
    assert Feedback.objects.get(pk=first.pk).content == "高峰期连不上服务器"
    other, created_other = feedback_create(channel="community", external_id="T-100", content="另一个渠道同样的编号", actor=importer)
    assert created_other and other.pk != first.pk


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"content": "   "}, "content"),
        ({"content": "卡" * 20001}, "content"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"received_at": timezone.now() + dt.timedelta(hours=1)}, "received_at"),
        ({"rating": 6}, "rating"),
        ({"metadata": {"blob": "x" * 17000}}, "metadata"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(importer, kwargs, field):
    data = {"channel": "in_app", "content": "语音消息不能暂停", **kwargs}
    with pytest.raises(ApplicationError) as exc:
        feedback_create(actor=importer, **data)
    assert field in exc.value.fields
    assert Feedback.objects.count() == 0


def test_label_changes_are_validated_and_audited(make_feedback, agent):
    from feedback_archive.core.actors import Actor

    fb = make_feedback()
    actor = Actor.for_user(agent)
    feedback_update(feedback_id=fb.pk, actor=actor, labels={"type": "function", "module": "video"})
    feedback_update(feedback_id=fb.pk, actor=actor, labels={"type": "performance"})
    changes = list(FieldChange.objects.filter(feedback=fb, field="labels.type").values_list("old", "new", "actor_name"))
    assert changes == [("", "function", "zhangwei"), ("function", "performance", "zhangwei")]
    with pytest.raises(ApplicationError) as exc:
        feedback_update(feedback_id=fb.pk, actor=actor, labels={"type": "speed", "colour": "red"})
    assert "labels.type" in exc.value.fields and "labels.colour" in exc.value.fields


def test_stale_version_is_a_conflict_and_changes_nothing(make_feedback, agent):
    from feedback_archive.core.actors import Actor
    from feedback_archive.core.exceptions import ConflictError

    fb = make_feedback()
    seen = fb.version
    feedback_update(feedback_id=fb.pk, actor=Actor.for_user(agent), labels={"type": "function"}, expected_version=seen)
    with pytest.raises(ConflictError):
        feedback_update(feedback_id=fb.pk, actor=Actor.for_user(agent), labels={"type": "experience"}, expected_version=seen)
    assert Feedback.objects.get(pk=fb.pk).label_links.get().label.code == "function"


def test_search_understands_chinese_words(make_feedback):
    a = make_feedback("群文件传输太慢了，几十兆的文件要传好几分钟")
    b = make_feedback("语音消息不能暂停，太不方便了")
    c = make_feedback("视频会议经常卡顿，画面一卡一卡的")
    d = make_feedback("卡片消息显示不全")
    assert list(Feedback.objects.search("文件传输")) == [a]
    assert list(Feedback.objects.search("卡顿")) == [c]  # 卡片 is not 卡顿
    assert set(Feedback.objects.search("消息")) == {b, d}
    assert list(Feedback.objects.search("暂停 语音")) == [b]


def test_near_duplicates_across_channels_are_linked(make_feedback):
    a = make_feedback("升级到5.3.1以后，视频会议里屏幕共享经常黑屏，对方什么都看不到，重启也没用", channel="community")
    b = make_feedback("升级5.3.1之后视频会议屏幕共享老是黑屏，对方啥都看不到，重启了也没用！", channel="social")
    unrelated = make_feedback("群公告编辑以后群成员收不到提醒，希望能加个强提醒", channel="social")
    b.refresh_from_db()
    a.refresh_from_db()
    unrelated.refresh_from_db()
    assert b.canonical_id == a.pk and 0.5 <= b.similarity <= 1
    assert a.duplicate_count == 1
    assert unrelated.canonical_id is None


def test_negation_keeps_look_alike_texts_apart(make_feedback):
    make_feedback("群里可以发送大文件，速度也很快，体验很好")
    b = make_feedback("群里不可以发送大文件，速度也很快，体验很好")
    b.refresh_from_db()
    assert b.canonical_id is None


def test_search_finds_words_the_index_cut_differently(make_feedback):
    a = make_feedback("群文件传输太慢了，几十兆的文件要传好几分钟")
    b = make_feedback("聊天记录导出失败")
    for q in ("群文件", "文件传输", "群文件传输", "传输 太慢"):
        assert list(Feedback.objects.search(q)) == [a], q
    assert list(Feedback.objects.search("导出 群文件")) == []
    assert b.pk
