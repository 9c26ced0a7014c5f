"""The batched intake path (`feedback_create_many`): per-item results, idempotency; and the
pipeline's first stages over one batch (`understood`: reporter, release, tokens, match — run here
as the worker runs them): near-duplicates inside a batch and against stored feedback, reporters
and releases resolved once per batch."""
import threading

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import DuplicateBand, Feedback, FieldChange, Reporter
from feedback_archive.feedback.services import feedback_create, feedback_create_many, feedback_unmark_duplicate
from feedback_archive.intake.pipeline import pipeline_run
from feedback_archive.intake.services import feedback_receive, feedback_receive_many
from feedback_archive.versions.models import Release

pytestmark = pytest.mark.django_db

SCREEN_SHARE = "升级到5.3.1以后，视频会议里屏幕共享经常黑屏，对方什么都看不到，重启也没用"
SCREEN_SHARE_AGAIN = "升级5.3.1之后视频会议屏幕共享老是黑屏，对方啥都看不到，重启了也没用！"
GROUP_FILE = "群文件上传到一半就失败，换了WiFi和4G都一样，几十兆的安装包根本传不上去"
GROUP_FILE_AGAIN = "群文件上传到一半就失败了，换了WiFi和4G都一样，几十兆的安装包根本传不上去！！"
NOTICE = "群公告编辑以后群成员收不到提醒，希望能加个强提醒"


def _item(n, content, **kw):
    return {"channel": "in_app", "external_id": f"b-{n}", "content": content, **kw}


def understood_many(*, items, actor):
    """Bulk intake, then the pipeline's job for the batch up to the matching stage."""
    results = feedback_create_many(items=items, actor=actor)
    pipeline_run(feedback_ids=[r["id"] for r in results if r.get("created")], stop_after="match")
    return results


def understood(**kw):
    fb, created = feedback_create(**kw)
    if created:
        pipeline_run(feedback_ids=[fb.pk], stop_after="match")
        fb.refresh_from_db()
    return fb, created


def test_partial_failure_stores_the_valid_items_and_names_the_fields(importer):
    results = feedback_create_many(items=[
        _item(1, "语音消息播放到一半自动停止"),
        _item(2, "   "),
        {"channel": "carrier-pigeon", "content": "消息发不出去"},
        _item(4, "视频通话没有声音", product="no-such-product"),
        "不是一个对象",
        {"channel": "in_app", "content": "扫码登录一直转圈", "colour": "red"},
        _item(7, "已读回执不准，对方明明看了还显示未读", rating=9),
    ], actor=importer)
    assert [r["index"] for r in results] == list(range(7))
    assert results[0]["created"] is True
    assert "content" in results[1]["errors"]
    assert "channel" in results[2]["errors"]
    assert "product" in results[3]["errors"]
    assert results[4]["errors"] == {"non_field_errors": ["Each item must be an object."]}
    assert "colour" in results[5]["errors"]["non_field_errors"][0]
    assert "rating" in results[6]["errors"]
    assert list(Feedback.objects.values_list("pk", flat=True)) == [results[0]["id"]]


def test_reposting_a_batch_returns_the_same_ids_and_stores_nothing(importer):
    items = [_item(n, text) for n, text in enumerate(["消息推送延迟十几分钟", "表情包发不出去", "网盘文件下载到99%卡住"])]
    first = feedback_create_many(items=items, actor=importer)
    again = feedback_create_many(items=items, actor=importer)
    assert all(r["created"] for r in first)
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert all(r["created"] is False for r in again)
    assert Feedback.objects.count() == 3


def test_the_same_external_id_twice_in_one_request_is_one_row(importer):
    results = feedback_create_many(items=[_item(1, "会议纪要导出乱码"), _item(1, "会议纪要导出乱码（重发）")], actor=importer)
    assert results[0]["created"] is True and results[1]["created"] is False
    assert results[0]["id"] == results[1]["id"]
    assert Feedback.objects.get().content == "会议纪要导出乱码"


