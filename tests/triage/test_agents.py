"""Agents in one step: create_agent, and the demo's ready 分诊员 / 团队负责人 logins."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from feedback_archive.core.models import Team
from feedback_archive.core.permissions import user_can_change

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def password_in(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if f"{username} / " in line)
    return line.split(f"{username} / ")[1].split()[0]


def test_create_agent_with_a_chinese_role_and_a_team(client, make_feedback):
    from feedback_archive.core.actors import Actor
    from feedback_archive.feedback.services import feedback_assign

    im = Team.objects.create(slug="im", name="即时消息组")
    out = run("create_agent", "wangfang", "--role", "分诊员", "--team", "im", "--name", "王芳")
    user = get_user_model().objects.get(username="wangfang")
    assert user.is_staff and not user.is_superuser and list(user.groups.values_list("name", flat=True)) == ["分诊员"]
    assert im.members.filter(pk=user.pk).exists()
    assert user.check_password(password_in(out, "wangfang"))  # the printed password works
    client.force_login(user)
    assert client.get("/admin/feedback/feedback/").status_code == 200
    fb = make_feedback("群消息撤回后对方仍能看到")
    feedback_assign(feedback=fb, actor=Actor.system(), team=im)
    assert user_can_change(user, fb)


def test_english_aliases_and_a_lead_leads_the_team():
    av = Team.objects.create(slug="av-engine", name="音视频引擎组")
    run("create_agent", "zhangwei", "--role", "lead", "--team", "av-engine")
    av.refresh_from_db()
    assert av.lead.username == "zhangwei"
    run("create_agent", "guest", "--role", "viewer")
    assert get_user_model().objects.get(username="guest").groups.get().name == "只读"


def test_bad_input_is_a_clear_error_not_a_traceback():
    with pytest.raises(CommandError, match="Unknown role"):
        run("create_agent", "x", "--role", "boss")
    with pytest.raises(CommandError, match="Unknown team"):
        run("create_agent", "x", "--role", "agent", "--team", "nope")
    run("create_agent", "x", "--role", "agent")
    with pytest.raises(CommandError, match="exists already"):
        run("create_agent", "x", "--role", "agent")
    out = run("create_agent", "x", "--role", "admin", "--reset")
    assert get_user_model().objects.get(username="x").groups.get().name == "管理员" and "x / " in out


def test_bootstrap_prints_ready_agent_and_lead_logins(client):
    from feedback_archive.triage.demo import demo_teams, demo_users

    demo_teams(demo_users())  # the demo's people, as the demo data creates them
    out = run("bootstrap", "--no-demo")
    assert "Admin login: admin / " in out
    for username, role in (("lina", "分诊员"), ("zhangwei", "团队负责人")):
        person = get_user_model().objects.get(username=username)
        assert person.check_password(password_in(out, username)) and person.is_staff
        assert role in person.groups.values_list("name", flat=True)
