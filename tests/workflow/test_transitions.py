import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.workflow.models import Reply, TransitionLog
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

REPLY = "您好，问题已在 5.3.2 修复，升级后即可。"
PATH_TO = {
    "pending": [],
    "in_progress": ["start"],
    "verifying": ["start", "submit"],
    "closed": ["start", "close"],
}
LEGAL = {
    ("pending", "start"): "in_progress",
    ("pending", "close"): "closed",
    ("in_progress", "submit"): "verifying",
    ("in_progress", "close"): "closed",
    ("verifying", "reject"): "in_progress",
    ("verifying", "close"): "closed",
    ("closed", "reopen"): "pending",
}
STATES = ["pending", "in_progress", "verifying", "closed"]
NAMES = ["start", "submit", "reject", "close", "reopen"]


def _fix_ships_in(fb, version="5.3.2"):
    """A "fixed" close names the release carrying the fix (guards.fix_names_its_release)."""
    from feedback_archive.versions.models import Product, Release

    product = Product.objects.get_or_create(slug="im", defaults={"name": "企信"})[0]
    release = Release.objects.get_or_create(product=product, version=version, platform="")[0]
    Feedback.objects.filter(pk=fb.pk).update(fixed_in=release)


def _args(name):
    return {"close": {"resolution": "answered", "reply": REPLY}, "reject": {"note": "验证未通过"}}.get(name, {})


def bring_to(fb, state, actor):
    for name in PATH_TO[state]:
        feedback_transition(feedback_id=fb.pk, name=name, actor=actor, **_args(name))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", NAMES)
def test_every_edge_of_the_workflow(make_feedback, agent, state, name):
    fb = make_feedback()
    actor = Actor.for_user(agent)
    bring_to(fb, state, actor)
    kwargs = _args(name)
    if (state, name) == ("verifying", "close"):
        kwargs = {"resolution": "fixed", "reply": REPLY}
        _fix_ships_in(fb)
        actor = Actor(key_name="verifier-key", via="api")  # not the person who submitted the fix
    if (state, name) in LEGAL:
        done = feedback_transition(feedback_id=fb.pk, name=name, actor=actor, **kwargs)
        assert done.status == LEGAL[(state, name)]
        assert Feedback.objects.get(pk=fb.pk).status == LEGAL[(state, name)]
    else:
        logs_before = TransitionLog.objects.count()
        with pytest.raises(ConflictError):
            feedback_transition(feedback_id=fb.pk, name=name, actor=actor, **kwargs)
        assert Feedback.objects.get(pk=fb.pk).status == state
        assert TransitionLog.objects.count() == logs_before


def test_status_cannot_be_assigned_directly(make_feedback):
    fb = make_feedback()
    with pytest.raises(AttributeError):
        fb.status = "closed"


def test_every_step_is_logged_with_owner_time_and_duration(make_feedback, agent, verifier):
    received = timezone.now() - dt.timedelta(hours=5)
    fb = make_feedback(received_at=received)
    fb.assignee = agent
    fb.save(update_fields=["assignee"])
    t1 = received + dt.timedelta(hours=1)
    t2 = t1 + dt.timedelta(minutes=30)
    t3 = t2 + dt.timedelta(minutes=15)
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), note="开始排查", at=t1)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=Actor.for_user(agent), note="已修复", at=t2)
    _fix_ships_in(fb)
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed",
                        reply=REPLY, note="验证通过", at=t3)
    rows = list(TransitionLog.objects.filter(feedback=fb).order_by("at"))
    assert [(r.source, r.target) for r in rows] == [("pending", "in_progress"), ("in_progress", "verifying"), ("verifying", "closed")]
    assert [round(r.seconds_in_previous) for r in rows] == [3600, 1800, 900]
    assert [r.actor_name for r in rows] == ["zhangwei", "zhangwei", "lina"]
    assert all(r.owner_name == "zhangwei" for r in rows)
    assert rows[0].note == "开始排查" and rows[2].resolution == "fixed"
    fb.refresh_from_db()
    assert fb.first_response_at == t1 and fb.resolved_at == t3
    assert list(FieldChange.objects.filter(feedback=fb, field="status").values_list("old", "new")) == [
        ("pending", "in_progress"), ("in_progress", "verifying"), ("verifying", "closed")]


