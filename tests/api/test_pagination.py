"""Counting a broad match set costs more than the page: the list counts up to a cap (a lower one
for full-text searches) and, on PostgreSQL, skips the count when the planner is sure it is huge."""
import pytest
from django.db import connection

from feedback_archive.api import pagination
from feedback_archive.core.db import estimated_rows
from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_complaints(make_feedback):
    for text in ["群文件传输太慢了，十几兆的文件要传好几分钟", "语音通话时对方听到回声，戴耳机也一样",
                 "视频会议屏幕共享黑屏，只能看到自己的画面", "消息已读回执不准，对方明明看了还显示未读",
                 "群文件传输经常失败，提示网络错误"]:
        make_feedback(text)


def test_search_counts_up_to_the_search_cap(api, five_complaints, monkeypatch):
    monkeypatch.setattr(pagination.CappedCountPagination, "SEARCH_CAP", 1)
    page = api.get("/api/v1/feedback/?q=群文件&page_size=1").json()
    assert page["count"] is None and page["count_more_than"] == 1 and len(page["results"]) == 1
    # without q the (higher) list cap applies: all five are counted
    assert api.get("/api/v1/feedback/?page_size=1").json()["count"] == 5


def test_a_certainly_huge_result_is_not_counted(api, five_complaints, monkeypatch):
    monkeypatch.setattr(pagination, "estimated_rows", lambda qs: 250_000)
    page = api.get("/api/v1/feedback/?page_size=2").json()
    assert page["count"] is None and page["count_estimate"] == 250_000 and "count_more_than" not in page
    assert len(page["results"]) == 2 and page["next"]


def test_an_estimate_near_the_cap_is_not_trusted(api, five_complaints, monkeypatch):
    monkeypatch.setattr(pagination, "estimated_rows", lambda qs: 40)  # < 10 × cap: counted exactly
    page = api.get("/api/v1/feedback/?page_size=2").json()
    assert page["count"] == 5 and "count_estimate" not in page


def test_planner_estimate_only_on_postgresql(five_complaints):
    estimate = estimated_rows(Feedback.objects.filter(content__contains="群文件"))
    if connection.vendor == "postgresql":
        assert isinstance(estimate, int) and estimate >= 1
    else:
        assert estimate is None
    assert estimated_rows(Feedback.objects.none()) is None


def test_common_word_search_skips_ranking_when_the_planner_expects_many(five_complaints, monkeypatch):
    from feedback_archive.feedback import querysets

    monkeypatch.setattr(querysets, "estimated_rows", lambda qs: 10 ** 6)
    qs = Feedback.objects.search("群文件")
    assert qs.count() == 2
    if connection.vendor == "postgresql":
        assert "search_rank" not in qs.query.annotations  # newest first, not ranked
    monkeypatch.setattr(querysets, "estimated_rows", lambda qs: 3)
    if connection.vendor == "postgresql":
        assert "search_rank" in Feedback.objects.search("群文件").query.annotations


def test_an_absurd_page_number_is_404_not_500(api, five_complaints):
    r = api.get("/api/v1/taxonomy/?page_size=-543326&page=246843381752036786176")
    assert r.status_code == 404
    r = api.get("/api/v1/feedback/?page=99999999999999999999999")
    assert r.status_code == 404
