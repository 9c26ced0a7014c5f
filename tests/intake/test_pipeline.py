"""The worker pipeline (intake/pipeline.py): thin intake answers before understanding; the job runs
each stage once, resumes after a kill, marks and retries what fails; lag, health and the alert."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from feedback_archive.classification.models import Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import DuplicateBand, Feedback, FieldChange
from feedback_archive.feedback.selectors import pipeline_lag
from feedback_archive.intake import pipeline
from feedback_archive.intake.models import PipelineAlert
from feedback_archive.intake.services import (
    feedback_receive,
    feedback_receive_many,
    pipeline_job,
    pipeline_lag_check,
    pipeline_rerun,
    pipeline_sweep,
)
from feedback_archive.workflow.models import Reply, RoutingDecision

pytestmark = pytest.mark.django_db

CALLS = "更新到5.4.0以后语音通话老是自动挂断，打了三次都是十几秒就断了"
CALLS_AGAIN = "更新到5.4.0以后语音通话总是自动挂断，打了好几次都是十几秒就断了！"
FILES = "群文件下载到99%就卡住不动了，换了网络也一样"


def _items(*texts, prefix="p"):
    return [{"channel": "in_app", "external_id": f"{prefix}-{n}", "content": t, "app_version": "v5.4.0 (310)",
             "reporter": {"external_id": f"u-{n}", "name": f"用户{n}", "contact": f"u{n}@example.cn"}}
            for n, t in enumerate(texts)]


@pytest.fixture
def importer():
    return Actor.system("api")


@pytest.fixture
def sent(monkeypatch):
    """The pipeline jobs the intake services hand to the broker (not run)."""
    jobs = []
    monkeypatch.setattr("feedback_archive.intake.services._send_pipeline_job", jobs.append)
    return jobs


def test_thin_intake_answers_before_any_understanding(importer, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, CALLS_AGAIN, FILES), actor=importer)
    ids = [r["id"] for r in results]
    assert sent == [ids]  # one job for the batch, after the commit
    rows = Feedback.objects.filter(pk__in=ids)
    assert {(f.pipeline_state, f.pipeline_stage, f.search_text, f.reporter_id, f.release_id, f.canonical_id,
             f.classified_at) for f in rows} == {("received", 0, "", None, None, None, None)}
    assert not DuplicateBand.objects.exists() and not Suggestion.objects.exists()


def test_the_job_understands_the_batch_in_stage_order(importer, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, CALLS_AGAIN, FILES), actor=importer)
    ids = [r["id"] for r in results]
    assert pipeline_job(feedback_ids=sent[0]) == {"understood": 3, "failed": 0}
    calls, again, files = (Feedback.objects.get(pk=i) for i in ids)
    assert {f.pipeline_state for f in (calls, again, files)} == {"understood"}
    assert calls.reporter.contact == "u0@example.cn" and calls.release.version == "5.4.0" and calls.intake_raw is None
    assert " 挂断 " in calls.search_text
    assert again.canonical_id == calls.pk and calls.duplicate_count == 1  # linked within the batch
    assert files.canonical_id is None
    assert Suggestion.objects.filter(feedback=calls).exists() and calls.classified_at is not None
    assert pipeline_lag() == {"oldest_age_seconds": None, "depth": 0, "failed": 0}


def test_a_second_run_changes_nothing(importer, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, CALLS_AGAIN), actor=importer)
    ids = [r["id"] for r in results]
    pipeline.pipeline_run(feedback_ids=ids)
    before = (DuplicateBand.objects.count(), FieldChange.objects.count(), RoutingDecision.objects.count(),
              Reply.objects.count(), list(Feedback.objects.order_by("id").values_list("duplicate_count", "version")))
    assert pipeline.pipeline_run(feedback_ids=ids) == {"understood": 0, "failed": 0}
    after = (DuplicateBand.objects.count(), FieldChange.objects.count(), RoutingDecision.objects.count(),
             Reply.objects.count(), list(Feedback.objects.order_by("id").values_list("duplicate_count", "version")))
    assert after == before


def test_a_job_killed_mid_stage_resumes_and_runs_nothing_twice(importer, sent, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    """The match stage dies after writing its bands (a killed worker): its transaction — effects and
    stage marker — is gone; the re-run starts at match and every earlier stage ran exactly once."""
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, CALLS_AGAIN), actor=importer)
    ids = [r["id"] for r in results]
    counts = {"reporter": 0, "tokens": 0}
    stages = {s.name: s for s in pipeline.STAGES}
    for name in counts:
        real = stages[name].run

        def counting(batch, pre, real=real, name=name):
            counts[name] += len(batch)
            return real(batch, pre)

        monkeypatch.setattr(stages[name], "run", counting)
    real_match = stages["match"].run

    def dies(batch, pre):
        real_match(batch, pre)  # bands written …
        raise SystemExit("worker killed")  # … and the process dies before the commit

    monkeypatch.setattr(stages["match"], "run", dies)
    with pytest.raises(SystemExit):
        pipeline.pipeline_run(feedback_ids=ids)
    assert list(Feedback.objects.filter(pk__in=ids).values_list("pipeline_stage", flat=True)) == [2, 2]
    assert Feedback.objects.filter(canonical__isnull=False).count() == 0
    monkeypatch.setattr(stages["match"], "run", real_match)
    assert pipeline.pipeline_run(feedback_ids=ids) == {"understood": 2, "failed": 0}
    assert counts == {"reporter": 2, "tokens": 2}
    first, second = Feedback.objects.filter(pk__in=ids).order_by("id")
    assert second.canonical_id == first.pk and first.duplicate_count == 1
    assert FieldChange.objects.filter(field="problem", feedback=second).count() == 1  # joined once, not twice


def test_a_text_that_breaks_a_stage_fails_alone_and_is_retried_with_backoff(importer, sent, monkeypatch, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.PIPELINE_RETRY_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, "这条文本会让分类崩溃", FILES), actor=importer)
    ids = [r["id"] for r in results]
    stage = next(s for s in pipeline.STAGES if s.name == "classify")
    real = stage.run

    def breaks_on_one(batch, pre):
        if ids[1] in batch:
            raise ValueError("分类器无法处理这段文本")
        return real(batch, pre)

    monkeypatch.setattr(stage, "run", breaks_on_one)
    assert pipeline.pipeline_run(feedback_ids=ids) == {"understood": 2, "failed": 1}
    bad = Feedback.objects.get(pk=ids[1])
    assert bad.pipeline_state == "failed" and bad.pipeline_stage == 3 and bad.pipeline_attempts == 1
    assert bad.pipeline_error.startswith("classify: ValueError")
    assert 59 <= (bad.pipeline_retry_at - timezone.now()).total_seconds() <= 61
    assert pipeline_lag()["failed"] == 1 and pipeline_lag()["depth"] == 1
    # visible through the one filter definition
    assert list(Feedback.objects.in_pipeline_state(["failed"]).values_list("pk", flat=True)) == [ids[1]]
    # not due yet: the sweeper leaves it; once due it is re-enqueued, fails again, waits twice as long
    assert pipeline.pipeline_due_ids() == []
    later = timezone.now() + dt.timedelta(seconds=61)
    assert pipeline.pipeline_due_ids(now=later) == [ids[1]]
    pipeline.pipeline_run(feedback_ids=[ids[1]])
    bad.refresh_from_db()
    assert bad.pipeline_attempts == 2 and 119 <= (bad.pipeline_retry_at - timezone.now()).total_seconds() <= 121
    # fixed: the retry resumes at classification (earlier stages are not redone) and finishes
    monkeypatch.setattr(stage, "run", real)
    assert pipeline.pipeline_run(feedback_ids=[ids[1]]) == {"understood": 1, "failed": 0}
    bad.refresh_from_db()
    assert (bad.pipeline_state, bad.pipeline_error, bad.pipeline_retry_at) == ("understood", "", None)


def test_after_the_last_attempt_it_stays_failed_until_someone_reruns_it(importer, sent, settings, agent,
                                                                       django_capture_on_commit_callbacks):
    settings.PIPELINE_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        fb, _ = feedback_receive(actor=importer, channel="in_app", external_id="r-1", content=FILES)
    Feedback.objects.filter(pk=fb.pk).update(pipeline_state="failed", pipeline_attempts=2,
                                             pipeline_retry_at=timezone.now() - dt.timedelta(hours=1))
    assert pipeline.pipeline_due_ids() == []  # never silently retried forever, never silently dropped
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        queued, skipped = pipeline_rerun(feedback_ids=[fb.pk], actor=Actor.for_user(agent))
    assert queued == [fb.pk] and skipped == {} and sent == [[fb.pk]]
    fb.refresh_from_db()
    assert fb.pipeline_attempts == 0 and fb.pipeline_state == "received"
    pipeline.pipeline_run(feedback_ids=sent[0])
    queued, skipped = pipeline_rerun(feedback_ids=[fb.pk], actor=Actor.for_user(agent))
    assert queued == [] and skipped == {fb.pk: "Already understood."}


def test_a_job_with_room_takes_waiting_items_along(importer, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a, _ = feedback_receive(actor=importer, channel="in_app", external_id="s-1", content=CALLS)
        b, _ = feedback_receive(actor=importer, channel="in_app", external_id="s-2", content=FILES)
    assert sent == [[a.pk], [b.pk]]
    assert pipeline_job(feedback_ids=sent[0]) == {"understood": 2, "failed": 0}
    assert pipeline_job(feedback_ids=sent[1]) == {"understood": 0, "failed": 0}  # already done: a no-op


def test_lost_jobs_are_re_enqueued_by_the_sweeper(importer, sent, settings, django_capture_on_commit_callbacks):
    settings.PIPELINE_LOST_AFTER_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=True):
        fb, _ = feedback_receive(actor=importer, channel="in_app", external_id="l-1", content=CALLS)
    sent.clear()  # the broker lost it
    Feedback.objects.filter(pk=fb.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    assert pipeline_sweep()["enqueued"] == 1 and sent == [[fb.pk]]


def test_lag_and_one_alert_per_episode(importer, sent, settings, make_user, django_capture_on_commit_callbacks):
    settings.PIPELINE_LAG_ALERT_SECONDS = 600
    make_user("ops", role="管理员", email="ops@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, FILES), actor=importer)
    Feedback.objects.filter(pk=results[0]["id"]).update(created_at=timezone.now() - dt.timedelta(minutes=15))
    lag = pipeline_lag()
    assert lag["depth"] == 2 and 899 <= lag["oldest_age_seconds"] <= 901
    assert pipeline_lag_check()["alert"] == "opened"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.cn"] and "15" in mail.outbox[0].subject
    assert pipeline_lag_check()["alert"] == "open"  # the same episode: no second e-mail
    assert len(mail.outbox) == 1
    pipeline.pipeline_run(feedback_ids=[r["id"] for r in results])
    assert pipeline_lag_check()["alert"] == "closed"
    assert PipelineAlert.objects.get().closed_at is not None


def test_health_endpoint_shows_the_lag(api, importer, sent, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    with django_capture_on_commit_callbacks(execute=True):
        feedback_receive(actor=importer, channel="in_app", external_id="h-1", content=CALLS)
    r = APIClient().get("/api/v1/health/")  # no key: load balancers and monitors call it
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["pipeline"]["depth"] == 1 and body["pipeline"]["oldest_age_seconds"] >= 0


def test_api_filter_and_field_pipeline_state(api, importer, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, FILES), actor=importer)
    pipeline.pipeline_run(feedback_ids=[results[0]["id"]])
    got = api.get("/api/v1/feedback/?pipeline_state=received").json()
    assert [x["id"] for x in got["results"]] == [results[1]["id"]] and got["results"][0]["pipeline_state"] == "received"
    got = api.get("/api/v1/feedback/?pipeline_state=not_understood").json()
    assert [x["id"] for x in got["results"]] == [results[1]["id"]]
    assert api.get("/api/v1/feedback/?pipeline_state=eaten").status_code == 400


def test_create_then_start_with_the_version_of_the_201(api, importer, teams_and_rule, django_capture_on_commit_callbacks):
    """#11 item 7: routing in the pipeline assigns the item after the 201 was answered; the agent's
    start with the version they were given must not be a 409."""
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/feedback/", {"channel": "in_app", "external_id": "v-1", "content": CALLS},
                           format="json")
    assert created.status_code == 201
    fb = Feedback.objects.get(pk=created.json()["id"])
    assert fb.pipeline_state == "understood" and fb.team is not None  # routed in the background
    r = api.post(f"/api/v1/feedback/{fb.pk}/transition/",
                 {"name": "start", "note": "", "version": created.json()["version"]}, format="json")
    assert r.status_code == 200, r.json()


@pytest.fixture
def teams_and_rule(db):
    from feedback_archive.core.models import Team
    from feedback_archive.workflow.models import RoutingRule

    team = Team.objects.create(slug="rtc", name="音视频组")
    RoutingRule.objects.create(name="全部到音视频组", team=team, is_default=True, order=1)
    return team


def test_pipeline_status_prints_metric_lines(importer, sent, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        feedback_receive_many(items=_items(CALLS, FILES), actor=importer)
    out = StringIO()
    call_command("pipeline_status", stdout=out)
    lines = dict(line.split() for line in out.getvalue().splitlines() if not line.startswith("#"))
    assert lines["feedback_pipeline_depth"] == "2" and lines["feedback_pipeline_failed"] == "0"
    assert float(lines["feedback_pipeline_oldest_age_seconds"]) >= 0


def test_a_locked_database_is_waited_for_not_blamed_on_an_item(importer, sent, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    """SQLite's busy timeout (or a PostgreSQL deadlock) during a stage: the stage is tried again
    after a pause; no item is marked failed for it."""
    from django.db import OperationalError

    with django_capture_on_commit_callbacks(execute=True):
        results = feedback_receive_many(items=_items(CALLS, FILES), actor=importer)
    stage = next(s for s in pipeline.STAGES if s.name == "match")
    real, calls = stage.run, {"n": 0}

    def locked_twice(batch, pre):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("database is locked")
        return real(batch, pre)

    monkeypatch.setattr(stage, "run", locked_twice)
    monkeypatch.setattr(pipeline.time, "sleep", lambda s: None)
    assert pipeline.pipeline_run(feedback_ids=[r["id"] for r in results]) == {"understood": 2, "failed": 0}
    assert calls["n"] == 3
    assert not Feedback.objects.filter(pipeline_attempts__gt=0).exists()


# --- claims: two workers take disjoint batches; a killed worker's claim lapses ----------------------
NOISE = ["会议纪要生成失败，一直转圈圈", "聊天记录搜索不到上周的消息", "视频会议共享屏幕时对方看到是黑屏",
         "消息已读回执不显示，对方明明看过了", "切换账号以后通知全都收不到了", "表情包发不出去，提示网络错误"]


def _received(importer, sent, capture, texts, prefix):
    with capture(execute=True):
        results = feedback_receive_many(items=_items(*texts, prefix=prefix), actor=importer)
    return [r["id"] for r in results]


def test_two_jobs_claim_disjoint_batches(importer, sent, django_capture_on_commit_callbacks):
    ids = _received(importer, sent, django_capture_on_commit_callbacks, NOISE, "c")
    token_a, a = pipeline.pipeline_claim(feedback_ids=[ids[0]], room=2)
    token_b, b = pipeline.pipeline_claim(feedback_ids=[ids[1]], room=2)  # its own item is A's now
    assert a == ids[:3] and b == ids[3:5] and not set(a) & set(b)
    assert set(Feedback.objects.filter(pk__in=a).values_list("pipeline_claim", flat=True)) == {token_a}
    assert pipeline_job(feedback_ids=[ids[0]]) == {"understood": 1, "failed": 0}  # only what nobody holds
    assert Feedback.objects.filter(pipeline_claim="", pipeline_state="understood").count() == 1
    pipeline.pipeline_release(token=token_a)
    pipeline.pipeline_release(token=token_b)
    assert pipeline_job(feedback_ids=[ids[0]]) == {"understood": 5, "failed": 0}
    assert not Feedback.objects.exclude(pipeline_claim="").exists()
    assert not Feedback.objects.filter(pipeline_claimed_at__isnull=False).exists()


def test_a_killed_workers_claim_lapses_and_the_next_job_resumes(importer, sent, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.PIPELINE_CLAIM_LEASE_SECONDS = 240
    ids = _received(importer, sent, django_capture_on_commit_callbacks, [CALLS, CALLS_AGAIN, FILES], "k")
    _token, claimed = pipeline.pipeline_claim(feedback_ids=ids)
    pipeline.pipeline_run(feedback_ids=claimed, stop_after="match")  # … and the worker dies here: no release
    bands = DuplicateBand.objects.count()
    assert pipeline_job(feedback_ids=ids) == {"understood": 0, "failed": 0}  # held by a live claim
    Feedback.objects.filter(pk__in=ids).update(pipeline_claimed_at=timezone.now() - dt.timedelta(seconds=241))
    assert pipeline_job(feedback_ids=ids) == {"understood": 3, "failed": 0}
    assert DuplicateBand.objects.count() == bands  # match did not run twice
    assert Feedback.objects.get(pk=ids[0]).duplicate_count == 1
    assert Suggestion.objects.filter(feedback_id__in=ids).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_jobs_on_postgresql_take_disjoint_rows(importer, sent):
    """Two claims at the same moment from two connections (the real race; SQLite's in-memory test
    database is not shared between threads, its single writer is covered by the re-check)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs two connections to one database")
    results = feedback_receive_many(items=_items(*(NOISE * 5), prefix="cc"), actor=importer)
    ids = [r["id"] for r in results]
    barrier, got = threading.Barrier(2), {}

    def claim(name):
        try:
            barrier.wait()
            got[name] = pipeline.pipeline_claim(feedback_ids=[], room=20)[1]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == sorted(ids)


