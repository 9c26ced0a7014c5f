"""Query-count guards: the item the API reads most must not grow a query per label, reply or
transition (an N+1 shows up here before it shows up at a million rows)."""
import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db


def _busy_item(make_feedback, n):
    fb = make_feedback(f"共享屏幕时对方看到的是黑屏（第{n}次）", understand="all")
    feedback_set_labels(feedback=fb, labels={"type": "function", "module": "video", "severity": "major"},
                        actor=Actor.system("import"))
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.system("job"), note="复现中")
    return fb


def test_feedback_detail_reads_a_bounded_number_of_queries(api, make_feedback, django_assert_max_num_queries):
    quiet, busy = make_feedback("群消息偶尔收不到", understand="all"), _busy_item(make_feedback, 1)
    api.get("/api/v1/feedback/")  # the key's first use of the run is recorded once; measure after it
    with django_assert_max_num_queries(25) as quiet_queries:
        assert api.get(f"/api/v1/feedback/{quiet.pk}/").status_code == 200
    with django_assert_max_num_queries(25) as busy_queries:
        assert api.get(f"/api/v1/feedback/{busy.pk}/").status_code == 200
    # labels, a transition and its log rows add no query of their own
    assert len(busy_queries.captured_queries) == len(quiet_queries.captured_queries)


def test_feedback_list_is_not_a_query_per_row(api, make_feedback, django_assert_max_num_queries):
    for n in range(3):
        _busy_item(make_feedback, n)
    api.get(f"/api/v1/feedback/{Feedback.objects.first().pk}/")  # the key's first use is recorded once
    with django_assert_max_num_queries(30) as three:
        assert api.get("/api/v1/feedback/").status_code == 200
    for n in range(3, 9):
        _busy_item(make_feedback, n)
    with django_assert_max_num_queries(30) as nine:
        assert api.get("/api/v1/feedback/").status_code == 200
    assert len(nine.captured_queries) == len(three.captured_queries)
