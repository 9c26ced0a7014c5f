"""#11 items 2 and 7: a poisoned item (a value PostgreSQL would refuse, a version longer than its
column, a `null` item) gets its own field errors; its neighbours are stored; a single create is a
400. Runs on SQLite and PostgreSQL (where the unchecked values used to fail the whole statement)."""
import json

import pytest

from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db


def post(client, url, body):
    """As a client sends it: JSON with \\u escapes (a lone surrogate cannot be sent as UTF-8)."""
    return client.post(url, data=json.dumps(body), content_type="application/json")

GOOD = "语音消息点了没反应，要重启才能听"

POISONED = [
    ({"app_version": "5." + "1" * 70}, "app_version"),
    ({"metadata": {"device": "小米\u0000 14"}}, "metadata"),
    ({"metadata": {"备注": "\ud800"}}, "metadata"),
    ({"metadata": {"\ud800": "键是孤立代理"}}, "metadata"),
    ({"content": "群公告\ud800发不出去"}, "content"),
    ({"title": "标题\udfff"}, "title"),
    ({"reporter": {"external_id": "u-1", "name": "王\u0000女士"}}, "reporter"),
    ({"received_at": "1969-12-31T23:59:59Z"}, "received_at"),
]


@pytest.mark.parametrize("extra, field", POISONED)
def test_a_poisoned_item_fails_alone_in_a_bulk(api, extra, field):
    items = [{"channel": "in_app", "external_id": "ok-1", "content": GOOD},
             {"channel": "in_app", "external_id": "bad-1", "content": "视频通话没有声音", **extra},
             {"channel": "in_app", "external_id": "ok-2", "content": "表情包发不出去"}]
    r = post(api, "/api/v1/feedback/bulk/", {"items": items})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["created"], body["invalid"]) == (2, 1)
    assert field in body["results"][1]["errors"]
    assert set(Feedback.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


@pytest.mark.parametrize("extra, field", POISONED)
def test_a_poisoned_single_create_is_a_400(api, extra, field):
    r = post(api, "/api/v1/feedback/", {"channel": "in_app", "external_id": "bad-1", "content": "视频通话没有声音",
                                        **extra})
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert not Feedback.objects.exists()


def test_a_null_item_gets_its_own_error(api):
    r = api.post("/api/v1/feedback/bulk/", {"items": [{"channel": "in_app", "content": GOOD}, None, 7]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["created"], body["invalid"]) == (1, 2)
    assert body["results"][1]["errors"] and body["results"][2]["errors"]


def test_the_earliest_accepted_instant_is_1970_in_utc(api):
    r = api.post("/api/v1/feedback/", {"channel": "in_app", "content": GOOD, "received_at": "1970-01-01T00:00:00Z"},
                 format="json")
    assert r.status_code == 201
