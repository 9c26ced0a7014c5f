"""Issue #11 item 8: a stopping worker finishes its job first, so jobs are bounded in size; a job
lost with a killed cluster is redone by the sweeper within a declared window."""
import pytest

from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db


def test_bulk_understanding_is_queued_in_jobs_of_at_most_job_max_items(api, settings, monkeypatch):
    settings.JOB_MAX_ITEMS = 2
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "orm": "default"}
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: calls.append((func, args)))
    items = [{"channel": "in_app", "external_id": f"j-{i}", "content": f"群消息第{i}次收不到"} for i in range(5)]
    r = api.post("/api/v1/feedback/bulk/", {"items": items}, format="json")
    assert r.status_code == 200 and r.json()["created"] == 5
    sizes = [len(args[0]) for func, args in calls if func.endswith("run_pipeline")]
    assert sizes == [2, 2, 1]
    assert sorted(i for func, args in calls if func.endswith("run_pipeline") for i in args[0]) == \
        sorted(Feedback.objects.values_list("id", flat=True))


def test_the_sweeper_runs_every_job_sweep_minutes_and_takes_what_is_older_than_the_window(make_feedback, settings, monkeypatch):
    from django.utils import timezone

    from feedback_archive.classification import tasks

    assert {name: minutes for name, _f, _k, minutes, _c in tasks.SCHEDULES}["classification-sweeper"] == settings.JOB_SWEEP_MINUTES
    settings.JOB_LOST_AFTER_SECONDS = 60
    settings.JOB_MAX_ITEMS = 100
    # understood items (the pipeline ran) whose classification was lost afterwards
    old, fresh = make_feedback("视频通话卡顿", understand="all"), make_feedback("语音消息没有声音", understand="all")
    Feedback.objects.filter(pk__in=[old.pk, fresh.pk]).update(classified_at=None)
    Feedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(seconds=61))
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, ids, **kw: queued.append(ids))
    assert tasks.sweep_unclassified() == 1
    assert queued == [[old.pk]]  # the fresh one may still be on its way through the queue
