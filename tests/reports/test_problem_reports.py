"""The release review counts problems: one row per problem, density of new defect problems over a
fixed window, praise and questions apart, regressions and problems no longer reported, paging."""
import datetime as dt

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_update
from feedback_archive.reports.models import ReportSnapshot
from feedback_archive.reports.selectors import release_report
from feedback_archive.reports.services import report_get, snapshot_store
from feedback_archive.versions.models import Product, Release

from .helpers import at, make_problem

# problems are made here with the ORM: items stop before the matching stage
UNDERSTAND_UP_TO = "tokens"
pytestmark = pytest.mark.django_db

BLACK_SCREEN = [
    ("共享屏幕对方看到黑屏", "in_app"),
    ("屏幕共享的时候别人那边是黑的", "ticket"),
    ("升级3.10后共享桌面，参会人只能看到一片黑", "in_app"),
    ("投屏给同事看，他们说画面全黑", "community"),
    ("共享PPT时对面一直黑屏，重启也没用", "in_app"),
    ("开会共享屏幕黑屏了！！", "in_app"),  # the same person as the one before, again
]


@pytest.fixture
def meeting(make_feedback):
    product = Product.objects.create(slug="meet", name="视频会议")
    im = Product.objects.create(slug="chat", name="即时通讯")
    old = Release.objects.create(product=product, version="3.9.0", released_at=at(2026, 10, 1))
    rel = Release.objects.create(product=product, version="3.10.0", released_at=at(2026, 11, 2), install_base=40)
    Release.objects.create(product=im, version="5.2.1", released_at=at(2026, 11, 5))

    def fb(text, version="3.10.0", day=3, channel="in_app", who=None, product="meet", **labels):
        item = make_feedback(text, product=product, app_version=version, channel=channel,
                             received_at=at(2026, 11 if version != "3.9.0" else 10, day, 10),
                             reporter={"external_id": who or f"u-{text[:6]}"})
        if labels:
            feedback_update(feedback_id=item.pk, actor=Actor.system(), labels=labels)
        return item

    # one incident, six wordings, five people (u1 wrote twice), three channels
    members = [fb(t, channel=c, day=3 + i % 3, who=f"u{min(i, 4)}") for i, (t, c) in enumerate(BLACK_SCREEN)]
    black = make_problem("共享屏幕时对方黑屏", members, type="performance", severity="critical")
    praise = [fb("新版本会议音质清楚多了，点赞", who="p1", intent="praise"),
              fb("降噪效果很好，谢谢你们", who="p2", intent="praise")]
    make_problem("3.10 音质表扬", praise)
    question = fb("请问怎么只共享一个窗口？", who="q1", type="consultation")
    late = fb("会议纪要导出的文件打不开", day=28, who="l1", type="function")  # after the 14-day window
    # a problem of 3.9.0 that nobody reports any more, and one that was fixed and came back
    gone = make_problem("3.9 入会后听不到声音", [fb("入会后听不到任何声音", version="3.9.0", day=5, who="g1"),
                                           fb("进会议没声音", version="3.9.0", day=6, who="g2")], type="function")
    back = make_problem("会议中摄像头自动关闭", [fb("开会时摄像头会自己关掉", version="3.9.0", day=7, who="b1")],
                        type="function", fixed_in=old, regressed_at=at(2026, 11, 4))
    from .helpers import join

    join(back, [fb("摄像头又自己关了，3.10.0也这样", day=4, who="b2")])
    # the same week, another product: never in this release's report
    fb("IM 5.2.1 消息发送失败", version="5.2.1", product="chat", who="im1", type="function")
    return {"release": rel, "previous": old, "black": black, "members": members, "question": question,
            "late": late, "gone": gone, "back": back}


def test_the_incident_is_one_problem_with_its_reporters_counted(meeting):
    report = release_report(release_id=meeting["release"].pk)
    rows = report["problems"]["results"]
    black = [r for r in rows if r["problem"] == meeting["black"].pk]
    assert len(black) == 1 and not any("黑" in r["title"] for r in rows if r["problem"] != meeting["black"].pk)
    row = black[0]
    assert (row["reports"], row["reporters"], row["channels"]) == (6, 5, 3)
    assert row["severity"] == "critical" and row["kind"] == "defect" and row["new"] is True
    assert sorted(row["channel_names"]) == ["应用内反馈", "工单", "社区"] or len(row["channel_names"]) == 3
    assert rows[0]["problem"] == meeting["black"].pk  # the defect with most reporters first
    assert all("5.2.1" not in r["title"] for r in rows)


def test_density_counts_new_defect_problems_in_the_fixed_window(meeting):
    density = release_report(release_id=meeting["release"].pk)["release"]
    # new in the first 14 days: 黑屏 (defect); praise and the question apart; 会议纪要 came on
    # day 26, outside the window; 摄像头 is a 3.9.0 problem (not new)
    assert density["new_in_window"] == {"defect": 1, "consultation": 1, "praise": 1, "unlabelled": 0}
    assert density["days"] == 14 and density["per_day"] == round(1 / 14, 2)
    assert density["per_thousand_users"] == round(1 / 40, 4)
    assert density["feedback"] == 11 and density["problems"] == 5


