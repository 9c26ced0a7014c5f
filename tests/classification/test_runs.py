"""Batch (re)classification runs: chunks, progress, resume after a killed worker, idempotency."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_archive.classification import services, tasks
from feedback_archive.classification.choices import RunStatus
from feedback_archive.classification.models import ClassificationRun, Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import Feedback

TEXTS = [
    "群文件下载到一半就失败，重试三次都不行",
    "视频会议共享屏幕的时候对方看到的是黑屏",
    "语音通话有很明显的回声，对方说听到自己的声音",
    "消息发出去要过半分钟对方才收到",
    "希望能加一个消息定时发送的功能",
]


@pytest.fixture
def five(make_feedback):
    return [make_feedback(content=t) for t in TEXTS]


def test_run_over_everything_classifies_all_in_chunks(five, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.classification_run_start(actor=Actor.system(), chunk_size=2)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert (run.total, run.done, run.last_id) == (5, 5, max(f.pk for f in five))
    assert run.started_at and run.finished_at and run.percent == 100
    assert Suggestion.objects.filter(feedback__in=five, dimension__code="module").count() == 5
    assert Feedback.objects.filter(pk__in=[f.pk for f in five], classified_at__isnull=True).count() == 0
    modules = dict(Suggestion.objects.filter(dimension__code="module").values_list("feedback_id", "label__code"))
    assert modules[five[0].pk] == "file" and modules[five[1].pk] == "video"


def test_filtered_run_covers_only_matching_feedback(make_feedback, django_capture_on_commit_callbacks):
    old = make_feedback(content="去年的反馈：视频卡顿", received_at=timezone.now() - dt.timedelta(days=400))
    new = make_feedback(content="今天的反馈：视频卡顿", channel="ticket")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.classification_run_start(
            actor=Actor.system(), filters={"received_after": (timezone.now() - dt.timedelta(days=30)).isoformat()})
    run.refresh_from_db()
    assert run.total == 1 and run.done == 1
    assert Suggestion.objects.filter(feedback=new).exists() and not Suggestion.objects.filter(feedback=old).exists()
    assert services.run_queryset(filters={"channel": "ticket"}).get() == new


def test_bad_filter_is_a_400_not_a_500(db):
    with pytest.raises(ApplicationError) as exc:
        services.classification_run_start(actor=Actor.system(), filters={"received_after": "yesterday-ish"})
    assert "received_after" in exc.value.fields
    with pytest.raises(ApplicationError):
        services.classification_run_start(actor=Actor.system(), ids=[])


def test_killed_worker_resumes_after_last_processed_id(five, monkeypatch):
    run = services.classification_run_start(actor=Actor.system(), chunk_size=2)  # job not run (no commit)
    assert services.classification_run_step(run_id=run.pk) is True
    run.refresh_from_db()
    assert (run.status, run.done, run.last_id) == (RunStatus.RUNNING, 2, five[1].pk)

    real = services.feedback_classify_many
    seen = []

    def dies(*, feedback_ids):
        seen.append(list(feedback_ids))
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "feedback_classify_many", dies)
    with pytest.raises(RuntimeError):
        services.classification_run_step(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker killed" in run.error
    assert run.last_id == five[1].pk and run.done == 2  # the lost chunk was not counted

    monkeypatch.setattr(services, "feedback_classify_many", real)
    services.classification_run_resume(run=run, actor=Actor.system())
    while services.classification_run_step(run_id=run.pk):
        pass
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.done == 5
    assert seen == [[five[2].pk, five[3].pk]]  # the resumed run started exactly at the lost chunk
    assert Suggestion.objects.filter(feedback__in=five, dimension__code="type").count() == 5


def test_a_duplicate_step_does_not_count_a_chunk_twice(five, monkeypatch):
    run = services.classification_run_start(actor=Actor.system(), chunk_size=3)
    real = services.feedback_classify_many

    def another_worker_wins(*, feedback_ids):
        # the same step, retried by the broker, finishes this chunk first
        ClassificationRun.objects.filter(pk=run.pk).update(last_id=feedback_ids[-1], done=len(feedback_ids))
        return real(feedback_ids=feedback_ids)

    monkeypatch.setattr(services, "feedback_classify_many", another_worker_wins)
    assert services.classification_run_step(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.done == 3 and run.last_id == five[2].pk


def test_finished_or_cancelled_runs_do_nothing(five):
    run = services.classification_run_start(actor=Actor.system())
    services.classification_run_cancel(run=run, actor=Actor.system())
    assert services.classification_run_step(run_id=run.pk) is False
    assert not Suggestion.objects.filter(feedback__in=five).exists()
    with pytest.raises(ConflictError):
        services.classification_run_resume(run=run, actor=Actor.system())


def test_stalled_runs_are_found_and_resumed(five, django_capture_on_commit_callbacks):
    run = services.classification_run_start(actor=Actor.system(), chunk_size=2)
    services.classification_run_step(run_id=run.pk)
    assert services.stalled_run_ids() == []
    ClassificationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert services.stalled_run_ids() == [run.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_runs() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.done == 5


def test_reclassify_all_from_the_admin_shows_progress(admin_client, five, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(reverse("admin:classification_run_start"), {"all": "1"})
    run = ClassificationRun.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("admin:classification_classificationrun_change", args=[run.pk])
    page = admin_client.get(reverse("admin:classification_classificationrun_changelist"))
    html = page.content.decode()
    assert '<progress max="100" value="100"' in html and "(5 / 5)" in html


def test_filtered_run_form_in_the_admin(admin_client, make_feedback, django_capture_on_commit_callbacks):
    make_feedback(content="工单：群公告发不出去", channel="ticket")
    make_feedback(content="应用内：群公告发不出去", channel="in_app")
    assert admin_client.get(reverse("admin:classification_run_start")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(reverse("admin:classification_run_start"), {"channel": ["ticket"], "chunk_size": "100"})
    assert resp.status_code == 302
    run = ClassificationRun.objects.get()
    assert run.filters == {"channel": "ticket"} and run.total == 1


def test_reclassify_selected_action(rf, admin_user, five, django_capture_on_commit_callbacks):
    from django.contrib.admin.sites import site
    from django.contrib.messages.storage.fallback import FallbackStorage

    from feedback_archive.classification.admin import reclassify_selected

    request = rf.post("/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    with django_capture_on_commit_callbacks(execute=True):
        reclassify_selected(site._registry[ClassificationRun], request, Feedback.objects.filter(pk__in=[five[0].pk, five[2].pk]))
    run = ClassificationRun.objects.get()
    assert run.filters == {"ids": sorted([five[0].pk, five[2].pk])} and run.done == 2
