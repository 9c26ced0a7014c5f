import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_mark_duplicate, feedback_update
from feedback_archive.reports.hotspots import poisson_sf
from feedback_archive.reports.models import ReportSnapshot
from feedback_archive.reports.periods import week_bounds
from feedback_archive.reports.selectors import monthly_report, release_report, weekly_report
from feedback_archive.reports.services import report_get, snapshot_store
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
REPLY = "您好，问题已处理，感谢反馈。"


def at(y, m, d, h=12, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def by_label(rows):
    return {r["label"]: r["count"] for r in rows}


def test_week_edges_follow_shanghai_time(make_feedback):
    # 2026-W47 is Mon 16 Nov – Sun 22 Nov in Shanghai; Sun 23:30 CST is 15:30 UTC the same day
    make_feedback("周日深夜的反馈", received_at=at(2026, 11, 22, 23, 30))
    make_feedback("周一凌晨的反馈", received_at=at(2026, 11, 23, 0, 10))
    make_feedback("周一零点前一分钟", received_at=at(2026, 11, 15, 23, 59))
    start, end = week_bounds("2026-W47")
    assert start == at(2026, 11, 16, 0, 0) and end == at(2026, 11, 23, 0, 0)
    assert weekly_report(week="2026-W47")["received"] == 1
    assert weekly_report(week="2026-W48")["received"] == 1
    assert weekly_report(week="2026-W46")["received"] == 1


def test_weekly_distribution_change_and_high_priority_figures(make_feedback, agent, verifier):
    plan = [("performance", "critical", 1, 2), ("performance", "major", 3, 10), ("function", "major", 5, None),
            ("function", "minor", None, None), ("experience", "normal", 2, None)]
    for i, (typ, sev, respond_h, resolve_h) in enumerate(plan):
        received = at(2026, 11, 17, 9)
        fb = make_feedback(f"第{i}条反馈：视频会议卡顿", received_at=received)
        feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"type": typ, "severity": sev})
        if respond_h is not None:
            feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), at=received + dt.timedelta(hours=respond_h))
        if resolve_h is not None:
            feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered",
                                reply=REPLY, at=received + dt.timedelta(hours=resolve_h))
    prev = make_feedback("上周的反馈", received_at=at(2026, 11, 10))
    feedback_update(feedback_id=prev.pk, actor=Actor.system(), labels={"type": "performance"})

    r = weekly_report(week="2026-W47")
    types = {row["label"]: row for row in r["type_distribution"]}
    assert by_label(r["type_distribution"]) == {"performance": 2, "function": 2, "experience": 1, "consultation": 0, "unlabelled": 0}
    assert types["performance"]["previous"] == 1 and types["performance"]["change"] == 1
    assert by_label(r["severity_distribution"])["major"] == 2
    hp = r["high_priority"]
    assert hp["received"] == 3 and hp["resolved"] == 2 and hp["open"] == 1
    # response hours of the three high-priority items: 1, 3, 5 → median 3, p90 = 3 + 0.8·2 = 4.6
    assert hp["response"] == {"count": 3, "mean_hours": 3.0, "median_hours": 3.0, "p90_hours": 4.6}
    # resolution hours: 2 and 10 → median 6, p90 = 2 + 0.9·8 = 9.2
    assert hp["resolution"]["median_hours"] == 6.0 and hp["resolution"]["p90_hours"] == 9.2


def test_hot_spot_found_on_a_planted_spike_and_not_on_noise(make_feedback):
    topics = ["群公告编辑后没有提醒", "语音消息不能暂停", "聊天记录导出失败", "登录要验证码太频繁"]
    n = 0
    for week in range(8):  # steady background: each topic once a week
        for t in topics:
            n += 1
            make_feedback(f"{t}（{n}）", received_at=at(2026, 9, 21, 10) + dt.timedelta(weeks=week, hours=n % 30))
    for t in topics:  # this week: the same background…
        n += 1
        make_feedback(f"{t}（{n}）", received_at=at(2026, 11, 17, 10))
    for i in range(12):  # …plus a spike
        make_feedback(f"升级后屏幕共享黑屏，对方看不到画面（{i}）", received_at=at(2026, 11, 18, 10, i))
    hot = weekly_report(week="2026-W47")["hot_spots"]
    # the near-verbatim copies were linked at intake: one row for the incident, its words as evidence
    assert len(hot) == 1 and hot[0]["kind"] == "problem" and hot[0]["count"] == 12
    assert {"黑屏", "屏幕共享"} & set(hot[0]["evidence"])
    words = {w for h in hot for w in h["evidence"]}
    assert not any(t in words for t in ["群公告", "暂停", "导出", "验证码"])
    quiet = weekly_report(week="2026-W46")["hot_spots"]
    assert quiet == []