# --- routing and SLA for the whole batch -----------------------------------------------------------
def test_the_batch_is_routed_like_one_by_one_least_open_sees_the_batchs_own_picks(
        importer, sent, teams_and_rule, make_user, django_capture_on_commit_callbacks):
    """route_batch reads the open counts once and advances them in memory: four new items over two
    equally free members go two and two (re-reading per item did the same), each with a decision
    that says why; a second pass over the routed items writes nothing new."""
    from feedback_archive.workflow.routing import route_batch

    alice, bob = make_user("alice"), make_user("bob")
    teams_and_rule.members.add(alice, bob)
    ids = _received(importer, sent, django_capture_on_commit_callbacks, [CALLS, FILES, NOISE[0], NOISE[1]], "r")
    assert pipeline_job(feedback_ids=ids) == {"understood": 4, "failed": 0}
    owners = list(Feedback.objects.filter(pk__in=ids).order_by("id").values_list("assignee__username", flat=True))
    assert owners == ["alice", "bob", "alice", "bob"]
    decisions = list(RoutingDecision.objects.filter(feedback_id__in=ids).order_by("feedback_id"))
    assert [d.outcome for d in decisions] == ["routed"] * 4
    assert "least open work (0 open)" in decisions[0].reason and "least open work (1 open)" in decisions[2].reason
    assert FieldChange.objects.filter(feedback_id__in=ids, field="assignee").count() == 4  # audited like one by one
    assert route_batch(feedback_ids=ids) == {"unchanged": 4}
    assert RoutingDecision.objects.filter(feedback_id__in=ids).count() == 4


def test_a_person_assignment_is_kept_and_said_once(importer, sent, teams_and_rule, make_user,
                                                    django_capture_on_commit_callbacks):
    from feedback_archive.feedback.services import feedback_assign
    from feedback_archive.workflow.routing import route_batch

    carol = make_user("carol")
    ids = _received(importer, sent, django_capture_on_commit_callbacks, [CALLS], "m")
    feedback_assign(feedback=Feedback.objects.get(pk=ids[0]), actor=Actor.for_user(make_user("lead", is_superuser=True)), assignee=carol)
    assert pipeline_job(feedback_ids=ids) == {"understood": 1, "failed": 0}
    fb = Feedback.objects.get(pk=ids[0])
    assert fb.assignee == carol and fb.team is None
    assert list(RoutingDecision.objects.filter(feedback=fb).values_list("outcome", flat=True)) == ["kept_manual"]
    assert route_batch(feedback_ids=ids) == {"unchanged": 1}  # the quiet outcome is not logged again
    assert RoutingDecision.objects.filter(feedback=fb).count() == 1
