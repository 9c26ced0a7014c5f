"""The efficiency review on a hand-computed example (Beijing time, March 2025):

  #A 音视频引擎组, zhangwei: received Fri 03-07 17:00, started Mon 03-10 10:00, closed (answered) 11:30
     → pending: 65 calendar hours, 2 business hours (Fri 17–18, Mon 9–10);
       in progress: 1.5 h on both clocks. Handed from wangfang to zhangwei once.
  #B 音视频引擎组, zhangwei: received Mon 03-10 09:00, started 13:00 → pending 4 h on both clocks
  #C 即时消息组, unassigned, still pending (open age, workload)
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.core.roles import AGENT
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import feedback_assign
from feedback_archive.reports.delivery import report_email_leads
from feedback_archive.reports.efficiency import efficiency_report
from feedback_archive.reports.services import snapshot_store
from feedback_archive.workflow.ledger import hours_summary
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
CONSOLE = Actor(key_name="triage-console", via="api")


@pytest.fixture
def example(make_feedback, django_user_model):
    people = {}
    for name in ("zhangwei", "wangfang"):
        people[name] = django_user_model.objects.create_user(name, password="pw", is_staff=True, email=f"{name}@corp.example")
        people[name].groups.add(Group.objects.get(name=AGENT))
    av = Team.objects.create(slug="av-engine", name="音视频引擎组", lead=people["wangfang"])
    im = Team.objects.create(slug="im", name="即时消息组")
    av.members.add(people["zhangwei"], people["wangfang"])
    zw = Actor.for_user(people["zhangwei"])
    a = make_feedback("视频通话一开美颜就卡成幻灯片", received_at=dt.datetime(2025, 3, 7, 17, tzinfo=SH))
    feedback_assign(feedback=a, actor=CONSOLE, team=av, assignee=people["wangfang"])
    feedback_assign(feedback=a, actor=CONSOLE, team=av, assignee=people["zhangwei"])  # a hand-off
    feedback_transition(feedback_id=a.pk, name="start", actor=zw, at=dt.datetime(2025, 3, 10, 10, tzinfo=SH))
    feedback_transition(feedback_id=a.pk, name="close", actor=zw, resolution="answered",
                        reply="您好，设置 → 通话 → 关闭美颜硬件加速即可。", at=dt.datetime(2025, 3, 10, 11, 30, tzinfo=SH))
    b = make_feedback("会议中共享屏幕没有声音", received_at=dt.datetime(2025, 3, 10, 9, tzinfo=SH))
    feedback_assign(feedback=b, actor=CONSOLE, team=av, assignee=people["zhangwei"])
    feedback_transition(feedback_id=b.pk, name="start", actor=zw, at=dt.datetime(2025, 3, 10, 13, tzinfo=SH))
    c = make_feedback("群消息偶尔重复推送", received_at=dt.datetime(2025, 3, 12, 9, tzinfo=SH))
    feedback_assign(feedback=c, actor=CONSOLE, team=im)
    return {"a": a, "b": b, "c": c, "people": people}


def _row(rows, **match):
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def test_hours_summary_is_nearest_rank():
    assert hours_summary([]) == {"median": None, "p90": None}
    assert hours_summary([3600 * h for h in range(1, 11)]) == {"median": 5.0, "p90": 9.0}


def test_stage_time_per_team_and_owner_on_both_clocks(example):
    data = efficiency_report(month="2025-03", now=dt.datetime(2025, 4, 1, tzinfo=SH))
    team = _row(data["stages"]["by_team"], name="音视频引擎组", state="pending")
    assert team["spans"] == 2
    # pending spans: A = 2 business / 65 calendar hours, B = 4 / 4 → nearest-rank median is the lower
    assert team["business_hours"] == {"median": 2.0, "p90": 4.0}
    assert team["calendar_hours"] == {"median": 4.0, "p90": 65.0}
    assert sorted(team["feedback_ids"]) == sorted([example["a"].pk, example["b"].pk])
    owner = _row(data["stages"]["by_owner"], name="zhangwei", state="in_progress")
    assert owner["business_hours"]["median"] == 1.5 and owner["calendar_hours"]["median"] == 1.5
    assert "business hours" in data["clocks"]["business"] and "calendar" in data["clocks"]["calendar"]


def test_handoffs_open_age_workload_and_breaches(example):
    Feedback.objects.filter(pk=example["c"].pk).update(sla_due_at=dt.datetime(2025, 3, 13, 9, tzinfo=SH),
                                                       sla_breached=True)
    data = efficiency_report(month="2025-03", now=dt.datetime(2025, 3, 20, 9, tzinfo=SH))
    assert data["handoffs"]["items"] == 1 and data["handoffs"]["total"] == 1
    assert data["handoffs"]["top"] == [{"feedback_id": example["a"].pk, "handoffs": 1}]
    buckets = {b["bucket"]: b for b in data["open_age"]["buckets"]}
    assert sorted(buckets["7-30d"]["feedback_ids"]) == sorted([example["b"].pk, example["c"].pk])
    work = {w["assignee"]: w for w in data["workload"]}
    assert work["zhangwei"]["open"] == 1 and work["zhangwei"]["in_progress"] == 1
    assert work[""]["open"] == 1  # unassigned
    im = _row(data["sla_breaches"], team="im")
    assert (im["items_with_sla"], im["breached"], im["share"]) == (1, 1, 1.0)


def test_team_filter_and_bad_month(example):
    data = efficiency_report(month="2025-03", team="im")
    assert data["stages"]["by_team"] == [] and data["workload"][0]["open"] == 1
    assert efficiency_report(month="2025-03", team="no-such-team")["workload"] == []


def test_api_endpoint(example, api):
    r = api.get("/api/v1/reports/efficiency/?month=2025-03")
    assert r.status_code == 200 and r.json()["kind"] == "efficiency"
    assert _row(r.json()["stages"]["by_team"], state="pending", team_id=example["a"].team_id)["spans"] == 2
    for bad in ("2025-13", "0000-01", "9999-12", "next"):
        assert api.get(f"/api/v1/reports/efficiency/?month={bad}").status_code == 400


def test_admin_page_labels_clocks_and_drills_down(example, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("lead", password="pw"))
    r = client.get("/admin/reports/reportsnapshot/efficiency/?month=2025-03")
    body = r.content.decode()
    assert r.status_code == 200
    assert ("工作小时" in body and "自然小时" in body)  # business and calendar hours, in the desk's language
    assert f"id__in={example['a'].pk}," in body or f"id__in={example['b'].pk}," in body
    drill = client.get(f"/admin/feedback/feedback/?id__in={example['a'].pk},{example['b'].pk}")
    assert drill.status_code == 200  # the list accepts id__in (no "?e=1" redirect)
    assert "幻灯片" in drill.content.decode() and "群消息偶尔重复推送" not in drill.content.decode()
    r = client.get("/admin/reports/reportsnapshot/efficiency/?month=bad", follow=True)
    assert r.status_code == 200 and "2026-11" in r.content.decode()


def test_monthly_report_and_its_email_carry_efficiency(example):
    snap = snapshot_store(kind="monthly", period="2025-03")
    assert _row(snap.data["efficiency"]["by_team"], state="pending")["business_hours"]["median"] == 2.0
    assert report_email_leads(snapshot=snap) == 1
    text = mail.outbox[0].body
    assert "工作小时" in text and "自然小时" in text
