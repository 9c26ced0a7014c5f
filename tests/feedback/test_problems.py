"""Problem services: membership, counts equal to member rows, scope, bad input, races, migration."""
import datetime as dt
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, FieldChange, Problem, ProblemProposal
from feedback_archive.feedback.services import (
    NotFoundError,
    feedback_mark_duplicate,
    problem_create,
    problem_edit,
    problem_merge,
    problem_merge_into_item,
    problem_move_item,
    problem_split,
    problem_take_out,
    proposal_accept,
    proposal_reject,
)
from feedback_archive.taxonomy.models import Label

JOB = Actor.system("job")
# these tests run matching themselves: items stop after the tokens stage
UNDERSTAND_UP_TO = "tokens"

BLACK = [
    "共享屏幕的时候对方看到的是黑屏",
    "屏幕共享别人那边是黑的，我这边正常",
    "开会共享桌面，参会者说画面全黑",
]


def _assert_consistent(problem_id):
    """The invariant every service keeps: counts and the duplicates view equal the member rows."""
    p = Problem.objects.get(pk=problem_id)
    members = list(Feedback.objects.filter(problem=p))
    assert p.member_count == len(members)
    reporters = {m.reporter_id for m in members if m.reporter_id} | {-m.pk for m in members if not m.reporter_id}
    assert p.reporter_count == len(reporters)
    assert p.channel_count == len({m.channel_id for m in members})
    if members:
        assert p.first_seen_at == min(m.received_at for m in members)
        assert p.last_seen_at == max(m.received_at for m in members)
        lead = next(m for m in members if m.pk == p.lead_id)
        assert lead.canonical_id is None and lead.duplicate_count == len(members) - 1
        assert all(m.canonical_id == lead.pk and m.duplicate_count == 0 for m in members if m.pk != lead.pk)


@pytest.fixture
def three(make_feedback):
    # up to the pipeline's tokens stage: the items start in no problem, these tests place them
    return [make_feedback(text, reporter={"external_id": f"r{n}", "name": f"用户{n}"},
                          channel=("in_app", "ticket", "in_app")[n], understand="tokens")
            for n, text in enumerate(BLACK)]


def test_create_move_take_out_keep_counts_and_the_duplicates_view(three, agent):
    a, b, c = three
    actor = Actor.for_user(agent)
    p = problem_create(feedback_ids=[a.pk, b.pk], actor=actor)
    _assert_consistent(p.pk)
    assert p.member_count == 2 and p.reporter_count == 2 and p.channel_count == 2
    assert p.title.startswith("共享屏幕的时候") and p.lead_id == a.pk
    q = problem_create(feedback_ids=[c.pk], actor=actor)
    problem_move_item(feedback_id=c.pk, problem_id=p.pk, actor=actor)
    assert not Problem.objects.filter(pk=q.pk).exists()  # emptied, not merged: removed
    _assert_consistent(p.pk)
    assert Feedback.objects.get(pk=c.pk).canonical_id == a.pk
    alone = problem_take_out(feedback_id=b.pk, actor=actor)
    _assert_consistent(p.pk)
    _assert_consistent(alone.pk)
    assert Feedback.objects.get(pk=b.pk).canonical_id is None
    # remembered: b is never proposed into p again
    assert ProblemProposal.objects.get(feedback=b, problem=p).decision == "rejected"
    assert FieldChange.objects.filter(feedback=b, field="problem").count() == 2


def test_merge_split_and_edit_are_audited_and_consistent(three, agent):
    a, b, c = three
    actor = Actor.for_user(agent)
    p = problem_create(feedback_ids=[a.pk], actor=actor)
    q = problem_create(feedback_ids=[b.pk, c.pk], actor=actor)
    merged = problem_merge(source_id=q.pk, target_id=p.pk, actor=actor)
    assert merged.member_count == 3
    q.refresh_from_db()
    assert q.merged_into_id == p.pk and q.member_count == 0
    _assert_consistent(p.pk)
    new = problem_split(problem_id=p.pk, feedback_ids=[c.pk], actor=actor, title="会议共享桌面全黑")
    assert new.title == "会议共享桌面全黑" and new.title_locked
    _assert_consistent(p.pk)
    _assert_consistent(new.pk)
    label = Label.objects.filter(dimension__code="module").first()
    edited = problem_edit(problem_id=p.pk, actor=actor, title="屏幕共享：对方黑屏", module=label)
    assert edited.title_locked and edited.labels_locked and edited.module == label
    assert FieldChange.objects.filter(feedback_id=p.lead_id, field="problem.title", new="屏幕共享：对方黑屏").exists()


