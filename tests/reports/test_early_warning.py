"""Early warning: a problem's 5th report within an hour (or a significant jump against its own
baseline) alerts its team once per incident, by e-mail and group bots, through an outbox."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from unittest import mock

import pytest

from feedback_archive.core.models import Team
from feedback_archive.reports.alerts import early_warning_run, trigger
from feedback_archive.reports.models import ProblemIncident
from feedback_archive.workflow.alerts import alert_send
from feedback_archive.workflow.models import AlertDelivery, AlertEndpoint
from feedback_archive.workflow import bots

from .helpers import at, join, make_problem

pytestmark = pytest.mark.django_db

CRASH = ["升级后一打开会议就闪退", "进会议直接崩溃退出", "点加入会议app就闪退了", "会议界面一进去就崩",
         "入会瞬间应用崩溃", "一加入会议就自动退出", "会议开始时闪退，重装也不行"]


class FakeResponse:
    def __init__(self, payload, status=200):
        self.status, self._raw = status, json.dumps(payload).encode()

    def read(self):
        return self._raw

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def team(django_user_model):
    lead = django_user_model.objects.create_user("av-lead", email="av-lead@example.com")
    return Team.objects.create(slug="av", name="音视频引擎组", lead=lead)


def test_fifth_report_within_an_hour_alerts_once_per_incident(make_feedback, team, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    AlertEndpoint.objects.create(team=team, kind="wecom", target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1")
    first = make_feedback(CRASH[0], received_at=at(2026, 11, 20, 9, 0))
    first.team = team
    first.save(update_fields=["team"])
    problem = make_problem("进入会议时闪退", [first], type="performance")
    posted = []

    def fake_urlopen(request, timeout):
        posted.append((request.full_url, json.loads(request.data)))
        return FakeResponse({"errcode": 0, "errmsg": "ok"})

    with mock.patch("urllib.request.urlopen", fake_urlopen):
        for i in range(1, 4):
            join(problem, [make_feedback(CRASH[i], received_at=at(2026, 11, 20, 9, 10 * i))])
        assert early_warning_run(now=at(2026, 11, 20, 9, 31)) == []  # four reports: not yet
        join(problem, [make_feedback(CRASH[4], received_at=at(2026, 11, 20, 9, 40))])
        with django_capture_on_commit_callbacks(execute=True):  # the alert goes out after the commit
            opened = early_warning_run(now=at(2026, 11, 20, 9, 41))
        assert [i.problem_id for i in opened] == [problem.pk] and opened[0].rule == "count"
        assert opened[0].team_id == team.pk and opened[0].count == 5
        # more reports of the same incident, minutes and hours later: no second alert
        join(problem, [make_feedback(CRASH[5], received_at=at(2026, 11, 20, 9, 45))])
        assert early_warning_run(now=at(2026, 11, 20, 9, 46)) == []
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["av-lead@example.com"]
    assert "进入会议时闪退" in mailoutbox[0].subject and "第 5 条" in mailoutbox[0].body
    assert len(posted) == 1 and posted[0][1]["msgtype"] == "markdown" and "进入会议时闪退" in posted[0][1]["markdown"]["content"]
    assert AlertDelivery.objects.filter(status="sent").count() == 2
    # a day later the incident is over: a new spike is a new incident
    with mock.patch("urllib.request.urlopen", fake_urlopen):
        for i in range(5):
            join(problem, [make_feedback(f"{CRASH[i % 7]}（第二波{i}）", received_at=at(2026, 11, 23, 14, i))])
        with django_capture_on_commit_callbacks(execute=True):
            assert len(early_warning_run(now=at(2026, 11, 23, 14, 6))) == 1
    assert ProblemIncident.objects.count() == 2


def test_a_problem_that_always_runs_high_is_not_an_incident_but_a_jump_is():
    p = {"COUNT": 5, "COUNT_ALPHA": 1e-3, "WINDOW_MINUTES": 60, "ALPHA": 1e-6, "MIN_JUMP": 3, "BASELINE_DAYS": 28,
         "FLOOR_PER_DAY": 2.0}
    hourly = 28 * 24
    assert trigger(6, 6 * hourly, p) is None  # six an hour, every hour for four weeks: its normal rate
    assert trigger(15, 6 * hourly, p) is None and trigger(16, 6 * hourly, p)[0] == "count"
    assert trigger(5, 0, p)[0] == "count"  # a new problem's 5th report in the hour
    assert trigger(4, 0, p) is None
    assert trigger(5, 24, p)[0] == "count" and trigger(5, 24 * 28, p) is None  # one a day vs one an hour
    # a team that set the count to 10 still hears of a sharp jump on a quiet problem
    assert trigger(5, 0, {**p, "COUNT": 10})[0] == "jump"


def test_a_failed_bot_is_retried_then_sent(make_feedback, team, django_capture_on_commit_callbacks):
    endpoint = AlertEndpoint.objects.create(team=team, kind="feishu", secret="s3cr3t",
                                            target="https://open.feishu.cn/open-apis/bot/v2/hook/abc")
    items = [make_feedback(t, received_at=at(2026, 11, 20, 9, i)) for i, t in enumerate(CRASH[:5])]
    for item in items:
        item.team = team
        item.save(update_fields=["team"])
    make_problem("进入会议时闪退", items)
    replies = iter([FakeResponse({"code": 19021, "msg": "sign match fail"}), FakeResponse({"code": 0, "msg": "success"})])
    with mock.patch("urllib.request.urlopen", lambda request, timeout: next(replies)):
        with django_capture_on_commit_callbacks(execute=True):
            early_warning_run(now=at(2026, 11, 20, 9, 6))
        d = AlertDelivery.objects.get(endpoint=endpoint)
        assert d.status == "retrying" and "19021" in d.last_error
        assert alert_send(delivery_id=d.pk, now=d.next_attempt_at - dt.timedelta(seconds=1)) == "retrying"  # not due
        assert alert_send(delivery_id=d.pk, now=d.next_attempt_at) == "sent"


def test_feishu_dingtalk_and_wecom_formats_and_signatures():
    url, body = bots.build_request("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", "sec",
                                   title="预警", text="黑屏 5 条", now=1599360473.2)
    key = b"1599360473\nsec"
    assert body["timestamp"] == "1599360473" and body["msg_type"] == "text"
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    url, body = bots.build_request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc",
                                   title="预警", text="黑屏", now=1577000000.5)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert q["access_token"] == ["t"] and q["timestamp"] == ["1577000000500"]
    expected = base64.b64encode(hmac.new(b"SECabc", b"1577000000500\nSECabc", hashlib.sha256).digest()).decode()
    assert q["sign"] == [expected] and body["msgtype"] == "markdown" and body["markdown"]["title"] == "预警"
    url, body = bots.build_request("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "",
                                   title="预警", text="很长" * 3000)
    assert url.endswith("key=k") and len(body["markdown"]["content"].encode()) <= 4096
    with pytest.raises(bots.BotError):
        bots.check_reply("wecom", 200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}')
    bots.check_reply("feishu", 200, b'{"StatusCode": 0, "StatusMessage": "success"}')


def test_early_warning_schedule_is_registered():
    from feedback_archive.triage.schedules import all_schedules

    assert "reports-early-warning" in [s[0] for s in all_schedules()]


def test_an_alert_that_gave_up_is_a_dead_letter_the_admin_sends_again(make_feedback, team, settings,
                                                                    django_capture_on_commit_callbacks):
    """Early warnings share the team alert outbox's dead letters and retry (workflow/alerts.py)."""
    from feedback_archive.core.actors import Actor
    from feedback_archive.workflow.alerts import alert_retry_many

    settings.OUTBOX_BACKOFF_SECONDS = [60]
    endpoint = AlertEndpoint.objects.create(team=team, kind="dingtalk", target="https://oapi.dingtalk.com/robot/send?access_token=t")
    items = [make_feedback(t, received_at=at(2026, 11, 20, 9, i)) for i, t in enumerate(CRASH[:5])]
    for item in items:
        item.team = team
        item.save(update_fields=["team"])
    make_problem("进入会议时闪退", items)
    refusals = iter([FakeResponse({"errcode": 310000, "errmsg": "keywords not in content"})] * 2
                    + [FakeResponse({"errcode": 0, "errmsg": "ok"})])
    with mock.patch("urllib.request.urlopen", lambda request, timeout: next(refusals)):
        with django_capture_on_commit_callbacks(execute=True):
            incident = early_warning_run(now=at(2026, 11, 20, 9, 6))[0]
        d = AlertDelivery.objects.get(endpoint=endpoint)
        assert list(incident.alerts.filter(endpoint=endpoint)) == [d] and d.feedback_id == incident.lead_id
        assert alert_send(delivery_id=d.pk, now=d.next_attempt_at) == "dead"
        done, refused = alert_retry_many(delivery_ids=[d.pk, d.pk], actor=Actor.system("admin"))
        assert done == [d.pk] and "only dead letters" in refused[d.pk]
        d.refresh_from_db()
        assert alert_send(delivery_id=d.pk, now=d.next_attempt_at) == "sent" and "310000" in d.last_error
