import datetime as dt
from decimal import Decimal
from itertools import takewhile
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.core.models import Team
from feedback_archive.core.roles import AGENT
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.services import feedback_assign, feedback_set_labels
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Product
from feedback_archive.workflow import sla, tasks
from feedback_archive.workflow.models import Holiday, SlaClock, SlaNotice, SlaPause, SlaPolicy
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
CONSOLE = Actor(key_name="triage-console", via="api")
CRASH = "升级到 5.3.1 以后一打开就闪退，完全登不上，整个部门都用不了"
SLOW = "群消息有时候要过好几分钟才收到，不知道是不是网络的问题"


def at(day, hour, minute=0):
    """2025-03-<day> (the 3rd is a Monday, the 7th a Friday) at hour:minute, Beijing time."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=SH)


def calendar():
    return sla.calendar_load()


# --- the clock (pure) ---------------------------------------------------------------------------------
def test_business_clock_skips_nights_and_the_weekend():
    cal = calendar()
    assert sla.add_clock_time(at(7, 17), 2 * 3600, calendar=cal, clock="business") == at(10, 10)  # Fri 17:00 → Mon 10:00
    assert sla.clock_seconds(at(7, 17), at(10, 10), calendar=cal, clock="business") == 2 * 3600
    assert sla.add_clock_time(at(3, 7, 30), 3600, calendar=cal, clock="business") == at(3, 10)  # before opening
    assert sla.add_clock_time(at(9, 15), 3600, calendar=cal, clock="business") == at(10, 10)  # received on a Sunday
    assert sla.add_clock_time(at(7, 17), 2 * 3600, calendar=cal, clock="calendar") == at(7, 19)


def test_holidays_and_working_saturdays_change_the_business_clock():
    Holiday.objects.create(date=dt.date(2025, 3, 10), name="调休放假", kind="off")
    assert sla.add_clock_time(at(7, 17), 2 * 3600, calendar=calendar(), clock="business") == at(11, 10)
    Holiday.objects.create(date=dt.date(2025, 3, 8), name="周六补班", kind="workday")
    assert sla.add_clock_time(at(7, 17), 2 * 3600, calendar=calendar(), clock="business") == at(8, 10)


def test_paused_spans_do_not_count():
    cal = calendar()
    # Monday 09:00 + 8 business hours = Monday 17:00; paused Mon 10:00 → Tue 10:00 (9 business hours)
    pauses = [(at(3, 10), at(4, 10))]
    assert sla.add_clock_time(at(3, 9), 8 * 3600, calendar=cal, clock="business") == at(3, 17)
    assert sla.add_clock_time(at(3, 9), 8 * 3600, calendar=cal, clock="business", pauses=pauses) == at(4, 17)
    assert sla.clock_seconds(at(3, 9), at(4, 17), calendar=cal, clock="business", pauses=pauses) == 8 * 3600


# --- policies ---------------------------------------------------------------------------------------------
def test_default_policies_are_seeded():
    seeded = {p.severity.code: (p.first_response_hours, p.resolution_hours, p.clock) for p in SlaPolicy.objects.all()}
    assert seeded == {
        "critical": (Decimal("1"), Decimal("8"), "business"), "major": (Decimal("4"), Decimal("24"), "business"),
        "normal": (Decimal("8"), Decimal("72"), "business"), "minor": (Decimal("24"), Decimal("240"), "business"),
    }


def test_response_then_resolution_target_by_severity(make_feedback, agent):
    fb = make_feedback(CRASH, received_at=at(7, 17, 30))
    feedback_set_labels(feedback=fb, labels={"severity": "critical"}, actor=CONSOLE)

    state = sla.sla_refresh(feedback_id=fb.pk, now=at(7, 18))
    fb.refresh_from_db()
    assert state.target == "response" and fb.sla_due_at == at(10, 9, 30) and not fb.sla_breached

    sla.sla_refresh(feedback_id=fb.pk, now=at(10, 9, 31))
    assert Feedback.objects.get(pk=fb.pk).sla_breached

    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), at=at(10, 9, 45))
    state = sla.sla_refresh(feedback_id=fb.pk, now=at(10, 10))
    fb.refresh_from_db()
    # 8 business hours from Fri 17:30: 0.5 h on Friday + 7.5 h on Monday
    assert state.target == "resolution" and fb.sla_due_at == at(10, 16, 30)
    assert fb.sla_breached  # the late first response stays on record
    assert Feedback.objects.breached().filter(pk=fb.pk).exists()


def test_unlabelled_items_use_the_suggestion_then_the_normal_policy(make_feedback):
    from feedback_archive.classification.models import Suggestion

    guessed = make_feedback(SLOW, received_at=at(3, 9))
    minor = Label.objects.get(dimension__code="severity", code="minor")
    Suggestion.objects.create(feedback=guessed, dimension=minor.dimension, label=minor, confidence=0.6,
                              evidence=["有时候"], model_version="test")
    unknown = make_feedback(SLOW + "，已经好几天了", received_at=at(3, 9))

    sla.sla_refresh(feedback_id=guessed.pk, now=at(3, 10))
    sla.sla_refresh(feedback_id=unknown.pk, now=at(3, 10))

    assert Feedback.objects.get(pk=guessed.pk).sla_due_at == at(5, 15)  # minor: 24 h = 2 days 6 h
    assert Feedback.objects.get(pk=unknown.pk).sla_due_at == at(3, 17)  # normal: 8 h


def test_a_product_policy_wins_over_the_general_one(make_feedback):
    meeting = Product.objects.create(slug="meeting", name="云会议")
    critical = Label.objects.get(dimension__code="severity", code="critical")
    SlaPolicy.objects.create(name="云会议 致命", severity=critical, product=meeting, first_response_hours=Decimal("0.5"),
                             resolution_hours=Decimal("4"), clock="calendar")
    fb = make_feedback("会议中所有人同时掉线，重新入会也进不去", product="meeting", received_at=at(8, 20))
    feedback_set_labels(feedback=fb, labels={"severity": "critical"}, actor=CONSOLE)
    sla.sla_refresh(feedback_id=fb.pk, now=at(8, 20, 5))
    assert Feedback.objects.get(pk=fb.pk).sla_due_at == at(8, 20, 30)  # calendar hours, Saturday night


# --- pauses -------------------------------------------------------------------------------------------
def test_pause_and_resume_move_the_due_time(make_feedback, agent):
    fb = make_feedback(SLOW, received_at=at(3, 9))
    sla.sla_refresh(feedback_id=fb.pk, now=at(3, 9, 5))
    assert Feedback.objects.get(pk=fb.pk).sla_due_at == at(3, 17)

    sla.sla_pause(feedback_id=fb.pk, actor=Actor.for_user(agent), reason="等用户补充日志", now=at(3, 10))
    state = sla.sla_refresh(feedback_id=fb.pk, now=at(5, 12))  # still paused on Wednesday noon
    assert state.paused and not state.breached and not state.warning
    assert Feedback.objects.get(pk=fb.pk).sla_due_at == at(6, 10)  # 7 h left, counted from "now"

    sla.sla_resume(feedback_id=fb.pk, actor=Actor.for_user(agent), now=at(4, 10))
    fb.refresh_from_db()
    assert fb.sla_due_at == at(4, 17) and not fb.sla_breached
    assert list(FieldChange.objects.filter(feedback=fb, field="sla_paused").values_list("old", "new")) == [
        ("", "等用户补充日志"), ("等用户补充日志", "")]
    sla.sla_refresh(feedback_id=fb.pk, now=at(4, 16))
    assert not Feedback.objects.get(pk=fb.pk).sla_breached  # it would be, had the pause counted


def test_pause_refusals(make_feedback, agent):
    fb = make_feedback(SLOW)
    actor = Actor.for_user(agent)
    with pytest.raises(ApplicationError, match="reason"):
        sla.sla_pause(feedback_id=fb.pk, actor=actor, reason="  ")
    with pytest.raises(ConflictError):
        sla.sla_resume(feedback_id=fb.pk, actor=actor)
    sla.sla_pause(feedback_id=fb.pk, actor=actor, reason="等用户回复")
    with pytest.raises(ConflictError, match="already paused"):
        sla.sla_pause(feedback_id=fb.pk, actor=actor, reason="等用户回复")
    sla.sla_resume(feedback_id=fb.pk, actor=actor)
    feedback_transition(feedback_id=fb.pk, name="close", actor=actor, resolution="answered", reply="您好，已为您处理。")
    with pytest.raises(ConflictError, match="closed"):
        sla.sla_pause(feedback_id=fb.pk, actor=actor, reason="等用户回复")


def test_pause_obeys_team_permissions(make_feedback, agent, make_user):
    outsider = make_user("zhaolei", role=AGENT)
    im = Team.objects.create(slug="im", name="即时消息组")
    im.members.add(agent)
    fb = make_feedback(SLOW)
    feedback_assign(feedback=fb, actor=CONSOLE, team=im)
    with pytest.raises(ApplicationError):
        sla.sla_pause(feedback_id=fb.pk, actor=Actor.for_user(outsider), reason="等用户回复")
    sla.sla_pause(feedback_id=fb.pk, actor=Actor.for_user(agent), reason="等用户回复")


# --- the five-minute job ---------------------------------------------------------------------------------
@pytest.fixture
def owners(db):
    User = get_user_model()
    owner = User.objects.create_user("wangfang", password="pw", is_staff=True, first_name="王芳", email="wangfang@example.com")
    lead = User.objects.create_user("liuyang", password="pw", is_staff=True, first_name="刘洋", email="liuyang@example.com")
    for person in (owner, lead):
        person.groups.add(Group.objects.get(name=AGENT))
    im = Team.objects.create(slug="im", name="即时消息组", lead=lead)
    im.members.add(owner, lead)
    return owner, lead, im


def _owned(make_feedback, owners, text, severity, received):
    owner, _lead, im = owners
    fb = make_feedback(text, received_at=received)
    feedback_set_labels(feedback=fb, labels={"severity": severity}, actor=CONSOLE)
    feedback_assign(feedback=fb, actor=CONSOLE, team=im, assignee=owner)
    return fb


def test_breaches_and_warnings_are_flagged_and_mailed_once_per_person(make_feedback, owners):
    owner, lead, _im = owners
    late = _owned(make_feedback, owners, CRASH, "critical", at(3, 9))  # response due 10:00
    close = _owned(make_feedback, owners, "语音通话对方听不到我说话，重启也没用", "major", at(3, 9))  # due 13:00
    fine = _owned(make_feedback, owners, SLOW, "normal", at(3, 9))  # due 17:00

    stats = sla.sla_check(now=at(3, 11))

    assert Feedback.objects.get(pk=late.pk).sla_breached
    assert not Feedback.objects.get(pk=close.pk).sla_breached and not Feedback.objects.get(pk=fine.pk).sla_breached
    assert stats["emails"] == 2 and len(mail.outbox) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"wangfang@example.com", "liuyang@example.com"}
    digest = by_to["wangfang@example.com"]
    assert digest.subject == "【反馈归档】SLA 提醒：1 条已超时，1 条即将超时"
    assert f"#{late.pk} [首次响应] 截止 2025-03-03 10:00" in digest.body and "您是负责人" in digest.body
    assert f"#{close.pk} [首次响应] 截止 2025-03-03 13:00" in digest.body
    assert f"#{fine.pk}" not in digest.body
    assert "您是团队负责人" in by_to["liuyang@example.com"].body

    sla.sla_check(now=at(3, 11, 5))
    assert len(mail.outbox) == 2  # nothing new, nothing re-sent

    sla.sla_check(now=at(3, 13, 1))  # the warned item now breaches: that is news
    assert len(mail.outbox) == 4
    assert mail.outbox[-1].subject == "【反馈归档】SLA 提醒：1 条已超时"
    assert f"#{close.pk}" in mail.outbox[-1].body and f"#{late.pk}" not in mail.outbox[-1].body
    assert SlaNotice.objects.filter(feedback=late, kind="breach").count() == 2  # owner and lead, once each


def test_one_digest_when_the_owner_is_the_lead_and_none_without_an_address(make_feedback, owners):
    owner, lead, im = owners
    fb = _owned(make_feedback, owners, CRASH, "critical", at(3, 9))
    feedback_assign(feedback=fb, actor=CONSOLE, assignee=lead)
    nobody = get_user_model().objects.create_user("noemail", password="pw")
    other = Team.objects.create(slug="ai", name="对话式AI 算法组", lead=nobody)
    orphan = make_feedback("智能助手回答的内容和问题完全不相关", received_at=at(3, 9))
    feedback_set_labels(feedback=orphan, labels={"severity": "critical"}, actor=CONSOLE)
    feedback_assign(feedback=orphan, actor=CONSOLE, team=other)

    sla.sla_check(now=at(3, 11))

    assert [m.to for m in mail.outbox] == [["liuyang@example.com"]]
    assert Feedback.objects.get(pk=orphan.pk).sla_breached  # flagged even if no one could be mailed


def test_a_failed_send_is_retried_on_the_next_run(make_feedback, owners, monkeypatch):
    _owned(make_feedback, owners, CRASH, "critical", at(3, 9))

    def broken(*args, **kwargs):
        raise OSError("SMTP 服务器连接被拒绝")

    monkeypatch.setattr(sla, "send_mail", broken)
    assert sla.sla_check(now=at(3, 11))["emails"] == 0
    assert not SlaNotice.objects.exists()
    monkeypatch.undo()
    assert sla.sla_check(now=at(3, 11, 5))["emails"] == 2


def test_paused_items_are_neither_warned_nor_breached(make_feedback, owners):
    owner, _lead, _im = owners
    fb = _owned(make_feedback, owners, CRASH, "critical", at(3, 9))
    sla.sla_pause(feedback_id=fb.pk, actor=Actor.for_user(owner), reason="等用户提供崩溃日志", now=at(3, 9, 30))
    sla.sla_check(now=at(4, 15))
    assert not Feedback.objects.get(pk=fb.pk).sla_breached and not mail.outbox


def test_an_item_closed_late_between_runs_is_flagged(make_feedback, owners):
    owner, _lead, _im = owners
    fb = _owned(make_feedback, owners, SLOW, "normal", at(3, 9))  # response due 17:00
    sla.sla_check(now=at(3, 9, 30))
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(owner), resolution="answered",
                        reply="您好，这是网络波动导致的，现已恢复。", at=at(3, 17, 2))
    sla.sla_check(now=at(3, 17, 5))
    assert Feedback.objects.get(pk=fb.pk).sla_breached
    assert not mail.outbox  # closed: nothing left for anyone to do


def test_the_job_is_scheduled_every_five_minutes(make_feedback, owners):
    assert ("workflow-sla-check", "feedback_archive.workflow.tasks.sla_check", "I", 5, None) in tasks.SCHEDULES
    _owned(make_feedback, owners, CRASH, "critical", at(3, 9))
    assert tasks.sla_check()["breached"] >= 1  # the real clock: 2025 is long past


def test_sla_check_query_count_does_not_grow_with_items(make_feedback, owners, django_assert_max_num_queries):
    for i in range(30):
        _owned(make_feedback, owners, f"{SLOW}（第{i}次）", "minor", at(3, 9))
    sla.sla_check(now=at(3, 9, 30))
    with django_assert_max_num_queries(12):
        sla.sla_check(now=at(3, 9, 35))


# --- admin ---------------------------------------------------------------------------------------------------
def test_sla_admin_pages_and_resume_action(admin_client, make_feedback, agent):
    fb = make_feedback(SLOW)
    sla.sla_pause(feedback_id=fb.pk, actor=Actor.for_user(agent), reason="等用户回复")
    for page in ("slapolicy", "holiday", "slapause", "slanotice"):
        assert admin_client.get(f"/admin/workflow/{page}/").status_code == 200
    pause = SlaPause.objects.get(feedback=fb)
    response = admin_client.post("/admin/workflow/slapause/", {"action": "resume", "_selected_action": [pause.pk]})
    assert response.status_code == 302
    assert SlaPause.objects.get(pk=pause.pk).ended_at is not None


@hsettings(max_examples=300, deadline=None)
@given(start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)),
       hours=st.floats(min_value=0, max_value=24 * 60))
def test_business_seconds_without_pauses_equal_the_window_walk(start, hours):
    """The no-pause shortcut of clock_seconds (used for every stage span of the monthly figures)
    counts exactly what walking the counting windows counts, holidays and make-up days included."""
    cal = sla.BusinessCalendar(tz=ZoneInfo("Asia/Shanghai"), days_off=frozenset({dt.date(2026, 10, 1), dt.date(2026, 10, 2)}),
                               workdays=frozenset({dt.date(2026, 9, 27)}))
    begin = start.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    end = begin + dt.timedelta(hours=hours)
    walked = sum((min(w_end, end) - w_start).total_seconds()
                 for w_start, w_end in takewhile(lambda w: w[0] < end, cal.windows(begin)))
    assert sla.clock_seconds(begin, end, calendar=cal, clock=SlaClock.BUSINESS) == pytest.approx(walked)
