"""The early-warning outbox joins the workflow's team alert outbox (workflow/alerts.py): endpoints
and deliveries are copied there (new ids; each incident keeps them as its `alerts`), then
the reports tables go."""
from django.db import migrations, models

FIELDS = ("kind", "target", "subject", "body", "status", "attempts", "next_attempt_at", "last_error", "sent_at")


def move_alerts(apps, schema_editor):
    OldEndpoint = apps.get_model("reports", "AlertEndpoint")
    OldDelivery = apps.get_model("reports", "AlertDelivery")
    Endpoint = apps.get_model("workflow", "AlertEndpoint")
    Delivery = apps.get_model("workflow", "AlertDelivery")
    Incident = apps.get_model("reports", "ProblemIncident")
    endpoint_of = {}
    for old in OldEndpoint.objects.order_by("pk"):
        endpoint_of[old.pk] = Endpoint.objects.create(team_id=old.team_id, kind=old.kind, target=old.target,
                                                      secret=old.secret, is_active=old.is_active).pk
    for old in OldDelivery.objects.select_related("incident").order_by("pk"):
        new = Delivery.objects.create(feedback_id=old.incident.lead_id, endpoint_id=endpoint_of.get(old.endpoint_id),
                                      **{f: getattr(old, f) for f in FIELDS})
        Delivery.objects.filter(pk=new.pk).update(created_at=old.created_at)  # auto_now_add overwrote it
        Incident.alerts.through.objects.create(problemincident_id=old.incident_id, alertdelivery_id=new.pk)


def move_alerts_back(apps, schema_editor):
    OldEndpoint = apps.get_model("reports", "AlertEndpoint")
    OldDelivery = apps.get_model("reports", "AlertDelivery")
    Endpoint = apps.get_model("workflow", "AlertEndpoint")
    Incident = apps.get_model("reports", "ProblemIncident")
    endpoint_of = {}
    for new in Endpoint.objects.order_by("pk"):
        endpoint_of[new.pk] = OldEndpoint.objects.create(team_id=new.team_id, kind=new.kind, target=new.target,
                                                         secret=new.secret, is_active=new.is_active).pk
    for link in Incident.alerts.through.objects.select_related("alertdelivery").order_by("pk"):
        new = link.alertdelivery
        old = OldDelivery.objects.create(incident_id=link.problemincident_id, endpoint_id=endpoint_of.get(new.endpoint_id),
                                         **{f: getattr(new, f) for f in FIELDS})
        OldDelivery.objects.filter(pk=old.pk).update(created_at=new.created_at)
        new.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_early_warning'),
        ('workflow', '0008_team_alert_outbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='problemincident',
            name='alerts',
            field=models.ManyToManyField(blank=True, related_name='+', to='workflow.alertdelivery', verbose_name='alerts'),
        ),
        migrations.RunPython(move_alerts, move_alerts_back),
        migrations.RemoveField(
            model_name='alertendpoint',
            name='team',
        ),
        migrations.DeleteModel(
            name='AlertDelivery',
        ),
        migrations.DeleteModel(
            name='AlertEndpoint',
        ),
    ]
