"""Channels that acknowledge receipt send the reporter the "received" reply as soon as the
feedback is stored (the pipeline's last stage, run inline here after the commit) — once, through
the outbox — and that acknowledgement never counts as the answer a close needs."""
import pytest
from django.core import mail

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ConflictError
from feedback_archive.feedback.models import Channel
from feedback_archive.intake.services import feedback_receive as feedback_create
from feedback_archive.intake.services import feedback_receive_many as feedback_create_many
from feedback_archive.workflow.models import Delivery, Reply
from feedback_archive.workflow.replies import feedback_acknowledge
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
REPORTER = {"external_id": "u-1001", "name": "王工", "contact": "wang@example.com"}


def _ticket(n, **kw):
    return {"channel": "ticket", "external_id": f"T-{n}", "content": f"工单{n}：群文件上传到一半就失败，换网络也一样",
            "reporter": {**REPORTER, "external_id": f"u-{n}"}, **kw}


@pytest.fixture
def acknowledging_ticket_channel(db):
    Channel.objects.filter(slug="ticket").update(acknowledge=True)


def test_new_feedback_is_acknowledged_once(acknowledging_ticket_channel, django_capture_on_commit_callbacks):
    actor = Actor.system("api")
    with django_capture_on_commit_callbacks(execute=True):
        fb, created = feedback_create(actor=actor, **_ticket(1))
    reply = Reply.objects.get(feedback=fb)
    assert reply.event == "received" and f"#{fb.pk}" in reply.body
    assert Delivery.objects.filter(reply=reply).exists()
    assert any(f"#{fb.pk}" in m.subject for m in mail.outbox)  # sent by e-mail (the reporter's contact)
    # a retried post of the same item and a retried job acknowledge nothing again
    with django_capture_on_commit_callbacks(execute=True):
        again, created = feedback_create(actor=actor, **_ticket(1))
    assert not created and again.pk == fb.pk
    assert feedback_acknowledge(feedback_ids=[fb.pk]) == 0
    assert Reply.objects.filter(feedback=fb).count() == 1


def test_bulk_intake_acknowledges_each_new_item(acknowledging_ticket_channel, django_capture_on_commit_callbacks):
    items = [_ticket(n) for n in range(3)] + [{"channel": "in_app", "external_id": "A-1", "content": "语音消息播放没有声音",
                                               "reporter": REPORTER}]
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_create_many(items=items, actor=Actor.system("api"))
    ids = [r["id"] for r in results]
    acknowledged = set(Reply.objects.filter(event="received").values_list("feedback_id", flat=True))
    assert acknowledged == set(ids[:3])  # in_app does not acknowledge


def test_channels_that_do_not_acknowledge_send_nothing(make_feedback):
    fb = make_feedback("群公告编辑后成员收不到通知")
    assert feedback_acknowledge(feedback_ids=[fb.pk]) == 0
    assert not Reply.objects.filter(feedback=fb).exists()


def test_the_acknowledgement_is_not_the_answer_a_close_needs(acknowledging_ticket_channel, agent,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fb, _ = feedback_create(actor=Actor.system("api"), **_ticket(7))
    assert Reply.objects.filter(feedback=fb, event="received").exists()
    with pytest.raises(ConflictError, match="[Rr]eply"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered")
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered",
                        reply="您好，文件上传失败是客户端 5.3.1 的已知问题，5.3.2 已修复，请升级后重试。")
