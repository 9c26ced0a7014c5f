import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import FieldChange
from feedback_archive.workflow.models import Delivery, Survey
from feedback_archive.workflow.satisfaction import survey_token
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

REPLY = "您好，语音消息无法播放的问题是缓存损坏导致的，清理缓存后即可恢复。"


@pytest.fixture
def closed(make_feedback, agent, django_capture_on_commit_callbacks):
    def make(locale="zh-CN", contact="liqiang@example.com"):
        fb = make_feedback("升级后语音消息点了没声音", channel="community", locale=locale,
                           reporter={"external_id": f"r-{contact}", "name": "李强", "contact": contact})
        with django_capture_on_commit_callbacks(execute=True):
            feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered", reply=REPLY)
        return fb

    return make


def _link(fb):
    survey = Survey.objects.get(feedback=fb)
    return survey, f"/s/{survey_token(survey)}/"


def test_closing_sends_a_signed_link_through_the_outbox(closed):
    fb = closed()
    survey = Survey.objects.get(feedback=fb)
    invite = [m for m in mail.outbox if "/s/" in m.body]
    assert len(invite) == 1 and invite[0].to == ["liqiang@example.com"]
    assert invite[0].subject == "请为这次处理打个分"
    url = re.search(r"http\S+/s/(\S+)/", invite[0].body)
    assert url and signing.TimestampSigner(salt="feedback_archive.workflow.survey").unsign(url.group(1)) == str(survey.pk)
    assert Delivery.objects.get(survey=survey).status == "sent"


def test_back_dated_close_sends_no_survey(make_feedback, agent):
    fb = make_feedback("历史数据", channel="community", reporter={"external_id": "old", "contact": "old@example.com"})
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered",
                        reply=REPLY, at=timezone.now() - dt.timedelta(days=90))
    assert not Survey.objects.exists()


def test_public_page_in_chinese_rate_and_update(closed, client):
    fb = closed()
    survey, url = _link(fb)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "您对这次处理满意吗" in html and "非常满意" in html
    assert "<script" not in html and "http" not in html.split("<body>")[0]  # no external assets
    assert 'name="viewport"' in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    done = client.post(url, {"rating": "4", "comment": "回复很及时"})
    assert done.status_code == 200 and "谢谢您的评价" in done.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.comment, survey.flagged) == (4, "回复很及时", False)

    # re-submitting through the same link updates the one rating
    again = client.get(url)
    assert "您已评价过" in again.content.decode() and 'value="4" required checked' in again.content.decode()
    client.post(url, {"rating": "5", "comment": "问题解决了"})
    assert Survey.objects.filter(feedback=fb, rating__isnull=False).count() == 1
    assert Survey.objects.get(feedback=fb).rating == 5


def test_english_reporter_gets_the_english_page(closed, client):
    fb = closed(locale="en-GB", contact="amy@example.com")
    page = client.get(_link(fb)[1])
    assert "How did we handle your feedback?" in page.content.decode()


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_bad_rating_is_refused_with_the_form_again(closed, client, rating):
    fb = closed()
    survey, url = _link(fb)
    resp = client.post(url, {"rating": rating})
    assert resp.status_code == 400 and "请选择 1–5 分" in resp.content.decode()
    survey.refresh_from_db()
    assert survey.rating is None


def test_tampered_link_is_400(closed, client):
    fb = closed()
    survey, url = _link(fb)
    other = Survey.objects.create(feedback=fb, sent_at=timezone.now())
    forged = survey_token(survey).replace(f"{survey.pk}:", f"{other.pk}:", 1)
    for bad in (f"/s/{forged}/", "/s/garbage/", url.replace(url[-6:-1], "xxxxx")):
        resp = client.get(bad)
        assert resp.status_code == 400, bad
        assert "链接无效" in resp.content.decode()
    assert client.post(f"/s/{forged}/", {"rating": "1"}).status_code == 400
    assert not Survey.objects.filter(rating__isnull=False).exists()


def test_expired_link_is_410(closed, client, settings):
    fb = closed()
    survey, url = _link(fb)
    settings.SATISFACTION_LINK_DAYS = 14
    later = timezone.now() + dt.timedelta(days=14, minutes=1)
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        page = client.get(url)
        post = client.post(url, {"rating": "5"})
    assert page.status_code == 410 and "链接已过期" in page.content.decode() and "14 天" in page.content.decode()
    assert post.status_code == 410
    with mock.patch("django.core.signing.time.time", return_value=(later - dt.timedelta(minutes=2)).timestamp()):
        assert client.get(url).status_code == 200  # still valid a minute before the end