def test_bad_input_is_refused_with_a_clear_reason_and_nothing_changes(three, agent):
    a, b, c = three
    actor = Actor.for_user(agent)
    p = problem_create(feedback_ids=[a.pk, b.pk], actor=actor)
    with pytest.raises(ApplicationError) as itself:
        problem_merge(source_id=p.pk, target_id=p.pk, actor=actor)
    assert "into" in itself.value.fields and not isinstance(itself.value, ConflictError)
    with pytest.raises(ApplicationError) as own:
        problem_merge_into_item(source_id=p.pk, feedback_id=b.pk, actor=actor)
    assert "own member" in own.value.fields["into_feedback"][0]
    with pytest.raises(NotFoundError):
        problem_merge(source_id=p.pk, target_id=999999, actor=actor)
    with pytest.raises(NotFoundError):
        problem_move_item(feedback_id=999999, problem_id=p.pk, actor=actor)
    with pytest.raises(ApplicationError) as everything:
        problem_split(problem_id=p.pk, feedback_ids=[a.pk, b.pk], actor=actor)
    assert "feedback_ids" in everything.value.fields
    with pytest.raises(ApplicationError):
        problem_split(problem_id=p.pk, feedback_ids=[c.pk], actor=actor)  # not a member
    with pytest.raises(ApplicationError):
        problem_edit(problem_id=p.pk, actor=actor, title="   ")
    with pytest.raises(ConflictError):
        problem_edit(problem_id=p.pk, actor=actor, title="新标题", expected_version=p.version - 1)
    _assert_consistent(p.pk)
    assert Problem.objects.get(pk=p.pk).member_count == 2


def test_team_scope_holds_for_every_item_that_moves(three, agent, make_user):
    a, b, c = three
    other = Team.objects.create(slug="av", name="音视频引擎组")
    mine = Team.objects.create(slug="im", name="即时消息组")
    mine.members.add(agent)
    Feedback.objects.filter(pk=a.pk).update(team=mine)
    Feedback.objects.filter(pk__in=[b.pk, c.pk]).update(team=other)
    p = problem_create(feedback_ids=[a.pk], actor=JOB)
    q = problem_create(feedback_ids=[b.pk, c.pk], actor=JOB)
    actor = Actor.for_user(agent)
    with pytest.raises(PermissionDeniedError):
        problem_move_item(feedback_id=b.pk, problem_id=p.pk, actor=actor)
    with pytest.raises(PermissionDeniedError):
        problem_merge(source_id=q.pk, target_id=p.pk, actor=actor)
    with pytest.raises(PermissionDeniedError):
        problem_merge(source_id=p.pk, target_id=q.pk, actor=actor)  # the target's lead is theirs
    with pytest.raises(PermissionDeniedError):
        problem_take_out(feedback_id=c.pk, actor=actor)
    with pytest.raises(PermissionDeniedError):
        problem_edit(problem_id=q.pk, actor=actor, title="改别人的标题")
    readonly = make_user("guest", "只读")
    with pytest.raises(PermissionDeniedError):
        problem_create(feedback_ids=[a.pk], actor=Actor.for_user(readonly))
    assert Feedback.objects.get(pk=b.pk).problem_id == q.pk
    _assert_consistent(p.pk)
    _assert_consistent(q.pk)


