import pytest
from django.urls import reverse

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.services import feedback_update
from feedback_archive.workflow.models import TransitionLog

pytestmark = pytest.mark.django_db
LIST = "/admin/feedback/feedback/"


@pytest.fixture
def staff(admin_client):
    return admin_client


@pytest.mark.parametrize("query", [
    "", "?status__exact=pending", "?type=performance", "?severity=__none__", "?module=video&channel__id__exact=1",
    "?q=卡顿", "?q=%231", "?is_duplicate=1", "?sla_breached=0", "?owner=me", "?product=im", "?o=-1",
])
def test_feedback_list_renders_with_every_filter(staff, make_feedback, query):
    fb = make_feedback("视频会议经常卡顿，画面一卡一卡的")
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"type": "performance", "module": "video"})
    r = staff.get(LIST + query)
    assert r.status_code == 200


def test_list_filters_narrow_the_rows(staff, make_feedback):
    a = make_feedback("视频会议经常卡顿")
    b = make_feedback("请问怎么开启消息免打扰？")
    feedback_update(feedback_id=a.pk, actor=Actor.system(), labels={"type": "performance"})
    body = staff.get(LIST + "?type=performance").content.decode()
    assert f"/admin/feedback/feedback/{a.pk}/change/" in body and f"/admin/feedback/feedback/{b.pk}/change/" not in body
    body = staff.get(LIST + "?q=免打扰").content.decode()
    assert f"/admin/feedback/feedback/{b.pk}/change/" in body and f"/admin/feedback/feedback/{a.pk}/change/" not in body


def test_list_query_count_is_flat(staff, make_feedback, django_assert_max_num_queries):
    for i in range(40):
        make_feedback(f"第{i}条反馈：群文件下载失败")
    with django_assert_max_num_queries(30):
        assert staff.get(LIST).status_code == 200


def test_change_page_shows_transitions_definitions_and_history(staff, make_feedback):
    from feedback_archive.classification.services import feedback_classify

    fb = make_feedback()
    feedback_classify(feedback_id=fb.pk)
    page = staff.get(reverse("admin:feedback_feedback_change", args=[fb.pk])).content.decode()
    assert 'data-transition="start"' in page and 'data-transition="reject"' not in page
    assert "fa-defs" in page  # the standard's definitions beside the label fields
    assert "fa-sugg" in page and "fa-accept" in page and "卡顿" in page  # the suggestion, folded into its field
    assert 'name="status"' not in page  # status is never a plain editable field
    assert "(投诉, zh)" in page  # the sentiment's intent by its name in the standard, not its code
    r = staff.post(reverse("admin:feedback_feedback_transition", args=[fb.pk]),
                   {"fa_transition": "start", "fa_note": "开始排查回声问题", "version": fb.version})
    assert r.status_code == 302
    assert Feedback.objects.get(pk=fb.pk).status == "in_progress"
    page = staff.get(reverse("admin:feedback_feedback_change", args=[fb.pk])).content.decode()
    assert "开始排查回声问题" in page and 'data-transition="submit"' in page


def test_illegal_transition_in_admin_is_a_message_not_an_error(staff, make_feedback):
    fb = make_feedback()
    r = staff.post(reverse("admin:feedback_feedback_transition", args=[fb.pk]), {"fa_transition": "close"}, follow=True)
    assert r.status_code == 200
    assert "errornote" in r.content.decode() or "error" in r.content.decode()
    assert Feedback.objects.get(pk=fb.pk).status == "pending"


def test_saving_labels_goes_through_the_service_and_is_audited(staff, make_feedback):
    from feedback_archive.taxonomy.models import Label

    fb = make_feedback()
    perf = Label.objects.get(dimension__code="type", code="performance")
    url = reverse("admin:feedback_feedback_change", args=[fb.pk])
    r = staff.post(url, {"label_type": perf.pk, "version": fb.version, "assignee": "", "team": "", "release": "", "fixed_in": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert FieldChange.objects.filter(feedback=fb, field="labels.type", new="performance", via="admin").exists()
    stale = staff.post(url, {"label_type": "", "version": fb.version, "assignee": "", "team": "", "release": "", "fixed_in": ""}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en")
    assert "changed" in stale.content.decode()


def test_bulk_actions_use_the_services(staff, make_feedback):
    from feedback_archive.taxonomy.models import Label

    items = [make_feedback(f"第{i}条：语音通话有回声") for i in range(3)]
    ids = [str(f.pk) for f in items]
    staff.post(LIST, {"action": "action_start", "_selected_action": ids, "note": "批量开始"})
    assert TransitionLog.objects.filter(name="start").count() == 3
    voice = Label.objects.get(dimension__code="module", code="voice")
    staff.post(LIST, {"action": "set_label", "_selected_action": ids, "label": voice.pk})
    assert FieldChange.objects.filter(field="labels.module", new="voice").count() == 3
    r = staff.post(LIST, {"action": "action_close", "_selected_action": ids[:1]}, follow=True)
    assert Feedback.objects.get(pk=ids[0]).status == "in_progress"  # no resolution, no reply: refused, reported
    assert r.status_code == 200


def test_add_feedback_by_hand_uses_feedback_create(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the pipeline job, inline after the commit
        r = staff.post("/admin/feedback/feedback/add/", {"channel_in": 1, "content_in": "电话反馈：群公告发不出去", "title_in": "", "app_version_in": "5.3"})
    assert r.status_code == 302
    fb = Feedback.objects.get()
    assert fb.search_text.strip() and fb.release.version == "5.3.0"


def test_other_admin_pages_render(staff):
    for url in ["/admin/", "/admin/taxonomy/dimension/", "/admin/taxonomy/label/", "/admin/taxonomy/label/1/change/",
                "/admin/versions/release/", "/admin/workflow/transitionlog/", "/admin/feedback/fieldchange/",
                "/admin/api/apikey/", "/admin/api/apikey/add/", "/admin/core/team/"]:
        assert staff.get(url).status_code == 200, url


def test_user_text_is_escaped(staff, make_feedback):
    fb = make_feedback("<script>alert('x')</script> 消息发不出去", title="<b>标题</b>")
    page = staff.get(reverse("admin:feedback_feedback_change", args=[fb.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page and "&lt;script&gt;" in page
    assert "<script>alert" not in staff.get(LIST).content.decode()
