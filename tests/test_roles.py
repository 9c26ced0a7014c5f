"""Each role can do exactly what it should, through every interface (services, admin, API)."""
import pytest
from django.contrib.auth.models import Group

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import PermissionDeniedError
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.services import feedback_update
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db


def test_the_four_roles_exist_with_explicit_permissions():
    perms = {g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.select_related("content_type")}
             for g in Group.objects.all()}
    assert set(perms) >= {"分诊员", "团队负责人", "管理员", "只读"}
    assert "feedback.change_feedback" in perms["分诊员"] and "feedback.view_feedback" in perms["分诊员"]
    assert "taxonomy.change_label" not in perms["分诊员"] and "taxonomy.change_label" in perms["管理员"]
    assert "api.add_apikey" in perms["管理员"] and "api.add_apikey" not in perms["团队负责人"]
    assert "core.change_team" in perms["团队负责人"]
    assert all(p.split(".")[1].startswith("view_") for p in perms["只读"])


@pytest.fixture
def teams(make_user):
    av, im = Team.objects.create(slug="av", name="音视频引擎组"), Team.objects.create(slug="im", name="即时消息组")
    users = {"av_agent": make_user("av_agent", "分诊员"), "im_agent": make_user("im_agent", "分诊员"),
             "im_lead": make_user("im_lead", "团队负责人"), "viewer": make_user("viewer", "只读"),
             "boss": make_user("boss", "管理员")}
    av.members.add(users["av_agent"])
    im.members.add(users["im_agent"])
    im.lead = users["im_lead"]
    im.save()
    return av, im, users


def test_agents_act_on_their_own_teams_items_only(teams, make_feedback):
    av, im, u = teams
    video = make_feedback("视频会议卡顿")
    Feedback.objects.filter(pk=video.pk).update(team=av)
    feedback_transition(feedback_id=video.pk, name="start", actor=Actor.for_user(u["av_agent"]))
    with pytest.raises(PermissionDeniedError, match="音视频引擎组"):
        feedback_update(feedback_id=video.pk, actor=Actor.for_user(u["im_agent"]), labels={"type": "performance"})
    with pytest.raises(PermissionDeniedError):
        feedback_transition(feedback_id=video.pk, name="submit", actor=Actor.for_user(u["im_lead"]))
    feedback_update(feedback_id=video.pk, actor=Actor.for_user(u["boss"]), labels={"type": "performance"})
    av.open_to_other_teams = True
    av.save()
    feedback_update(feedback_id=video.pk, actor=Actor.for_user(u["im_agent"]), labels={"module": "video"})


def test_unrouted_items_are_open_to_agents_but_not_to_viewers(teams, make_feedback):
    _av, _im, u = teams
    fb = make_feedback("群公告发不出去")
    feedback_update(feedback_id=fb.pk, actor=Actor.for_user(u["im_agent"]), labels={"module": "group"})
    with pytest.raises(PermissionDeniedError, match="read"):
        feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(u["viewer"]))


def test_the_admin_obeys_the_same_rule(teams, make_feedback, client):
    av, _im, u = teams
    fb = make_feedback("视频会议卡顿")
    Feedback.objects.filter(pk=fb.pk).update(team=av)
    client.force_login(u["im_agent"])
    page = client.get(f"/admin/feedback/feedback/{fb.pk}/change/")
    assert page.status_code == 200 and 'data-transition="start"' not in page.content.decode()
    r = client.post(f"/admin/feedback/feedback/{fb.pk}/transition/", {"fa_transition": "start"})
    assert r.status_code == 302 and Feedback.objects.get(pk=fb.pk).status == "pending"
    client.post("/admin/feedback/feedback/", {"action": "action_start", "_selected_action": [fb.pk]})
    assert Feedback.objects.get(pk=fb.pk).status == "pending"
    client.force_login(u["av_agent"])
    assert 'data-transition="start"' in client.get(f"/admin/feedback/feedback/{fb.pk}/change/").content.decode()
    client.force_login(u["viewer"])
    assert client.get("/admin/feedback/feedback/").status_code == 200
    assert client.get("/admin/taxonomy/label/1/change/").status_code == 200  # view only
    assert client.post("/admin/taxonomy/label/1/change/", {}).status_code == 403


def test_api_session_users_obey_the_rule_too(teams, make_feedback):
    from rest_framework.test import APIClient

    av, _im, u = teams
    fb = make_feedback("视频会议卡顿")
    Feedback.objects.filter(pk=fb.pk).update(team=av)
    api = APIClient()
    api.force_authenticate(u["im_agent"])
    r = api.post(f"/api/v1/feedback/{fb.pk}/transition/", {"name": "start"}, format="json")
    assert r.status_code == 403
    api.force_authenticate(u["viewer"])
    assert api.get(f"/api/v1/feedback/{fb.pk}/").status_code == 200
    assert api.patch(f"/api/v1/feedback/{fb.pk}/", {"labels": {"type": "function"}}, format="json").status_code == 403


def test_bulk_assign_reports_refusals_instead_of_failing(teams, make_feedback, client):
    av, _im, u = teams
    mine, theirs = make_feedback("视频会议卡顿"), make_feedback("屏幕共享黑屏")
    Feedback.objects.filter(pk=theirs.pk).update(team=av)
    client.force_login(u["im_agent"])
    r = client.post("/admin/feedback/feedback/", {"action": "assign_to_me", "_selected_action": [mine.pk, theirs.pk]}, follow=True)
    assert r.status_code == 200
    assert Feedback.objects.get(pk=mine.pk).assignee == u["im_agent"]
    assert Feedback.objects.get(pk=theirs.pk).assignee is None
    assert f"#{theirs.pk}" in r.content.decode()