def test_regressions_and_problems_no_longer_reported(meeting):
    report = release_report(release_id=meeting["release"].pk)
    assert [(g["problem"], g["fixed_in"]) for g in report["regressions"]] == [(meeting["back"].pk, "3.9.0")]
    assert [g["problem"] for g in report["no_longer_reported"]] == [meeting["gone"].pk]
    assert report["no_longer_reported_count"] == 1


def test_paging_through_every_problem_from_a_snapshot(meeting, api):
    rel = meeting["release"]
    snapshot_store(kind="release", period=str(rel.pk))
    seen = []
    for page in (1, 2, 3):
        data = report_get(kind="release", period=str(rel.pk), page=page, page_size=2)
        assert data["snapshot"] and data["problems"]["pages"] == 3 and "problem_index" not in data
        seen += [r["key"] for r in data["problems"]["results"]]
    assert len(seen) == len(set(seen)) == 5
    r = api.get(f"/api/v1/reports/releases/{rel.pk}/?page=2&page_size=2")
    assert r.status_code == 200 and r.json()["problems"]["page"] == 2 and len(r.json()["problems"]["results"]) == 2
    for bad in ("page=0", "page=x", "page_size=501", "page_size=-1"):
        resp = api.get(f"/api/v1/reports/releases/{rel.pk}/?{bad}")
        assert resp.status_code == 400, bad
    assert ReportSnapshot.objects.filter(kind="release").count() == 1


def test_release_page_renders_problems_and_pages(meeting, admin_client):
    rel = meeting["release"]
    page = admin_client.get(f"/admin/reports/reportsnapshot/release/{rel.pk}/").content.decode()
    assert "共享屏幕时对方黑屏" in page and "3.9 入会后听不到声音" in page and "会议中摄像头自动关闭" in page
    # the problem 3.10.0 no longer reports shows its kind by name, as the sections do, not by code
    assert "<td>缺陷</td>" in page and "<td>defect</td>" not in page
    csv = admin_client.get(f"/admin/reports/reportsnapshot/release/{rel.pk}/?format=csv").content.decode("utf-8-sig")
    assert csv.count("\nproblem,") == 1 + 5  # the header of the problem rows, and every problem


def test_release_report_is_stored_and_mailed_once_after_the_configured_days(meeting, django_user_model, mailoutbox,
                                                                         settings):
    from feedback_archive.core.models import Team
    from feedback_archive.reports.tasks import close_periods

    lead = django_user_model.objects.create_user("lead", email="lead@example.com")
    Team.objects.create(slug="av", name="音视频引擎组", lead=lead)
    settings.REPORTS_RELEASE_REPORT_AFTER_DAYS = 10
    rel = meeting["release"]
    assert not any(d.startswith("release") for d in close_periods(now=rel.released_at + dt.timedelta(days=9)))
    done = close_periods(now=rel.released_at + dt.timedelta(days=10, hours=1))
    assert f"release {rel.pk}" in done
    assert close_periods(now=rel.released_at + dt.timedelta(days=11)) == []
    mail = next(m for m in mailoutbox if "版本" in m.subject)
    assert "3.10.0" in mail.subject and "共享屏幕时对方黑屏" in mail.alternatives[0][0]