def test_proposals_accept_and_reject(three, agent):
    a, b, c = three
    actor = Actor.for_user(agent)
    p = problem_create(feedback_ids=[a.pk], actor=JOB)
    problem_create(feedback_ids=[b.pk], actor=JOB)
    problem_create(feedback_ids=[c.pk], actor=JOB)
    yes = ProblemProposal.objects.create(feedback=b, problem=p, score=0.5, evidence=["屏幕共享", "黑屏"])
    no = ProblemProposal.objects.create(feedback=c, problem=p, score=0.4, evidence=["黑屏"])
    proposal_accept(proposal_id=yes.pk, actor=actor)
    assert Feedback.objects.get(pk=b.pk).problem_id == p.pk
    assert Feedback.objects.get(pk=b.pk).problem_evidence == ["屏幕共享", "黑屏"]
    proposal_reject(proposal_id=no.pk, actor=actor)
    with pytest.raises(ConflictError):
        proposal_accept(proposal_id=no.pk, actor=actor)
    with pytest.raises(NotFoundError):
        proposal_reject(proposal_id=123456, actor=actor)
    _assert_consistent(p.pk)


def test_marking_a_duplicate_is_membership_and_a_lead_brings_its_problem(three, agent):
    a, b, c = three
    actor = Actor.for_user(agent)
    feedback_mark_duplicate(feedback=c, canonical=b, similarity=0.7, actor=actor)
    feedback_mark_duplicate(feedback=b, canonical=a, similarity=0.6, actor=actor)
    p = Feedback.objects.get(pk=a.pk).problem
    assert set(Feedback.objects.filter(problem=p).values_list("id", flat=True)) == {a.pk, b.pk, c.pk}
    _assert_consistent(p.pk)
    with pytest.raises(ApplicationError):
        feedback_mark_duplicate(feedback=Feedback.objects.get(pk=a.pk), canonical=Feedback.objects.get(pk=c.pk),
                                similarity=None, actor=actor)


def test_migration_turns_duplicate_links_into_problems(three):
    from importlib import import_module

    a, b, c = three
    Feedback.objects.filter(pk=b.pk).update(canonical=a.pk, problem=None)
    Feedback.objects.filter(pk=c.pk).update(canonical=b.pk, problem=None)  # a chain resolves to its root
    import_module("feedback_archive.feedback.migrations.0014_duplicates_to_problems").forwards(django_apps, None)
    p = Feedback.objects.get(pk=a.pk).problem
    assert p.lead_id == a.pk
    _assert_consistent(p.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_merging_the_same_problems_at_once_one_wins_one_gets_409(make_feedback, agent, verifier):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    a, b, c = (make_feedback(t) for t in BLACK)
    p = problem_create(feedback_ids=[a.pk], actor=JOB)
    q = problem_create(feedback_ids=[b.pk, c.pk], actor=JOB)
    outcomes, barrier = [], threading.Barrier(2)

    def merge(user, source, target):
        barrier.wait()
        try:
            problem_merge(source_id=source, target_id=target, actor=Actor.for_user(user))
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=(agent, q.pk, p.pk)),
               threading.Thread(target=merge, args=(verifier, p.pk, q.pk))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["conflict", "ok"]
    survivor = Problem.objects.get(merged_into__isnull=True, member_count__gt=0)
    assert survivor.member_count == 3
    _assert_consistent(survivor.pk)


def test_transitions_on_a_lead_follow_only_members_the_actor_may_change(make_feedback, agent):
    """#11 item 4: an agent of team A closing their lead must not close team B's member nor answer
    B's reporter; the skipped member and the reason are in the lead's audit trail."""
    from feedback_archive.workflow.models import Reply
    from feedback_archive.workflow.services import feedback_transition

    mine = Team.objects.create(slug="im", name="即时消息组")
    theirs = Team.objects.create(slug="av", name="音视频引擎组")
    mine.members.add(agent)
    lead = make_feedback(BLACK[0], reporter={"external_id": "a", "name": "王女士"})
    own = make_feedback(BLACK[1], reporter={"external_id": "b", "name": "Alex"})
    other = make_feedback(BLACK[2], reporter={"external_id": "c", "name": "陈先生"})
    Feedback.objects.filter(pk__in=[lead.pk, own.pk]).update(team=mine)
    Feedback.objects.filter(pk=other.pk).update(team=theirs)
    problem_create(feedback_ids=[lead.pk, own.pk, other.pk], actor=JOB)
    actor = Actor.for_user(agent)
    feedback_transition(feedback_id=lead.pk, name="start", actor=actor)
    feedback_transition(feedback_id=lead.pk, name="close", actor=actor, resolution="duplicate",
                        reply="您好，这个问题我们已经在处理，会在下个版本修复。")
    assert Feedback.objects.get(pk=own.pk).status == "closed"
    assert Feedback.objects.get(pk=other.pk).status == "pending"
    assert not Reply.objects.filter(feedback=other).exists()
    assert Reply.objects.filter(feedback=own).exists()
    note = FieldChange.objects.filter(feedback=lead, field="members_not_followed").values_list("new", flat=True)
    assert any(f"#{other.pk}" in n and "音视频引擎组" in n for n in note)


