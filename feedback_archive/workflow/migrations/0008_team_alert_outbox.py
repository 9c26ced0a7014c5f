"""The team alert outbox (workflow/alerts.py). Regression alerts, which were reporter deliveries
without a reply or survey (the only deliveries of that kind), move into it; reports' early-warning
rows follow in reports 0003."""
import django.db.models.deletion
from django.db import migrations, models

FIELDS = ("subject", "body", "status", "attempts", "next_attempt_at", "last_error", "sent_at")


def move_team_alerts(apps, schema_editor):
    Delivery = apps.get_model("workflow", "Delivery")
    AlertDelivery = apps.get_model("workflow", "AlertDelivery")
    alerts = Delivery.objects.filter(reply__isnull=True, survey__isnull=True).order_by("pk")
    for old in alerts:
        new = AlertDelivery.objects.create(feedback_id=old.feedback_id, kind="email", target=old.recipient,
                                           **{f: getattr(old, f) for f in FIELDS})
        AlertDelivery.objects.filter(pk=new.pk).update(created_at=old.created_at)  # auto_now_add overwrote it
    alerts.delete()


def move_team_alerts_back(apps, schema_editor):
    Delivery = apps.get_model("workflow", "Delivery")
    AlertDelivery = apps.get_model("workflow", "AlertDelivery")
    moved = AlertDelivery.objects.filter(kind="email", endpoint__isnull=True, feedback__isnull=False).order_by("pk")
    for new in moved:
        old = Delivery.objects.create(feedback_id=new.feedback_id, method="email", recipient=new.target, language="zh",
                                      **{f: getattr(new, f) for f in FIELDS})
        Delivery.objects.filter(pk=old.pk).update(created_at=new.created_at)
    moved.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_team_open_to_other_teams'),
        ('feedback', '0015_pipeline_claim'),
        ('workflow', '0007_close_loop_certification_planning_guidance_reviews'),
    ]

    operations = [
        migrations.CreateModel(
            name='AlertEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('email', 'e-mail'), ('feishu', 'Feishu / Lark bot'), ('dingtalk', 'DingTalk bot'), ('wecom', 'WeCom bot')], max_length=10, verbose_name='kind')),
                ('target', models.CharField(max_length=500, verbose_name='webhook URL or e-mail address')),
                ('secret', models.CharField(blank=True, help_text='Feishu 签名校验 / DingTalk 加签 secret; WeCom needs none (the key is in the URL).', max_length=200, verbose_name='signing secret')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.team', verbose_name='team')),
            ],
            options={
                'verbose_name': 'alert endpoint',
                'verbose_name_plural': 'alert endpoints',
            },
        ),
        migrations.CreateModel(
            name='AlertDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('email', 'e-mail'), ('feishu', 'Feishu / Lark bot'), ('dingtalk', 'DingTalk bot'), ('wecom', 'WeCom bot')], max_length=10, verbose_name='kind')),
                ('target', models.CharField(max_length=500, verbose_name='to')),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('body', models.TextField(verbose_name='text')),
                ('status', models.CharField(choices=[('pending', 'pending'), ('retrying', 'retrying'), ('sent', 'sent'), ('dead', 'dead letter'), ('not_applicable', 'not applicable (no way to reach the reporter)')], default='pending', max_length=20, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt at')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('feedback', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_deliveries', to='feedback.feedback', verbose_name='about')),
                ('endpoint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workflow.alertendpoint', verbose_name='endpoint')),
            ],
            options={
                'verbose_name': 'alert delivery',
                'verbose_name_plural': 'alert deliveries',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='alert_delivery_due')],
            },
        ),
        migrations.RunPython(move_team_alerts, move_team_alerts_back),
    ]