def test_hot_spots_one_row_per_rising_problem_words_for_the_rest_and_falling_problems(make_feedback):
    from feedback_archive.reports.selectors import weekly_report

    background = ["群公告编辑后没有提醒", "语音消息不能暂停", "聊天记录导出失败", "登录要验证码太频繁"]
    n = 0
    for week in range(8):
        for t in background:
            n += 1
            make_feedback(f"{t}（{n}）", received_at=at(2026, 9, 21, 10) + dt.timedelta(weeks=week, hours=n % 30))
    # a problem that was loud for eight weeks and is quiet now: falling
    loud = [make_feedback(f"{w}，第{i}次", received_at=at(2026, 9, 21, 9) + dt.timedelta(weeks=i // 8, hours=i % 8))
            for i, w in enumerate(["消息发出去一直转圈", "发消息总是转圈圈发不出去", "消息转圈发送不了"] * 21)]
    make_problem("消息发送一直转圈", loud, type="performance")
    # this week: paraphrases of one incident, joined to one problem
    spike = [make_feedback(t, received_at=at(2026, 11, 18, 10, i)) for i, (t, _c) in enumerate(BLACK_SCREEN * 2)]
    black = make_problem("共享屏幕时对方黑屏", spike, type="performance")
    # and reports nobody matched yet, in different words: they must not disappear
    for i, t in enumerate(["日程提醒不响了", "会议日程的提醒没有响", "日程到点没提醒", "设置的日程提醒失效",
                           "日程提醒一次都没响过", "今天的日程提醒又没响"]):
        make_feedback(f"{t}，麻烦看下", received_at=at(2026, 11, 19, 9, i))
    report = weekly_report(week="2026-W47")
    problems_rows = [h for h in report["hot_spots"] if h["kind"] == "problem"]
    assert [h["problem"] for h in problems_rows] == [black.pk] and problems_rows[0]["count"] == 12
    assert problems_rows[0]["title"] == "共享屏幕时对方黑屏" and "黑屏" in problems_rows[0]["evidence"]
    words = [h["term"] for h in report["hot_spots"] if h["kind"] == "words"]
    assert any("日程" in w or "提醒" in w for w in words)
    assert not any("黑屏" in w or "共享" in w for w in words)  # already shown as the problem
    assert [h["title"] for h in report["falling_problems"]] == ["消息发送一直转圈"]
    assert report["falling_problems"][0]["count"] == 0


def test_weekly_email_lists_the_rising_problem(make_feedback, django_user_model, mailoutbox):
    from feedback_archive.core.models import Team
    from feedback_archive.reports.delivery import report_email_leads

    lead = django_user_model.objects.create_user("lead", email="lead@example.com")
    Team.objects.create(slug="av", name="音视频引擎组", lead=lead)
    spike = [make_feedback(t, received_at=at(2026, 11, 18, 10, i)) for i, (t, _c) in enumerate(BLACK_SCREEN)]
    black = make_problem("共享屏幕时对方黑屏", spike, type="performance")
    snap = snapshot_store(kind="weekly", period="2026-W47")
    report_email_leads(snapshot=snap)
    html = mailoutbox[0].alternatives[0][0]
    assert f"问题 #{black.pk} 共享屏幕时对方黑屏" in html and "黑屏" in html


def test_top_problems_by_distinct_reporters_all_time_and_per_period(meeting, api, admin_client):
    from feedback_archive.reports.selectors import top_problems_report

    black = meeting["black"]
    all_time = top_problems_report()["problems"]
    assert all_time["results"][0]["problem"] == black.pk and all_time["results"][0]["reporters"] == 5
    assert [r["rank"] for r in all_time["results"]] == list(range(1, all_time["count"] + 1))
    # per period: counted from that week's items (unmatched reports are problems of their own)
    week = top_problems_report(week="2026-W45")["problems"]  # 2–8 Nov
    assert week["results"][0]["problem"] == black.pk and week["results"][0]["reporters"] == 5
    october = top_problems_report(month="2026-10")["problems"]
    assert {r["problem"] for r in october["results"]} == {meeting["gone"].pk, meeting["back"].pk}
    assert top_problems_report(filters={"product": "chat"})["problems"]["count"] == 0  # no IM problem yet
    assert top_problems_report(filters={"channel": "community"})["problems"]["results"][0]["reporters"] == 1
    r = api.get("/api/v1/reports/top-problems/?week=2026-W45&page_size=1&page=2")
    assert r.status_code == 200 and r.json()["problems"]["page"] == 2 and len(r.json()["problems"]["results"]) == 1
    assert r.json()["problems"]["results"][0]["rank"] == 2
    for bad in ("week=2026-W99", "month=2026-13", "week=2026-W45&month=2026-11", "page_size=0"):
        assert api.get(f"/api/v1/reports/top-problems/?{bad}").status_code == 400, bad
    assert api.as_("ingest").get("/api/v1/reports/top-problems/").status_code == 403
    page = admin_client.get("/admin/reports/reportsnapshot/top-problems/?week=2026-W45").content.decode()
    assert "共享屏幕时对方黑屏" in page
    assert admin_client.get("/admin/reports/reportsnapshot/top-problems/?week=bad", follow=True).status_code == 200
    assert admin_client.get("/admin/reports/reportsnapshot/top-problems/?format=csv").status_code == 200


def test_density_counts_the_confirmed_types_and_severities_of_the_releases_reports(meeting):
    feedback_update(feedback_id=meeting["members"][0].pk, actor=Actor.system(), labels={"severity": "critical"})
    feedback_update(feedback_id=meeting["gone"].lead_id, actor=Actor.system(), labels={"severity": "major"})
    report = release_report(release_id=meeting["release"].pk)
    # 3.10.0: the question and the late 会议纪要 report carry a type, one 黑屏 report a severity;
    # the 3.9.0 report's severity and the IM report's type belong to other releases
    assert report["release"]["by_type"] == {"consultation": 1, "function": 1}
    assert report["release"]["by_severity"] == {"critical": 1}
    assert report["previous"]["by_severity"] == {"major": 1}
    assert release_report(release_id=meeting["release"].pk, filters={"channel": "ticket"})["release"]["by_type"] == {}