def test_problems_index_command_indexes_migrated_problems(three):
    from importlib import import_module

    from django.core.management import call_command

    from feedback_archive.feedback.models import ProblemTerm

    a, b, c = three
    Feedback.objects.filter(pk=b.pk).update(canonical=a.pk, problem=None)
    import_module("feedback_archive.feedback.migrations.0014_duplicates_to_problems").forwards(django_apps, None)
    p = Feedback.objects.get(pk=a.pk).problem
    assert not ProblemTerm.objects.filter(problem=p).exists()
    call_command("problems_index")
    assert ProblemTerm.objects.filter(problem=p).count() >= 3


_DERIVED = ("member_count", "reporter_count", "channel_count", "first_seen_at", "last_seen_at", "first_release_id",
            "lead_id", "product_id", "title", "type_id", "module_id", "severity_id")


def test_joins_move_the_counts_by_what_they_add_and_equal_a_full_recount(make_feedback, agent):
    """Joins update the problem incrementally; the result is what recomputing from every member
    row gives (problem_refresh), for repeat reporters, anonymous reports, new channels, an earlier
    release, a report older than the first and labels confirmed after the item joined."""
    from feedback_archive.feedback.services import feedback_update, problem_refresh
    from feedback_archive.versions.services import product_default, release_create

    im = product_default()
    old, new = release_create(product=im, version="3.9.0"), release_create(product=im, version="3.10.0")
    actor = Actor.for_user(agent)
    same = {"external_id": "r-same", "name": "老用户"}
    rows = [  # text, reporter, channel, release, days before now
        ("共享屏幕的时候对方看到的是黑屏", same, "in_app", new, 3),
        ("屏幕共享别人那边是黑的，我这边正常", same, "in_app", new, 2),  # the same person again
        ("开会共享桌面，参会者说画面全黑", None, "app_store", None, 1),  # anonymous, no release
        ("共享屏幕黑屏，对方什么也看不到", None, "app_store", old, 9),  # older release, earlier than all
        ("屏幕共享后对面一片黑", {"external_id": "r-other", "name": "新用户"}, "ticket", new, 0),
    ]
    items = []
    for text, reporter, channel, release, days in rows:
        fb = make_feedback(text, reporter=reporter, channel=channel, understand="tokens",
                           received_at=timezone.now() - dt.timedelta(days=days))
        Feedback.objects.filter(pk=fb.pk).update(release=release)
        items.append(Feedback.objects.get(pk=fb.pk))
    problem = problem_create(feedback_ids=[items[0].pk], actor=actor)
    for n, fb in enumerate(items[1:], start=1):
        problem = problem_move_item(feedback_id=fb.pk, problem_id=problem.pk, actor=JOB, score=0.8,
                                    evidence=["黑屏"])
        if n == 2:  # labels confirmed on a member after it joined count at the next join
            feedback_update(feedback_id=items[1].pk, actor=actor, labels={"type": "function"})
    _assert_consistent(problem.pk)
    assert (problem.member_count, problem.reporter_count, problem.channel_count) == (5, 4, 3)
    assert problem.first_release_id == old.pk and problem.first_seen_at == items[3].received_at
    assert problem.type is not None and problem.type.code == "function"
    incremental = {f: getattr(Problem.objects.get(pk=problem.pk), f) for f in _DERIVED}
    recounted = problem_refresh(problem_id=problem.pk)
    assert {f: getattr(recounted, f) for f in _DERIVED} == incremental
    # the API's score of the duplicate link is the matching score
    assert Feedback.objects.get(pk=items[4].pk).similarity == 0.8