def test_close_needs_a_reply_to_the_reporter(make_feedback, agent):
    fb = make_feedback(reporter={"external_id": "u1", "name": "王女士", "contact": "wang@example.com"})
    with pytest.raises(ConflictError, match="[Rr]eply"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered")
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="answered", reply=REPLY)
    assert Reply.objects.get(feedback=fb).body == REPLY


def test_close_without_reply_only_where_the_channel_cannot_be_answered(make_feedback, agent):
    review = make_feedback(channel="app_store", content="更新后总是闪退")
    feedback_transition(feedback_id=review.pk, name="close", actor=Actor.for_user(agent), resolution="not_reproducible",
                        no_reply_reason="应用商店评论无法回复")
    reachable = make_feedback(reporter={"external_id": "u2", "name": "李先生"})
    with pytest.raises(ConflictError):
        feedback_transition(feedback_id=reachable.pk, name="close", actor=Actor.for_user(agent), resolution="answered",
                            no_reply_reason="懒得回复")


def test_fixed_close_needs_verification_and_another_person(make_feedback, agent, verifier):
    fb = make_feedback()
    with pytest.raises(ConflictError, match="verified"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="fixed", reply=REPLY)
    with pytest.raises(ConflictError, match="resolution"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), reply=REPLY)
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent))
    feedback_transition(feedback_id=fb.pk, name="submit", actor=Actor.for_user(agent))
    with pytest.raises(ConflictError, match="verify"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(agent), resolution="fixed", reply=REPLY)
    _fix_ships_in(fb)
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed", reply=REPLY)


def test_reject_needs_a_reason(make_feedback, agent):
    fb = make_feedback()
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent))
    feedback_transition(feedback_id=fb.pk, name="submit", actor=Actor.for_user(agent))
    with pytest.raises(ApplicationError):
        feedback_transition(feedback_id=fb.pk, name="reject", actor=Actor.for_user(agent))


def test_stale_page_gets_a_conflict(make_feedback, agent, verifier):
    fb = make_feedback()
    seen = fb.version
    feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(agent), expected_version=seen)
    with pytest.raises(ConflictError, match="changed"):
        feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.for_user(verifier), resolution="answered",
                            reply=REPLY, expected_version=seen)
    assert Feedback.objects.get(pk=fb.pk).status == "in_progress"
    assert not Reply.objects.filter(feedback=fb).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_at_once_one_wins_the_other_gets_a_conflict(make_feedback, agent, verifier):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks need PostgreSQL; SQLite serialises writers (covered by the version test)")
    fb = make_feedback()
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        try:
            barrier.wait()
            feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(user))
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(u,)) for u in (agent, verifier)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["conflict", "ok"]
    assert TransitionLog.objects.filter(feedback=fb).count() == 1


def test_duplicates_follow_their_canonical_item_and_every_reporter_gets_the_reply(make_feedback, agent, verifier):
    from feedback_archive.feedback.services import feedback_mark_duplicate

    canonical = make_feedback("屏幕共享黑屏", reporter={"external_id": "a", "name": "王女士"})
    dup = make_feedback("共享屏幕对方看到的是黑的", channel="social", reporter={"external_id": "b", "name": "Alex"})
    elsewhere = make_feedback("共享屏幕黑了", channel="ticket")
    feedback_mark_duplicate(feedback=dup, canonical=canonical, similarity=0.7, actor=Actor.for_user(agent))
    feedback_mark_duplicate(feedback=elsewhere, canonical=canonical, similarity=0.6, actor=Actor.for_user(agent))
    feedback_transition(feedback_id=elsewhere.pk, name="start", actor=Actor.for_user(agent))  # ahead of the others
    for name in ("start", "submit"):
        feedback_transition(feedback_id=canonical.pk, name=name, actor=Actor.for_user(agent))
    assert Feedback.objects.get(pk=dup.pk).status == "verifying"
    _fix_ships_in(canonical)  # the members close through their problem's fix release
    feedback_transition(feedback_id=canonical.pk, name="close", actor=Actor.for_user(verifier), resolution="fixed", reply=REPLY)
    assert Feedback.objects.get(pk=dup.pk).status == "closed"
    assert Reply.objects.get(feedback=dup).reporter.name == "Alex"
    assert TransitionLog.objects.filter(feedback=dup, name="close").get().note.endswith(f"(#{canonical.pk})")
    assert Feedback.objects.get(pk=elsewhere.pk).status == "closed"  # it was ahead, then caught up at submit