def test_near_duplicates_within_the_request_and_against_stored_feedback(importer):
    stored, _ = understood(channel="community", external_id="c-1", content=SCREEN_SHARE, actor=importer)
    results = understood_many(items=[
        _item(1, SCREEN_SHARE_AGAIN), _item(2, GROUP_FILE), _item(3, NOTICE), _item(4, GROUP_FILE_AGAIN),
    ], actor=importer)
    again, group_file, notice, group_file_again = (Feedback.objects.get(pk=r["id"]) for r in results)
    assert again.canonical_id == stored.pk and again.similarity >= 0.5
    assert group_file.canonical_id is None and notice.canonical_id is None
    assert group_file_again.canonical_id == group_file.pk  # linked to the earlier item of the same request
    stored.refresh_from_db()
    assert stored.duplicate_count == 1 and group_file.duplicate_count == 1
    # audited like a manual merge
    # the link is audited as problem membership (the problem group_file leads)
    assert FieldChange.objects.filter(feedback=group_file_again, field="problem").values_list("new", flat=True).get() == \
        f"#{Feedback.objects.get(pk=group_file.pk).problem_id}"
    # a linked item stores only the band values its cluster does not hold yet



def test_a_text_close_to_a_variant_finds_the_cluster(importer):
    """Chains: B is a reworded A, C a reworded B but not close enough to A itself. C still joins
    A's cluster, through the band values B added to it."""
    a, _ = understood(channel="community", external_id="a", actor=importer,
                           content="视频会议时共享屏幕，对方看到的一直是黑屏，重启客户端也没用")
    b, _ = understood(channel="ticket", external_id="b", actor=importer,
                           content="视频会议时共享屏幕，对方看到的一直是黑屏，重启电脑也没用，Windows 11")
    c, _ = understood(channel="in_app", external_id="c", actor=importer,
                           content="共享屏幕对方一直是黑屏，重启电脑也没用，Windows 11 专业版，声音正常")
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.canonical_id == a.pk and c.canonical_id == a.pk
    a.refresh_from_db()
    assert a.duplicate_count == 2
    # each band value is held once per cluster
    values = list(DuplicateBand.objects.filter(feedback__in=[a, b, c]).values_list("value", flat=True))
    assert len(values) == len(set(values))


def test_negation_keeps_look_alikes_apart_inside_a_request(importer):
    results = understood_many(items=[_item(1, "群里可以发送大文件，速度也很快，体验很好"),
                                          _item(2, "群里不可以发送大文件，速度也很快，体验很好")], actor=importer)
    assert Feedback.objects.get(pk=results[1]["id"]).canonical_id is None


def test_reporters_are_upserted_once_per_request(importer):
    Reporter.objects.create(channel_id=Feedback._meta.get_field("channel").related_model.objects.get(slug="in_app").pk,
                            external_id="u-1", name="王女士")
    understood_many(items=[
        _item(1, "视频通话回声很大", reporter={"external_id": "u-1", "contact": "wang@example.com"}),
        _item(2, "语音通话有杂音", reporter={"external_id": "u-2", "name": "小李"}),
        _item(3, "语音通话还是有杂音", reporter={"external_id": "u-2", "name": "李先生"}),
    ], actor=importer)
    assert Reporter.objects.count() == 2
    u1, u2 = Reporter.objects.get(external_id="u-1"), Reporter.objects.get(external_id="u-2")
    assert (u1.name, u1.contact) == ("王女士", "wang@example.com")
    assert u2.name == "李先生"  # the later item wins, as one by one
    assert set(Feedback.objects.values_list("reporter__external_id", flat=True)) == {"u-1", "u-2"}


def test_an_unknown_release_is_recorded_once_per_request(importer):
    results = understood_many(items=[_item(n, f"6.0.1版本第{n}次闪退", app_version="v6.0.1 (300)", platform="ios")
                                          for n in range(3)], actor=importer)
    release = Release.objects.get(version="6.0.1")
    assert release.is_known is False
    assert {Feedback.objects.get(pk=r["id"]).release_id for r in results} == {release.pk}


