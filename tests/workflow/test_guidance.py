"""The guidance loop: consultation items and false alarms (closed as works-as-designed) per topic and
month, the docs owner's "guidance written" mark, and whether the topic's volume fell afterwards."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, PermissionDeniedError
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.reports.services import snapshot_store
from feedback_archive.workflow.guidance import guidance_effect, guidance_mark, guidance_topics
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def history(make_feedback, agent):
    a = Actor.for_user(agent)

    def ask(text, month, day, module, kind="consultation"):
        fb = make_feedback(text, received_at=dt.datetime(2025, month, day, 10, tzinfo=SH))
        labels = {"module": module}
        if kind == "consultation":
            labels["type"] = "consultation"
        feedback_set_labels(feedback=fb, labels=labels, actor=a)
        if kind == "false_alarm":
            feedback_transition(feedback_id=fb.pk, name="close", actor=a, resolution="by_design", reason="撤回时限为两分钟")
        return fb

    for day in (3, 8, 15, 22):
        ask("怎么把群文件转存到云盘", 3, day, "file")
    ask("消息撤回不了，是不是坏了", 3, 9, "message", kind="false_alarm")
    ask("群文件怎么批量下载", 4, 10, "file")
    ask("怎么设置语音自动转文字", 4, 11, "voice")
    return a


def test_topics_per_month(history):
    data = guidance_topics(months=3, now=dt.datetime(2025, 4, 20, tzinfo=SH))
    assert data["months"] == ["2025-02", "2025-03", "2025-04"]
    rows = {r["topic"]: r for r in data["topics"]}
    assert [c["consultation"] for c in rows["file"]["months"]] == [0, 4, 1]
    assert rows["message"]["months"][1] == {"consultation": 0, "false_alarm": 1, "total": 1}
    assert data["topics"][0]["topic"] == "file"


def test_only_the_docs_owner_marks_guidance_and_bad_links_are_refused(history, agent, make_user, settings):
    with pytest.raises(PermissionDeniedError):
        guidance_mark(topic_code="file", link="https://help.example.com/files", actor=history, user=agent)
    lead = make_user("docs-lead", role="团队负责人")
    with pytest.raises(ApplicationError) as exc:
        guidance_mark(topic_code="nope", link="javascript:alert(1)", actor=Actor.for_user(lead), user=lead)
    assert set(exc.value.fields) == {"topic", "link"}
    note = guidance_mark(topic_code="file", link="https://help.example.com/files", actor=Actor.for_user(lead), user=lead,
                         at=dt.datetime(2025, 3, 28, tzinfo=SH))
    assert note.pk and guidance_topics(months=2, now=dt.datetime(2025, 4, 20, tzinfo=SH))["topics"][0]["guidance"]


def test_the_monthly_report_shows_whether_the_topic_fell(history, make_user):
    lead = make_user("docs-lead", role="团队负责人")
    guidance_mark(topic_code="file", link="https://help.example.com/files", actor=Actor.for_user(lead), user=lead,
                  at=dt.datetime(2025, 3, 28, tzinfo=SH))
    april = guidance_effect(month_start=dt.datetime(2025, 4, 1, tzinfo=SH), month_end=dt.datetime(2025, 5, 1, tzinfo=SH))
    # four questions in the 30 days before 03-28, one in April: it fell
    assert [(g["topic"], g["before_days"], g["before"], g["this_month"], g["fell"]) for g in april] == [
        ("file", 30, 4, 1, True)]
    snap = snapshot_store(kind="monthly", period="2025-03")
    assert snap.data["guidance"][0]["fell"] is None  # written in the report's own month: too early to tell


def test_admin_topics_page(history, admin_client):
    page = admin_client.get("/admin/workflow/guidancenote/topics/")
    assert page.status_code == 200
    admin_client.post("/admin/workflow/guidancenote/topics/", {"topic": "file", "link": "https://help.example.com/f"})
    assert "help.example.com/f" in admin_client.get("/admin/workflow/guidancenote/topics/").content.decode()
