"""Durations and percentiles as the reports compute them: the PostgreSQL path (percentile_cont in
the GROUP BY) and the Python path (SQLite) must give the same figures."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import feedback_update
from feedback_archive.reports.aggregates import RESOLUTION, RESPONSE, durations, percentile, stats_of
from feedback_archive.reports.selectors import monthly_report

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 10, 12, 9, 0, tzinfo=SH)


def test_percentile_interpolates_between_ranks_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.5) == 7.0 and percentile([7.0], 0.9) == 7.0  # one item: itself
    assert percentile([1.0, 3.0, 5.0], 0.5) == 3.0
    assert percentile([1.0, 3.0, 5.0], 0.9) == pytest.approx(4.6)  # rank 1.8 → 3 + 0.8·2
    assert percentile([2.0, 10.0], 0.9) == pytest.approx(9.2)
    assert stats_of([]) == {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None}
    assert stats_of([3600.0 * h for h in (30, 2, 4)]) == {"count": 3, "mean_hours": 12.0, "median_hours": 4.0, "p90_hours": 24.8}


def _plant(make_feedback):
    """Three teams: 音视频 with four timed items, 消息 with one, 客户端 with none in the period;
    plus an item without a response, and one whose clock was set before it arrived."""
    av = Team.objects.create(slug="av", name="音视频引擎组")
    im = Team.objects.create(slug="im", name="消息组")
    Team.objects.create(slug="client", name="客户端组")
    spec = [(av, 1, 2), (av, 3, 10), (av, 5, None), (av, 0.5, 30), (im, 7, 8), (im, None, None)]
    ids = []
    for i, (team, respond, resolve) in enumerate(spec):
        fb = make_feedback(f"第{i}条：视频会议时对方听不到声音", received_at=T0 + dt.timedelta(hours=i))
        fields = {"team": team,
                  "first_response_at": fb.received_at + dt.timedelta(hours=respond) if respond is not None else None,
                  "resolved_at": fb.received_at + dt.timedelta(hours=resolve) if resolve is not None else None}
        Feedback.objects.filter(pk=fb.pk).update(**fields)
        ids.append(fb.pk)
    # clock skew: "responded" before it was received — not a duration, left out of every figure
    Feedback.objects.filter(pk=ids[-1]).update(first_response_at=T0 - dt.timedelta(hours=1))
    return av, im


def test_grouped_durations_one_group_with_one_item_and_empty_groups(make_feedback):
    av, im = _plant(make_feedback)
    figs = durations(Feedback.objects.all(), {"response": RESPONSE, "resolution": RESOLUTION}, group="team_id")
    assert set(figs) == {av.pk, im.pk}  # the team without items has no group
    assert figs[av.pk]["n"] == 4
    # response hours 0.5, 1, 3, 5 → median 2, p90 = 3 + 0.7·2 = 4.4
    assert figs[av.pk]["response"] == {"count": 4, "mean_hours": 2.38, "median_hours": 2.0, "p90_hours": 4.4}
    # resolution hours 2, 10, 30 (one unresolved) → median 10, p90 = 10 + 0.8·20 = 26
    assert figs[av.pk]["resolution"] == {"count": 3, "mean_hours": 14.0, "median_hours": 10.0, "p90_hours": 26.0}
    # 消息组: one timed item (its percentiles are that item) and one with a negative response
    assert figs[im.pk]["n"] == 2
    assert figs[im.pk]["response"] == {"count": 1, "mean_hours": 7.0, "median_hours": 7.0, "p90_hours": 7.0}
    assert durations(Feedback.objects.none(), {"response": RESPONSE}) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_postgres_percentile_cont_equals_the_python_interpolation(make_feedback):
    _plant(make_feedback)
    for i in range(37):  # uneven hours so that interpolation is exercised
        fb = make_feedback(f"群文件下载失败 {i}", received_at=T0 + dt.timedelta(minutes=17 * i))
        Feedback.objects.filter(pk=fb.pk).update(first_response_at=fb.received_at + dt.timedelta(minutes=7 * i * i + 3),
                                                 resolved_at=fb.received_at + dt.timedelta(hours=i % 9, minutes=i))
    measures = {"response": RESPONSE, "resolution": RESOLUTION}
    for group in (None, "team_id"):
        assert durations(Feedback.objects.all(), measures, group=group, in_sql=True) == \
            durations(Feedback.objects.all(), measures, group=group, in_sql=False)


def test_monthly_groups_without_items_show_zero_and_no_times(make_feedback):
    av, _im = _plant(make_feedback)
    fb = Feedback.objects.filter(team=av).order_by("received_at").first()
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"severity": "critical"})
    r = monthly_report(month="2026-10")
    sev = {s["severity"]: s for s in r["by_severity"]}
    assert sev["critical"]["received"] == 1 and sev["critical"]["response"]["median_hours"] == 1.0
    assert sev["minor"]["received"] == 0
    assert sev["minor"]["response"] == {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None}
    teams = {t["team"]: t for t in r["by_team"]}
    assert teams["av"]["received"] == 4 and "client" not in teams
    assert [t["team"] for t in r["by_team"]][0] == "av"  # most received first
    assert r["response"]["count"] == 5  # 4 + 1; unanswered and negative left out
    assert r["trend"][-1] == {"month": "2026-10", "received": 6, "resolution": r["resolution"]["median_hours"]}
    assert r["trend"][0] == {"month": "2026-05", "received": 0, "resolution": None}