def test_poisson_tail():
    assert poisson_sf(0, 3.0) == 1.0
    assert abs(poisson_sf(1, 2.0) - (1 - 0.1353352832)) < 1e-9
    assert poisson_sf(12, 1.0) < 1e-8


def test_release_density_new_problems_and_regressions(make_feedback, agent, verifier):
    im = Product.objects.create(slug="chat", name="企信")
    r1 = Release.objects.create(product=im, version="5.9.2", released_at=at(2026, 9, 1))
    r2 = Release.objects.create(product=im, version="5.10.0", released_at=at(2026, 10, 1), install_base=20)
    old = make_feedback("群文件下载到一半失败", product="chat", app_version="5.9.2", received_at=at(2026, 9, 5))
    feedback_update(feedback_id=old.pk, actor=Actor.system(), fixed_in="5.10.0", release="5.9.2")
    later_fix = Release.objects.create(product=im, version="5.9.3", released_at=at(2026, 9, 20))
    feedback_update(feedback_id=old.pk, actor=Actor.system(), fixed_in="5.9.3")
    feedback_transition(feedback_id=old.pk, name="start", actor=Actor.for_user(agent), at=at(2026, 9, 6))
    feedback_transition(feedback_id=old.pk, name="submit", actor=Actor.for_user(agent), at=at(2026, 9, 7))
    feedback_transition(feedback_id=old.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed", reply=REPLY, at=at(2026, 9, 8))
    again = make_feedback("新版本群文件又下载失败了", product="chat", app_version="5.10.0", received_at=at(2026, 10, 3))
    feedback_mark_duplicate(feedback=again, canonical=old, similarity=0.8, actor=Actor.system())
    fresh = make_feedback("5.10.0 表情包发不出去", product="chat", app_version="5.10.0", received_at=at(2026, 10, 4))
    feedback_update(feedback_id=fresh.pk, actor=Actor.system(), labels={"type": "function"})
    for i in range(2):
        make_feedback(f"5.9.2 的老问题 {i}", product="chat", app_version="5.9.2", received_at=at(2026, 9, 10 + i))
    assert later_fix.pk
    report = release_report(release_id=r2.pk)
    assert report["release"]["feedback"] == 2
    # density counts new defect problems: one (表情包) over 20 thousand users; `again` is the old
    # cluster's problem, not a new one
    assert report["release"]["per_thousand_users"] == 0.05
    assert report["previous"]["version"] == "5.9.3" or report["previous"]["version"] == "5.9.2"
    assert [p["id"] for p in report["new_problems"]] == [fresh.pk]
    assert [(g["id"], g["fixed_in"]) for g in report["regressions"]] == [(again.pk, "5.9.3")]
    r1_report = release_report(release_id=r1.pk)
    assert r1_report["release"]["feedback"] == 3
    # two new problems (the two near-verbatim 老问题 reports are one), none labelled a defect yet:
    # counted apart, over the fixed 14-day window (not "until the next release", which late reports
    # and a late next release would distort)
    assert r1_report["release"]["problems"] == 2
    assert r1_report["release"]["new_in_window"]["unlabelled"] == 2
    assert r1_report["release"]["days"] == 14 and r1_report["release"]["per_day"] == 0.0


def test_monthly_times_reply_rate_and_stages(make_feedback, agent):
    for i, hours in enumerate([2, 4, 30]):
        received = at(2026, 10, 10 + i, 9)
        fb = make_feedback(f"第{i}条：高峰期连不上服务器", received_at=received)
        feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), at=received + dt.timedelta(hours=1))
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered",
                            reply=REPLY, at=received + dt.timedelta(hours=hours))
    r = monthly_report(month="2026-10")
    assert r["received"] == 3 and r["closed"] == 3
    assert r["resolution"]["median_hours"] == 4.0 and r["resolution"]["mean_hours"] == 12.0
    assert r["response"]["median_hours"] == 1.0
    assert r["reply_rate"] == 1.0
    stages = {s["state"]: s for s in r["stage_hours"]}
    assert stages["pending"]["mean_hours"] == 1.0 and stages["in_progress"]["mean_hours"] == pytest.approx(11.0)


