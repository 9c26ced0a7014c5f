"""The stage ledger on a hand-computed example.

Period: March 2025. Received 2025-03-03 09:00 (t0), all Beijing time:
  #A 音视频组, owner zhangwei: start t0+1h, submit t0+5h, close (fixed, by lina) t0+6h
     → pending 3600 s, in progress 14400 s, verifying 3600 s
  #B 即时消息组, owner wangfang: start t0+2h, close (answered) t0+4h
     → pending 7200 s, in progress 7200 s
  #C 即时消息组, owner wangfang: start in April → outside the period
  #D 即时消息组, unassigned, still pending
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback
from feedback_archive.versions.models import Product, Release
from feedback_archive.core.roles import AGENT
from feedback_archive.feedback.services import feedback_assign
from feedback_archive.workflow import ledger
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 3, 3, 9, tzinfo=SH)
MARCH = (dt.datetime(2025, 3, 1, tzinfo=SH), dt.datetime(2025, 4, 1, tzinfo=SH))
CONSOLE = Actor(key_name="triage-console", via="api")
H = dt.timedelta(hours=1)


@pytest.fixture
def example(make_feedback, django_user_model):
    people = {}
    for name in ("zhangwei", "lina", "wangfang"):
        people[name] = django_user_model.objects.create_user(name, password="pw", is_staff=True)
        people[name].groups.add(Group.objects.get(name=AGENT))
    av = Team.objects.create(slug="av-engine", name="音视频引擎组")
    im = Team.objects.create(slug="im", name="即时消息组")
    av.members.add(people["zhangwei"], people["lina"])
    im.members.add(people["wangfang"])

    def item(text, team, owner):
        fb = make_feedback(text, received_at=T0)
        feedback_assign(feedback=fb, actor=CONSOLE, team=team, assignee=owner)
        return fb

    a = item("视频通话一开美颜就卡成幻灯片", av, people["zhangwei"])
    zw = Actor.for_user(people["zhangwei"])
    feedback_transition(feedback_id=a.pk, name="start", actor=zw, at=T0 + H)
    feedback_transition(feedback_id=a.pk, name="submit", actor=zw, at=T0 + 5 * H)
    release = Release.objects.create(product=Product.objects.get_or_create(slug="im", defaults={"name": "企信"})[0],
                                     version="5.3.2")
    Feedback.objects.filter(pk=a.pk).update(fixed_in=release)  # a fixed close names the fix release
    feedback_transition(feedback_id=a.pk, name="close", actor=Actor.for_user(people["lina"]), resolution="fixed",
                        reply="您好，5.3.2 已修复美颜卡顿，升级后即可。", at=T0 + 6 * H)
    b = item("怎么设置群消息免打扰？", im, people["wangfang"])
    wf = Actor.for_user(people["wangfang"])
    feedback_transition(feedback_id=b.pk, name="start", actor=wf, at=T0 + 2 * H)
    feedback_transition(feedback_id=b.pk, name="close", actor=wf, resolution="answered",
                        reply="您好，长按群聊 → 消息免打扰即可。", at=T0 + 4 * H)
    c = item("文件传输到 99% 就失败", im, people["wangfang"])
    feedback_transition(feedback_id=c.pk, name="start", actor=wf, at=dt.datetime(2025, 4, 2, 10, tzinfo=SH))
    d = make_feedback("群公告编辑后其他人看不到更新", received_at=T0)
    feedback_assign(feedback=d, actor=CONSOLE, team=im)
    return {"a": a, "b": b, "c": c, "d": d, "av": av, "im": im, "people": people}


def test_time_in_each_state_per_team(example):
    rows = ledger.stage_time(start=MARCH[0], end=MARCH[1], by="team")
    got = {(r["team__slug"], r["state"]): (r["seconds"], r["spans"]) for r in rows}
    assert got == {
        ("av-engine", "pending"): (3600, 1), ("av-engine", "in_progress"): (14400, 1), ("av-engine", "verifying"): (3600, 1),
        ("im", "pending"): (7200, 1), ("im", "in_progress"): (7200, 1),
    }


def test_time_in_each_state_per_owner_and_overall(example):
    owners = {(r["owner_name"], r["state"]): r["seconds"] for r in ledger.stage_time(start=MARCH[0], end=MARCH[1], by="owner")}
    assert owners == {("zhangwei", "pending"): 3600, ("zhangwei", "in_progress"): 14400, ("zhangwei", "verifying"): 3600,
                      ("wangfang", "pending"): 7200, ("wangfang", "in_progress"): 7200}
    overall = {r["state"]: r for r in ledger.stage_time(start=MARCH[0], end=MARCH[1], by="state")}
    assert overall["pending"]["seconds"] == 10800 and overall["pending"]["avg_seconds"] == 5400
    assert overall["pending"]["max_seconds"] == 7200
    assert overall["in_progress"]["seconds"] == 21600 and overall["in_progress"]["spans"] == 2


def test_wide_table_per_item_and_per_team(example):
    items = {r["feedback_id"]: r for r in ledger.stage_time_table(start=MARCH[0], end=MARCH[1], by="item")}
    assert set(items) == {example["a"].pk, example["b"].pk}
    a = items[example["a"].pk]
    assert (a["pending_seconds"], a["in_progress_seconds"], a["verifying_seconds"], a["total_seconds"]) == (3600, 14400, 3600, 21600)
    teams = {r["team__slug"]: r for r in ledger.stage_time_table(start=MARCH[0], end=MARCH[1], by="team")}
    assert teams["im"]["total_seconds"] == 14400 and teams["im"]["transitions"] == 2 and teams["im"]["items"] == 1
    assert teams["im"]["verifying_seconds"] == 0


def test_april_holds_only_the_april_span(example):
    rows = ledger.stage_time(start=dt.datetime(2025, 4, 1, tzinfo=SH), end=dt.datetime(2025, 5, 1, tzinfo=SH), by="item")
    assert [(r["feedback_id"], r["state"], r["seconds"]) for r in rows] == [
        (example["c"].pk, "pending", (dt.datetime(2025, 4, 2, 10, tzinfo=SH) - T0).total_seconds())]


def test_how_items_were_resolved(example):
    rows = ledger.resolutions(start=MARCH[0], end=MARCH[1], by="team")
    assert [(r["team__slug"], r["resolution"], r["count"]) for r in rows] == [("av-engine", "fixed", 1), ("im", "answered", 1)]


def test_hand_offs_between_teams(example):
    feedback_assign(feedback=example["d"], actor=CONSOLE, team=example["av"])
    start, end = MARCH[0], dt.datetime(2100, 1, 1, tzinfo=SH)  # the audit trail is stamped with the real clock
    assert ledger.handoffs(start=start, end=end) == [{"from_team": "im", "to_team": "av-engine", "count": 1}]


def test_one_items_history(example):
    spans = ledger.item_ledger(feedback_id=example["a"].pk)
    assert [(s["state"], s["seconds"], s["owner"], s["step"]) for s in spans] == [
        ("pending", 3600, "zhangwei", "start"), ("in_progress", 14400, "zhangwei", "submit"),
        ("verifying", 3600, "zhangwei", "close"), ("closed", 0.0, "zhangwei", "")]
    assert spans[2]["actor"] == "lina" and spans[2]["resolution"] == "fixed"


def test_open_items_age_in_their_current_state(example):
    now = dt.datetime(2025, 4, 2, 12, tzinfo=SH)
    rows = ledger.open_age(now=now, by="team")
    assert [(r["team__slug"], r["state"], r["items"], r["seconds"]) for r in rows] == [
        ("im", "in_progress", 1, 2 * 3600), ("im", "pending", 1, (now - T0).total_seconds())]


def test_one_query_per_figure(example, django_assert_num_queries):
    with django_assert_num_queries(1):
        ledger.stage_time(start=MARCH[0], end=MARCH[1], by="owner")
    with django_assert_num_queries(1):
        ledger.stage_time_table(start=MARCH[0], end=MARCH[1], by="team")


def test_bad_period_or_grouping_is_a_400_not_a_500(example):
    with pytest.raises(ApplicationError):
        ledger.stage_time(start=MARCH[1], end=MARCH[0])
    with pytest.raises(ApplicationError):
        ledger.stage_time(start=MARCH[0], end=MARCH[1], by="weather")