def test_statements_do_not_grow_with_the_items(importer):
    def run(start, n):
        items = [_item(start + k, f"第{start + k}条：安卓版收不到离线消息推送，重新登录才有，版本5.{k % 3}.0",
                       reporter={"external_id": f"u-{k}", "name": f"用户{k}"}, app_version=f"5.{k % 3}.0")
                 for k in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            feedback_create_many(items=items, actor=importer)
        return len(ctx.captured_queries)

    run(0, 30)  # the default product, the reporters and the releases exist from here on
    assert run(100, 30) <= run(200, 5) + 2


def test_one_pipeline_job_per_batch_after_commit(importer, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("feedback_archive.intake.services._send_pipeline_job", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = feedback_receive_many(items=[_item(1, "消息撤回失败"), _item(2, "群视频自动挂断")], actor=importer)
    assert len(callbacks) == 1 and sent == [[r["id"] for r in results]]
    # a re-post of the same batch creates nothing and enqueues nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        feedback_receive_many(items=[_item(1, "消息撤回失败"), _item(2, "群视频自动挂断")], actor=importer)
    assert callbacks == [] and len(sent) == 1


def test_a_colliding_insert_falls_back_to_one_by_one(importer, monkeypatch):
    """A concurrent request stored the same external id between our look-up and our insert."""
    first = feedback_create_many(items=[_item(1, "视频会议共享屏幕卡顿")], actor=importer)
    real = Feedback.objects.bulk_create
    calls = {"n": 0}

    def collide(objs, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(objs, *a, **kw)

    monkeypatch.setattr(Feedback.objects, "bulk_create", collide)
    monkeypatch.setattr("feedback_archive.feedback.services.intake._stored_ids", lambda items: {})
    results = feedback_create_many(items=[_item(1, "视频会议共享屏幕卡顿"), _item(2, "聊天记录搜索不到图片"),
                                          _item(3, "")], actor=importer)
    assert results[0] == {"index": 0, "id": first[0]["id"], "created": False}
    assert results[1]["created"] is True and "content" in results[2]["errors"]
    assert Feedback.objects.count() == 2


def test_unmerging_gives_the_item_its_fingerprint(importer, agent):
    a, _ = understood(channel="in_app", external_id="m-1", content=GROUP_FILE, actor=importer)
    b, _ = understood(channel="ticket", external_id="m-2", content=GROUP_FILE_AGAIN, actor=importer)
    assert b.canonical_id == a.pk
    assert not DuplicateBand.objects.filter(feedback=b).exists()
    feedback_unmark_duplicate(feedback=Feedback.objects.get(pk=b.pk), actor=Actor.for_user(agent))
    assert DuplicateBand.objects.filter(feedback=b).count() == 12
    a.refresh_from_db()
    assert a.duplicate_count == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_of_one_batch_store_each_item_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    items = [_item(n, f"第{n}条：iPhone上视频号直播经常黑屏，退出重进才好，版本5.3.{n}") for n in range(40)]
    barrier = threading.Barrier(4)
    outcomes, failures = [], []

    def post():
        try:
            barrier.wait(timeout=10)
            outcomes.append(feedback_create_many(items=items, actor=Actor.system("api")))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert Feedback.objects.count() == 40
    ids = [[r["id"] for r in res] for res in outcomes]
    assert all(x == ids[0] for x in ids) and len(set(ids[0])) == 40
    assert sum(r["created"] for res in outcomes for r in res) == 40


def test_a_platform_release_wins_over_the_all_platform_one_in_a_batch(importer):
    from feedback_archive.versions.services import product_default, release_create

    im = product_default()
    everywhere = release_create(product=im, version="5.3.1")
    ios = release_create(product=im, version="5.3.1", platform="ios")
    results = understood_many(items=[
        _item(1, "iPhone上语音转文字失败", platform="iOS", app_version="5.3.1.2041"),
        _item(2, "安卓版语音转文字失败", platform="android", app_version="v5.3.1"),
    ], actor=importer)
    assert [Feedback.objects.get(pk=r["id"]).release_id for r in results] == [ios.pk, everywhere.pk]


def test_with_the_orm_broker_the_job_commits_with_the_feedback(importer, settings, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    """One commit per create: the job row is written in the feedback's transaction (and would
    roll back with it), not in a second transaction after it."""
    enqueued = []
    monkeypatch.setattr("feedback_archive.intake.services._send_pipeline_job", enqueued.append)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "orm": "default"}
    with django_capture_on_commit_callbacks() as callbacks:  # not run: nothing may wait for them
        fb, _ = feedback_receive(channel="in_app", external_id="q-1", content="视频会议录制文件找不到了", actor=importer)
        results = feedback_receive_many(items=[_item(1, "消息撤回失败"), _item(2, "群视频自动挂断")], actor=importer)
    assert callbacks == []
    assert enqueued == [[fb.pk], [r["id"] for r in results]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_bulks_in_different_orders_do_not_deadlock():
    """#11 item 6: concurrent bulks sharing external ids, each in its own order. Rows go in sorted
    by (channel, external id), so the unique index's locks are taken in one order and the requests
    wait for each other; a deadlock that still happens is retried inside the request."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    import random

    from feedback_archive.intake.pipeline import pipeline_run

    pool = [_item(n, f"第{n}条：安卓版群视频通话频繁掉线，版本5.4.{n % 5}",
                  reporter={"external_id": f"u-{n % 7}", "name": f"用户{n % 7}"}) for n in range(120)]
    batches = []
    for k in range(6):
        rng = random.Random(k)
        batch = rng.sample(pool, 60)
        batches.append(batch)
    barrier = threading.Barrier(len(batches))
    outcomes, failures = [], []

    def post(batch):
        try:
            barrier.wait(timeout=10)
            res = feedback_create_many(items=batch, actor=Actor.system("api"))
            outcomes.append(res)
            pipeline_run(feedback_ids=[r["id"] for r in res if r.get("created")], stop_after="match")
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    wanted = {i["external_id"] for b in batches for i in b}
    assert Feedback.objects.count() == len(wanted)
    assert sum(r["created"] for res in outcomes for r in res) == len(wanted)
    assert Reporter.objects.count() == 7


def test_a_deadlock_is_retried_inside_the_request(importer, monkeypatch):
    """The victim of a deadlock gets its transaction rolled back; the request tries again before
    anyone sees a 503."""
    from django.db import OperationalError

    from feedback_archive.feedback.services import intake

    real, calls = intake._create_many, {"n": 0}

    def deadlocks_once(**kw):
        calls["n"] += 1
        if calls["n"] == 1:
            Feedback.objects.create(channel_id=1, content="回滚前写入的行", received_at="2026-11-01T00:00:00Z")
            raise OperationalError("deadlock detected\nDETAIL: Process 1 waits for ShareLock on transaction 2")
        return real(**kw)

    monkeypatch.setattr(intake, "_create_many", deadlocks_once)
    monkeypatch.setattr(intake.time, "sleep", lambda s: None)
    results = feedback_create_many(items=[_item(1, "消息撤回失败")], actor=importer)
    assert calls["n"] == 2 and results[0]["created"] is True
    assert list(Feedback.objects.values_list("content", flat=True)) == ["消息撤回失败"]  # the first try rolled back


def test_other_database_errors_are_not_retried(importer, monkeypatch):
    from django.db import OperationalError

    from feedback_archive.feedback.services import intake

    calls = {"n": 0}

    def unavailable(**kw):
        calls["n"] += 1
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(intake, "_create_many", unavailable)
    with pytest.raises(OperationalError):
        feedback_create_many(items=[_item(1, "消息撤回失败")], actor=importer)
    assert calls["n"] == 1