def test_reply_rate_does_not_count_the_automatic_acknowledgement(make_feedback, agent):
    from feedback_archive.feedback.models import Channel
    from feedback_archive.workflow.models import Reply

    Channel.objects.filter(slug="app_store").update(can_reply=False)
    received = at(2026, 10, 12, 9)
    fb = make_feedback("评分一星：更新后一直闪退", channel="app_store", received_at=received)
    Reply.objects.create(feedback=fb, event="received", body="我们已收到您的反馈", author_name="system")
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="not_reproducible",
                        no_reply_reason="应用商店评论无法回复", at=received + dt.timedelta(hours=3))
    r = monthly_report(month="2026-10")
    assert r["closed"] == 1 and r["reply_rate"] == 0.0


def test_snapshot_keeps_the_past_and_fresh_recomputes(make_feedback):
    fb = make_feedback("视频会议卡顿", received_at=at(2026, 11, 17))
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"type": "performance"})
    snapshot_store(kind="weekly", period="2026-W47")
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"type": "function"})
    stored = report_get(kind="weekly", period="2026-W47")
    assert by_label(stored["type_distribution"])["performance"] == 1 and stored["snapshot"]
    fresh = report_get(kind="weekly", period="2026-W47", fresh=True)
    assert by_label(fresh["type_distribution"])["function"] == 1 and fresh["snapshot"] is None
    snapshot_store(kind="weekly", period="2026-W47")  # idempotent
    assert ReportSnapshot.objects.count() == 1


def test_report_api(api, make_feedback):
    make_feedback("视频会议卡顿", received_at=at(2026, 11, 17))
    r = api.get("/api/v1/reports/weekly/?week=2026-W47")
    assert r.status_code == 200 and r.json()["received"] == 1
    assert api.get("/api/v1/reports/weekly/?week=2026-W99").status_code == 400
    assert api.get("/api/v1/reports/monthly/?month=2026-11").status_code == 200
    assert api.get("/api/v1/reports/monthly/?month=2026-13").status_code == 400
    assert api.get("/api/v1/reports/releases/999999/").status_code == 404
    assert api.as_("ingest").get("/api/v1/reports/weekly/").status_code == 403


def test_closing_a_period_stores_once_and_mails_the_leads(make_feedback, django_user_model, mailoutbox):
    from feedback_archive.core.models import Team
    from feedback_archive.reports.tasks import close_periods

    lead = django_user_model.objects.create_user("lead", email="lead@example.com")
    Team.objects.create(slug="av", name="音视频引擎组", lead=lead)
    make_feedback("视频会议卡顿", received_at=at(2026, 11, 17))
    now = at(2026, 11, 24, 0, 30)
    assert sorted(close_periods(now=now)) == ["monthly 2026-10", "weekly 2026-W47"]
    assert close_periods(now=now) == []  # idempotent: nothing stored or mailed twice
    assert ReportSnapshot.objects.filter(kind="weekly", period="2026-W47").count() == 1
    assert len(mailoutbox) == 2 and mailoutbox[0].to == ["lead@example.com"]
    weekly = next(m for m in mailoutbox if "周报" in m.subject)
    html = weekly.alternatives[0][0]
    assert "2026-W47" in weekly.subject and "本周收到 <b>1</b>" in html and "?week=2026-W47" in html


def test_report_pages_render_and_drill_down_to_the_right_items(admin_client, make_feedback):
    import re
    from html import unescape

    perf = make_feedback("视频会议卡顿严重", received_at=at(2026, 11, 17))
    func = make_feedback("群文件无法下载", received_at=at(2026, 11, 18))
    outside = make_feedback("上周的卡顿", received_at=at(2026, 11, 12))
    for fb, t in ((perf, "performance"), (func, "function"), (outside, "performance")):
        feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"type": t})
    page = admin_client.get("/admin/reports/reportsnapshot/weekly/?week=2026-W47").content.decode()
    assert "<svg" in page and "性能" in page
    # high priority is named as the severity labels are (致命 critical, 严重 major)
    assert "致命/严重" in page and "重要" not in page
    link = next(unescape(h) for h in re.findall(r"href='([^']+)'", page) if "type=performance" in h)
    listing = admin_client.get(link).content.decode()
    assert f"/admin/feedback/feedback/{perf.pk}/change/" in listing
    assert f"/admin/feedback/feedback/{func.pk}/change/" not in listing
    assert f"/admin/feedback/feedback/{outside.pk}/change/" not in listing
    for url in ("/admin/reports/reportsnapshot/monthly/?month=2026-11", "/admin/reports/reportsnapshot/release/",
                "/admin/reports/reportsnapshot/weekly/?week=2026-W47&format=csv"):
        assert admin_client.get(url).status_code == 200
    r = admin_client.get("/admin/reports/reportsnapshot/weekly/?week=nonsense", follow=True)
    assert r.status_code == 200  # a message and the default week, not an error page