def test_low_rating_flags_and_is_audited(closed, client):
    fb = closed()
    survey, url = _link(fb)
    client.post(url, {"rating": "2", "comment": "等了一周才回复，问题也没解决"})
    survey.refresh_from_db()
    fb.refresh_from_db()
    assert survey.flagged is True
    assert fb.status == "closed"  # flag only, by default
    changes = dict(FieldChange.objects.filter(feedback=fb, field__startswith="satisfaction").values_list("field", "new"))
    assert changes == {"satisfaction": "2", "satisfaction_flag": "low rating 2/5"}


def test_low_rating_reopens_when_the_setting_says_so(closed, client, settings):
    settings.SATISFACTION_REOPEN_LOW = True
    fb = closed()
    _, url = _link(fb)
    client.post(url, {"rating": "1", "comment": "根本没解决"})
    fb.refresh_from_db()
    assert fb.status == "pending"
    last = fb.transitions.order_by("-id").first()
    assert (last.name, last.actor_name) == ("reopen", "system") and "1/5" in last.note


def test_good_rating_does_not_reopen(closed, client, settings):
    settings.SATISFACTION_REOPEN_LOW = True
    fb = closed()
    client.post(_link(fb)[1], {"rating": "3"})
    fb.refresh_from_db()
    assert fb.status == "closed"


def test_api_shows_the_rating(closed, client, api):
    fb = closed()
    assert api.get(f"/api/v1/feedback/{fb.pk}/").json()["satisfaction"] is None
    client.post(_link(fb)[1], {"rating": "5", "comment": "很满意"})
    sat = api.get(f"/api/v1/feedback/{fb.pk}/").json()["satisfaction"]
    assert sat["rating"] == 5 and sat["comment"] == "很满意" and sat["at"]


def test_monthly_report_satisfaction_figures_hand_computed(make_feedback):
    from zoneinfo import ZoneInfo

    from feedback_archive.reports.selectors import monthly_report

    sh = ZoneInfo("Asia/Shanghai")
    fb = make_feedback("会议录制文件找不到了", channel="community")
    other = make_feedback("应用商店评论：闪退", channel="app_store")

    def rate(rating, when, feedback=fb):
        Survey.objects.create(feedback=feedback, sent_at=when, rating=rating, rated_at=when)

    march = [(5, (3, 1, 9)), (4, (3, 5, 10)), (4, (3, 18, 12)), (2, (3, 20, 8)), (1, (3, 31, 23))]  # 23:00 Shanghai: still March
    for rating, (mo, d, h) in march:
        rate(rating, dt.datetime(2026, mo, d, h, tzinfo=sh))
    rate(3, dt.datetime(2026, 1, 15, 10, tzinfo=sh))
    rate(5, dt.datetime(2026, 2, 3, 10, tzinfo=sh))
    rate(4, dt.datetime(2026, 2, 27, 10, tzinfo=sh))
    rate(1, dt.datetime(2026, 4, 1, 0, 30, tzinfo=sh))  # April in Shanghai (still 31 March in UTC)
    Survey.objects.create(feedback=fb, sent_at=dt.datetime(2026, 3, 2, tzinfo=sh))  # never rated
    rate(5, dt.datetime(2026, 3, 9, 9, tzinfo=sh), feedback=other)  # outside the channel filter below

    sat = monthly_report(month="2026-03", filters={"channel": "community"})["satisfaction"]
    assert sat["count"] == 5
    assert sat["average"] == 3.2  # (5+4+4+2+1)/5
    assert sat["distribution"] == {"1": 1, "2": 1, "3": 0, "4": 2, "5": 1}
    assert (sat["low"], sat["low_share"]) == (2, 0.4)
    assert (sat["previous_count"], sat["previous_average"]) == (3, 4.0)  # (3+5+4)/3 over Oct–Feb
    assert [(t["month"], t["count"], t["average"]) for t in sat["trend"]] == [
        ("2025-10", 0, None), ("2025-11", 0, None), ("2025-12", 0, None), ("2026-01", 1, 3.0), ("2026-02", 2, 4.5)]

    unscoped = monthly_report(month="2026-03")["satisfaction"]
    assert unscoped["count"] == 6 and unscoped["average"] == round(21 / 6, 2)
    assert monthly_report(month="2025-06")["satisfaction"]["average"] is None
