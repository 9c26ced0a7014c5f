"""The team alert outbox (workflow/alerts.py): one place for early warnings and regression alerts,
with dead letters an administrator sends again from the admin."""
import pytest
from django.utils import timezone

from feedback_archive.core.models import Team
from feedback_archive.reports.models import ProblemIncident
from feedback_archive.workflow.alerts import alert_enqueue, alert_send, email_recipients, team_endpoints
from feedback_archive.workflow.models import AlertDelivery, AlertEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(django_user_model):
    lead = django_user_model.objects.create_user("im-lead", email="im-lead@example.com")
    return Team.objects.create(slug="im", name="即时通讯组", lead=lead)


def test_team_endpoints_add_the_lead_once(team):
    AlertEndpoint.objects.create(team=team, kind="wecom", target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    AlertEndpoint.objects.create(team=team, kind="email", target="im-lead@example.com")
    AlertEndpoint.objects.create(team=team, kind="feishu", target="https://open.feishu.cn/x", is_active=False)
    got = sorted((kind, target) for kind, target, _e in team_endpoints(team.pk))
    assert got == [("email", "im-lead@example.com"), ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")]


def test_alerts_leave_after_the_commit_and_a_dead_letter_is_sent_again_from_the_admin(
        make_feedback, team, admin_client, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_BACKOFF_SECONDS = []
    fb = make_feedback("群消息一直转圈发不出去")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = alert_enqueue(recipients=email_recipients(["dev@example.com"]), subject="[回归] 问题 #1",
                             body="又出现了", feedback_id=fb.pk)
    assert len(callbacks) == 1 and mailoutbox == []  # nothing leaves before the commit
    d = sent[0]
    AlertDelivery.objects.filter(pk=d.pk).update(status="dead", attempts=1)
    incident = ProblemIncident.objects.create(
        key=fb.pk, lead=fb, team=team, title="群消息发不出去", rule="count", count=5, expected=0.2,
        first_report_at=timezone.now(), opened_at=timezone.now(), last_triggered_at=timezone.now())
    incident.alerts.add(d)
    page = admin_client.get(f"/admin/reports/problemincident/{incident.pk}/change/").content.decode()
    assert "dev@example.com" in page and ("死信" in page or "dead letter" in page)
    assert admin_client.get("/admin/workflow/alertdelivery/?status=dead").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/admin/workflow/alertdelivery/", {"action": "retry", "_selected_action": [d.pk]})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "sent" and mailoutbox[0].to == ["dev@example.com"]
    assert alert_send(delivery_id=d.pk) == "sent"  # a second run sends nothing twice
    assert len(mailoutbox) == 1
