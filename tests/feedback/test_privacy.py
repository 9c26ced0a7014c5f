import json

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import FieldChange, Reporter
from feedback_archive.feedback.privacy import mask_contact, reporter_erase, reporter_export

pytestmark = pytest.mark.django_db
WANG = {"external_id": "u-100", "name": "王芳", "contact": "wang.fang@example.com"}


def test_masking():
    assert mask_contact("wang.fang@example.com") == "wa***@example.com"
    assert mask_contact("138 1234 5678") == "138****5678"
    assert mask_contact("qx_wangfang") == "q***"


def test_export_and_erase_keep_feedback_and_are_audited(make_feedback, agent):
    fb = make_feedback("语音通话有回声", reporter=WANG, metadata={"device": "iPhone 15", "phone": "13812345678"})
    reporter = Reporter.objects.get()
    exported = reporter_export(reporter=reporter, user=agent)
    assert exported["reporter"]["contact"] == "wang.fang@example.com" and exported["feedback"][0]["content"] == "语音通话有回声"
    reporter_erase(reporter=reporter, actor=Actor.for_user(agent))
    reporter.refresh_from_db()
    fb.refresh_from_db()
    assert reporter.name == "" and reporter.contact == "" and reporter.external_id.startswith("erased-")
    assert fb.content == "语音通话有回声" and fb.metadata == {"device": "iPhone 15"}
    assert FieldChange.objects.filter(feedback=fb, field="reporter", actor_name="zhangwei").exists()


def test_export_masks_for_roles_that_may_not_see_contacts(make_feedback, make_user, client):
    make_feedback("语音通话有回声", reporter=WANG, metadata={"device": "iPhone 15", "phone": "13812345678"})
    reporter = Reporter.objects.get()
    viewer = make_user("zhaolei", role="只读")
    exported = reporter_export(reporter=reporter, user=viewer)
    assert exported["reporter"]["name"] == "王*" and exported["reporter"]["contact"] == "wa***@example.com"
    assert exported["feedback"][0]["metadata"] == {"device": "iPhone 15", "phone": "***"}
    # the admin's export action (needs only the view permission) goes through the same rule
    client.force_login(viewer)
    r = client.post("/admin/feedback/reporter/", {"action": "export_data", "_selected_action": [reporter.pk]})
    assert r.status_code == 200
    body = r.content.decode()
    assert "wang.fang@example.com" not in body and "王芳" not in body and "13812345678" not in body


def test_contacts_are_masked_for_read_keys_and_shown_to_write_keys(api, make_feedback):
    fb = make_feedback("群文件下载失败", reporter=WANG)
    full = api.get(f"/api/v1/feedback/{fb.pk}/").json()["reporter"]
    masked = api.as_("read").get(f"/api/v1/feedback/{fb.pk}/").json()["reporter"]
    assert full["contact"] == "wang.fang@example.com"
    assert masked["contact"] == "wa***@example.com" and masked["name"] == "王*"


def test_admin_masks_for_viewers_and_erases_after_confirmation(make_feedback, make_user, admin_client, client):
    fb = make_feedback("群文件下载失败", reporter=WANG)
    reporter = Reporter.objects.get()
    client.force_login(make_user("viewer", "只读"))
    page = client.get("/admin/feedback/reporter/").content.decode()
    assert "wang.fang@example.com" not in page and "wa***@example.com" in page
    assert "wang.fang@example.com" not in client.get(f"/admin/feedback/feedback/{fb.pk}/change/").content.decode()
    assert "wang.fang@example.com" in admin_client.get("/admin/feedback/reporter/").content.decode()
    export = admin_client.post("/admin/feedback/reporter/", {"action": "export_data", "_selected_action": [reporter.pk]})
    assert json.loads(export.content)[0]["reporter"]["name"] == "王芳"
    confirm = admin_client.post("/admin/feedback/reporter/", {"action": "erase_data", "_selected_action": [reporter.pk]})
    assert confirm.status_code == 200 and Reporter.objects.get().name == "王芳"  # nothing erased before confirming
    admin_client.post("/admin/feedback/reporter/", {"action": "erase_data", "_selected_action": [reporter.pk], "confirm": "yes"})
    assert Reporter.objects.get().erased_at is not None
