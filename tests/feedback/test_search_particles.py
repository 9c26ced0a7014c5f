import pytest

from feedback_archive.core.segmenter import query_groups
from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db


def test_sentence_particles_do_not_narrow_a_search(make_feedback):
    ends_with_le = make_feedback("群文件上传太慢了，十几兆要传好几分钟")
    ends_otherwise = make_feedback("安卓版发语音消息太慢，点发送要转圈半天")
    unrelated = make_feedback("视频会议里屏幕共享黑屏")
    found = set(Feedback.objects.search("太慢了").values_list("pk", flat=True))
    assert found == {ends_with_le.pk, ends_otherwise.pk}
    assert unrelated.pk not in found
    # a query that is nothing but a particle is still searched for as typed
    assert query_groups("了") == [[["了"]]]


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["？", "!!!", "……", "@#￥"])
def test_a_query_without_any_word_matches_nothing(api, make_feedback, q):
    make_feedback("视频通话卡顿，画面一直转圈")
    make_feedback("我的消息发不出去")
    r = api.get("/api/v1/feedback/", {"q": q})
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.django_db
def test_a_blank_query_is_no_filter(api, make_feedback):
    make_feedback("视频通话卡顿，画面一直转圈")
    assert len(api.get("/api/v1/feedback/", {"q": "  "}).json()["results"]) == 1
