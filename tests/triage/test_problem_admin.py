"""The problems desk and the item page's problem panel: members side by side, merge/split/move/
take-out through the services (scope and counts hold), one-click proposal decisions."""
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.feedback.services import problem_create

pytestmark = pytest.mark.django_db
JOB = Actor.system("job")
TEXTS = ["共享屏幕对方看到黑屏", "屏幕共享的时候别人那边是黑的", "开会共享桌面，参会者说画面全黑", "群文件下载到一半就失败了"]


@pytest.fixture
def items(make_feedback):
    return [make_feedback(t, app_version="3.10.0", platform="windows") for t in TEXTS]


def test_problem_page_shows_members_side_by_side_and_the_list_sorts_by_reporters(admin_client, items):
    p = problem_create(feedback_ids=[f.pk for f in items[:3]], actor=JOB)
    problem_create(feedback_ids=[items[3].pk], actor=JOB)
    body = admin_client.get(f"/admin/feedback/problem/{p.pk}/change/").content.decode()
    for text in TEXTS[:3]:
        assert text in body
    assert "3.10.0 ×3" in body
    listing = admin_client.get("/admin/feedback/problem/").content.decode()
    assert listing.index(TEXTS[0][:10]) < listing.index(TEXTS[3][:10])


def test_merge_split_move_take_out_through_the_page(admin_client, items):
    p = problem_create(feedback_ids=[items[0].pk], actor=JOB)
    q = problem_create(feedback_ids=[items[1].pk, items[2].pk], actor=JOB)
    r = admin_client.post(f"/admin/feedback/problem/{q.pk}/act/", {"op": "merge", "into": str(p.pk)})
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).member_count == 3
    admin_client.post(f"/admin/feedback/problem/{p.pk}/act/", {"op": "split", "members": [str(items[2].pk)]})
    assert Problem.objects.get(pk=p.pk).member_count == 2
    admin_client.post(f"/admin/feedback/problem/{p.pk}/act/", {"op": "move", "feedback": str(items[3].pk)})
    assert Feedback.objects.get(pk=items[3].pk).problem_id == p.pk
    admin_client.post(f"/admin/feedback/problem/{p.pk}/act/", {"op": "take_out", "feedback": str(items[3].pk)})
    assert Feedback.objects.get(pk=items[3].pk).problem_id != p.pk
    # bad input: a message, no change, no 500
    for bad in ({"op": "merge", "into": str(p.pk)}, {"op": "merge", "into": "abc"}, {"op": "merge", "into": "9" * 40},
                {"op": "take_out", "feedback": "x"}, {"op": "nonsense"}):
        r = admin_client.post(f"/admin/feedback/problem/{p.pk}/act/", bad, follow=True)
        assert r.status_code == 200 and list(r.context["messages"]), bad
    assert Problem.objects.get(pk=p.pk).member_count == Feedback.objects.filter(problem=p).count() == 2
    assert admin_client.get(f"/admin/feedback/problem/{p.pk}/act/").status_code == 405


def test_an_agent_cannot_merge_another_teams_problem(client, make_user, items):
    agent = make_user("wangfang", "分诊员")
    mine, theirs = Team.objects.create(slug="im", name="即时消息组"), Team.objects.create(slug="av", name="音视频引擎组")
    mine.members.add(agent)
    Feedback.objects.filter(pk=items[0].pk).update(team=mine)
    Feedback.objects.filter(pk=items[1].pk).update(team=theirs)
    p = problem_create(feedback_ids=[items[0].pk], actor=JOB)
    q = problem_create(feedback_ids=[items[1].pk], actor=JOB)
    client.force_login(agent)
    r = client.post(f"/admin/feedback/problem/{q.pk}/act/", {"op": "merge", "into": str(p.pk)}, follow=True)
    assert "音视频引擎组" in " ".join(str(m) for m in r.context["messages"])
    assert Feedback.objects.get(pk=items[1].pk).problem_id == q.pk


def test_item_panel_shows_proposals_with_evidence_and_one_click_decisions(admin_client, admin_user, items):
    p = problem_create(feedback_ids=[items[0].pk], actor=JOB)
    problem_create(feedback_ids=[items[1].pk], actor=JOB)
    proposal = ProblemProposal.objects.create(feedback=items[1], problem=p, score=0.47, evidence=["屏幕共享", "黑屏"])
    request = RequestFactory().get(f"/admin/feedback/feedback/{items[1].pk}/change/")
    request.user = admin_user
    html = render_to_string("admin/triage/feedback/_problem_panel.html",
                            {"original": Feedback.objects.get(pk=items[1].pk), "request": request})
    assert f"可能与问题 #{p.pk} 相同" in html and "屏幕共享、黑屏" in html and "0.47" in html
    assert f"/admin/feedback/problem/proposals/{proposal.pk}/accept/" in html
    r = admin_client.post(f"/admin/feedback/problem/proposals/{proposal.pk}/accept/",
                          {"next": f"/admin/feedback/feedback/{items[1].pk}/change/"})
    assert r.status_code == 302 and r["Location"].endswith(f"/feedback/{items[1].pk}/change/")
    assert Feedback.objects.get(pk=items[1].pk).problem_id == p.pk
    other = ProblemProposal.objects.create(feedback=items[3], problem=p, score=0.33, evidence=["失败"])
    r = admin_client.post(f"/admin/feedback/problem/proposals/{other.pk}/reject/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and "evil" not in r["Location"]
    assert ProblemProposal.objects.get(pk=other.pk).decision == "rejected"


def test_problem_page_lists_problems_that_may_be_the_same_and_merges_with_one_click(admin_client, items):
    p = problem_create(feedback_ids=[items[0].pk], actor=JOB)
    q = problem_create(feedback_ids=[items[1].pk, items[2].pk], actor=JOB)
    other = problem_create(feedback_ids=[items[3].pk], actor=JOB)
    r = admin_client.get(f"/admin/feedback/problem/{p.pk}/change/")
    like = [row["id"] for row in r.context["pb_like"]]
    assert q.pk in like and other.pk not in like and p.pk not in like
    assert "Possibly the same problem" in r.content.decode() or "可能是同一问题" in r.content.decode()
    admin_client.post(f"/admin/feedback/problem/{p.pk}/act/", {"op": "merge", "into": str(q.pk)})
    assert Problem.objects.get(pk=q.pk).member_count == Feedback.objects.filter(problem=q).count() == 3
