"""Issue #11 item 5: an ingest key learns nothing by replaying an existing (channel, external id)."""
import pytest

from feedback_archive.feedback.models import Feedback
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
BODY = {"channel": "in_app", "external_id": "wx-2291", "content": "群聊里发的图片一直显示加载失败",
        "reporter": {"external_id": "u-88", "name": "王芳", "contact": "wang.fang@example.com"}}


def test_ingest_replay_answers_only_id_created_and_the_echo(api, agent):
    first = api.post("/api/v1/feedback/", BODY, format="json")
    assert first.status_code == 201
    fb_id = first.json()["id"]
    from feedback_archive.core.actors import Actor

    feedback_transition(feedback_id=fb_id, name="start", actor=Actor.for_user(agent), note="INTERNAL 大客户，优先处理")
    ingest = api.as_("ingest", name="app-sync")
    replay = {**BODY, "content": "随便写点别的"}
    r = ingest.post("/api/v1/feedback/", replay, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body == {"id": fb_id, "created": False, **replay}
    assert "INTERNAL" not in r.content.decode()
    assert Feedback.objects.count() == 1


def test_read_and_write_keys_keep_the_full_answer(api):
    api.post("/api/v1/feedback/", BODY, format="json")
    r = api.post("/api/v1/feedback/", BODY, format="json")
    assert r.status_code == 200 and r.json()["status"] == "pending" and "transitions" in r.json()


@pytest.mark.parametrize("channel", ["app_store", "no-such-channel"])
def test_a_bound_ingest_key_cannot_probe_other_channels(api, channel):
    api.post("/api/v1/feedback/", {**BODY, "channel": "app_store"}, format="json")
    bound = api.as_("ingest", channel="in_app", name="in-app-only")
    r = bound.post("/api/v1/feedback/", {**BODY, "channel": channel}, format="json")
    # the same answer whether the channel (or the item) exists or not
    assert r.status_code == 403
    assert "in_app" in r.json()["detail"] and "id" not in r.json()


def test_a_bound_ingest_key_cannot_probe_in_bulk_either(api):
    api.post("/api/v1/feedback/", {**BODY, "channel": "app_store"}, format="json")
    bound = api.as_("ingest", channel="in_app", name="in-app-bulk")
    r = bound.post("/api/v1/feedback/bulk/", {"items": [{**BODY, "channel": "app_store"}]}, format="json")
    assert r.status_code == 200
    assert r.json()["results"] == [{"index": 0, "errors": {"channel": [r.json()["results"][0]["errors"]["channel"][0]]}}]
