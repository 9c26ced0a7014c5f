"""POST /api/v1/feedback/ and /bulk/: the answers the contract promises, whichever path built them."""
import pytest

from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db

SCREEN_SHARE = "升级到5.3.1以后，视频会议里屏幕共享经常黑屏，对方什么都看不到，重启也没用"
SCREEN_SHARE_AGAIN = "升级5.3.1之后视频会议屏幕共享老是黑屏，对方啥都看不到，重启了也没用！"


@pytest.mark.parametrize("content", ["安卓版语音消息播放到一半自动停止，重新点开又从头播放", SCREEN_SHARE_AGAIN])
def test_the_201_answer_equals_a_fresh_read(api, settings, monkeypatch, content):
    """The create answer is built from the stored row in hand (no re-read) when the pipeline runs
    later: it must say exactly what reading the item back says (before the pipeline has run)."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    monkeypatch.setattr("feedback_archive.intake.services._send_pipeline_job", lambda ids: None)  # a worker, later
    api.post("/api/v1/feedback/", {"channel": "community", "external_id": "c-0", "content": SCREEN_SHARE}, format="json")
    body = {"channel": "in_app", "external_id": "x-1", "content": content, "app_version": "v5.3.1 (2041)",
            "platform": "Android", "received_at": "2026-11-20T09:15:00+08:00", "locale": "zh-CN",
            "reporter": {"external_id": "u-7", "name": "陈经理", "contact": "chen@example.cn"}, "metadata": {"device": "小米14"}}
    created = api.post("/api/v1/feedback/", body, format="json")
    assert created.status_code == 201
    read = api.get(f"/api/v1/feedback/{created.json()['id']}/")
    assert created.json() == read.json()


def test_bulk_gives_per_item_results_and_counts(api):
    items = [
        {"channel": "in_app", "external_id": "b-1", "content": "消息推送延迟十几分钟"},
        {"channel": "in_app", "content": ""},
        {"channel": "in_app", "external_id": "b-3", "content": "表情包发不出去", "rating": "很好"},
        {"channel": "carrier-pigeon", "content": "群视频自动挂断"},
        {"channel": "in_app", "external_id": "b-1", "content": "消息推送延迟十几分钟"},
    ]
    r = api.post("/api/v1/feedback/bulk/", {"items": items}, format="json")
    assert r.status_code == 200
    res = r.json()
    assert (res["created"], res["existing"], res["invalid"]) == (1, 1, 3)
    results = res["results"]
    assert [x["index"] for x in results] == [0, 1, 2, 3, 4]
    assert "content" in results[1]["errors"] and "rating" in results[2]["errors"] and "channel" in results[3]["errors"]
    assert results[4] == {"index": 4, "id": results[0]["id"], "created": False}
    again = api.post("/api/v1/feedback/bulk/", {"items": items}, format="json").json()
    assert (again["created"], again["existing"], again["invalid"]) == (0, 2, 3)
    assert again["results"][0]["id"] == results[0]["id"]
    assert Feedback.objects.count() == 1


def test_bulk_links_near_duplicates_inside_the_batch(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the batch's pipeline job, inline
        r = api.post("/api/v1/feedback/bulk/", {"items": [
            {"channel": "community", "external_id": "p-1", "content": SCREEN_SHARE},
            {"channel": "social", "external_id": "p-2", "content": SCREEN_SHARE_AGAIN},
        ]}, format="json").json()
    first, second = (api.get(f"/api/v1/feedback/{x['id']}/").json() for x in r["results"])
    assert second["canonical"] == first["id"] and first["duplicate_count"] == 1


def test_bulk_with_a_channel_bound_key_refuses_other_channels_per_item(api):
    bound = api.as_("ingest", channel="app_store")
    r = bound.post("/api/v1/feedback/bulk/", {"items": [
        {"channel": "app_store", "external_id": "r-1", "content": "更新后打不开，一直白屏", "rating": 1},
        {"channel": "in_app", "external_id": "r-2", "content": "聊天记录搜索不到图片"},
    ]}, format="json").json()
    assert r["created"] == 1 and "channel" in r["results"][1]["errors"]
