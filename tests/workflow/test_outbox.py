import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Channel
from feedback_archive.workflow.models import ChannelDelivery, Delivery, DeliveryStatus, ReplyTemplate
from feedback_archive.workflow.outbox import delivery_retry, delivery_send, delivery_send_due, reply_template_render
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-渠道密钥"
ANSWER = "您好，群公告只有群主和管理员可以编辑，请联系群主为您开通管理员权限。"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records what it gets and answers `status`."""

    def __init__(self):
        self.calls, self.status = [], 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append({"headers": dict(self.headers), "body": body})
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(receiver):
    ChannelDelivery.objects.create(channel=Channel.objects.get(slug="in_app"), webhook_url=receiver.url, secret=SECRET)
    return receiver


def _reporter(contact="", locale="zh-CN", ext="u-1001"):
    return {"reporter": {"external_id": ext, "name": "王芳", "contact": contact}, "locale": locale}


def _answer_and_close(fb, agent, capture):
    with capture(execute=True):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered", reply=ANSWER)


def test_reply_is_emailed_after_commit_in_the_reporters_language(make_feedback, agent, django_capture_on_commit_callbacks):
    fb = make_feedback("群公告为什么我改不了？点编辑没反应", channel="community", **_reporter("wangfang@example.com"))
    _answer_and_close(fb, agent, django_capture_on_commit_callbacks)

    reply_mail = [m for m in mail.outbox if ANSWER in m.body]
    assert len(reply_mail) == 1
    assert reply_mail[0].to == ["wangfang@example.com"]
    assert reply_mail[0].subject == f"关于您的反馈 #{fb.pk} 的答复"
    delivery = Delivery.objects.get(reply__feedback=fb)
    assert (delivery.method, delivery.status, delivery.attempts) == ("email", "sent", 1)


def test_english_reporter_gets_the_english_subject(make_feedback, agent, django_capture_on_commit_callbacks):
    fb = make_feedback("Cannot edit the group notice, the button does nothing", channel="community",
                       **_reporter("tom@example.com", locale="en-US"))
    _answer_and_close(fb, agent, django_capture_on_commit_callbacks)
    assert any(m.subject == f"An answer to your feedback #{fb.pk}" for m in mail.outbox)


def test_edited_template_is_used_and_unknown_placeholders_stay(make_feedback):
    fb = make_feedback("升级后语音消息无法播放", **_reporter(locale="zh"))
    ReplyTemplate.objects.filter(event="fixed", language="zh").update(subject="已修复：{release} {nope}", body="#{number} 在 {release} 修好了")
    subject, body = reply_template_render(feedback=fb, event="fixed", release="5.4.0")
    assert subject == "已修复：5.4.0 {nope}"
    assert body == f"#{fb.pk} 在 5.4.0 修好了"


def test_webhook_is_signed_with_hmac_of_the_body(make_feedback, agent, hooked, django_capture_on_commit_callbacks):
    fb = make_feedback("群公告为什么我改不了？", **_reporter())  # in_app, no e-mail: the channel's webhook
    _answer_and_close(fb, agent, django_capture_on_commit_callbacks)

    reply_calls = [c for c in hooked.calls if json.loads(c["body"])["kind"] == "reply"]
    assert len(reply_calls) == 1
    call = reply_calls[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), call["body"], hashlib.sha256).hexdigest()
    assert call["headers"]["X-Feedback-Signature"] == expected
    payload = json.loads(call["body"])
    assert payload["body"] == ANSWER
    assert payload["feedback"]["id"] == fb.pk and payload["reporter"]["external_id"] == "u-1001"
    assert payload["reply"]["event"] == "answered"
    assert Delivery.objects.get(reply__feedback=fb).status == "sent"


def test_no_way_to_reach_the_reporter_is_not_applicable(make_feedback, agent, django_capture_on_commit_callbacks):
    fb = make_feedback("群公告为什么我改不了？", **_reporter(contact="微信 wf1001"))  # in_app without a webhook
    _answer_and_close(fb, agent, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(reply__feedback=fb)
    assert (delivery.method, delivery.status, delivery.attempts) == ("none", "not_applicable", 0)
    assert not Delivery.objects.filter(survey__feedback=fb).exists()  # nobody to ask either
    assert mail.outbox == []


def test_failed_webhook_backs_off_then_dead_letter_then_manual_retry(make_feedback, agent, hooked):
    hooked.status = 503
    fb = make_feedback("视频会议中共享屏幕时对方看到黑屏", **_reporter())
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), reply="您好，我们正在排查共享屏幕黑屏的问题。")
    delivery = Delivery.objects.get(reply__feedback=fb)
    t0 = timezone.now()

    assert delivery_send(delivery_id=delivery.pk, now=t0) == "retrying"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == t0 + dt.timedelta(minutes=1)
    assert "HTTP 503" in delivery.last_error

    # not due yet: the sweep leaves it alone
    assert delivery_send_due(now=t0 + dt.timedelta(seconds=59)) == 0
    clock = t0
    for wait in (60, 300, 1800, 7200):
        clock += dt.timedelta(seconds=wait)
        assert delivery_send_due(now=clock) == 1
        delivery.refresh_from_db()
        assert delivery.status == "retrying"
    assert delivery.next_attempt_at == clock + dt.timedelta(hours=12)
    clock += dt.timedelta(hours=12)
    delivery_send_due(now=clock)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 6, None)
    assert len(hooked.calls) == 6
    assert delivery_send_due(now=clock + dt.timedelta(days=3)) == 0  # dead letters stay dead

    hooked.status = 204
    delivery_retry(delivery_id=delivery.pk, actor=Actor.for_user(agent))
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is not None


def test_sending_twice_sends_once(make_feedback, agent, hooked):
    fb = make_feedback("消息撤回后对方仍能看到", **_reporter())
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), reply="您好，已收到，正在处理。")
    delivery = Delivery.objects.get(reply__feedback=fb)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(hooked.calls) == 1


def test_rolled_back_step_sends_nothing(make_feedback, agent, hooked, django_capture_on_commit_callbacks):
    from django.db import transaction

    fb = make_feedback("文件传输到一半失败", **_reporter())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), reply="正在处理")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and hooked.calls == [] and not Delivery.objects.exists()


def test_admin_dead_letter_retry_action(make_feedback, agent, hooked, admin_client):
    hooked.status = 500
    fb = make_feedback("日程提醒没有推送", **_reporter())
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), reply="您好，正在排查推送问题。")
    delivery = Delivery.objects.get(reply__feedback=fb)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, attempts=6, next_attempt_at=None)

    page = admin_client.get("/admin/workflow/deadletter/")
    assert page.status_code == 200 and f"#{fb.pk}" in page.content.decode()
    hooked.status = 200
    resp = admin_client.post("/admin/workflow/deadletter/", {"action": "retry", "_selected_action": [delivery.pk]})
    assert resp.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status in ("pending", "sent")  # queued again (sent at once when jobs run inline)


def test_api_shows_delivery_status_of_each_reply(make_feedback, agent, api, django_capture_on_commit_callbacks):
    fb = make_feedback("群公告为什么我改不了？", channel="community", **_reporter("wangfang@example.com"))
    _answer_and_close(fb, agent, django_capture_on_commit_callbacks)
    body = api.get(f"/api/v1/feedback/{fb.pk}/").json()
    assert [r["delivery"] for r in body["replies"]] == ["sent"]
