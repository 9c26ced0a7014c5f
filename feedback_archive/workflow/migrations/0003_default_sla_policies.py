from decimal import Decimal

from django.db import migrations

# severity code, name, first response hours, resolution hours — business hours (09:00–18:00,
# Mon–Fri, Asia/Shanghai): 8 business hours is one working day, 72 is nine.
DEFAULT_POLICIES = [
    ("critical", "致命 · 默认", "1", "8"),
    ("major", "严重 · 默认", "4", "24"),
    ("normal", "一般 · 默认", "8", "72"),
    ("minor", "轻微 · 默认", "24", "240"),
]


def seed(apps, schema_editor):
    Label = apps.get_model("taxonomy", "Label")
    SlaPolicy = apps.get_model("workflow", "SlaPolicy")
    for code, name, response, resolution in DEFAULT_POLICIES:
        severity = Label.objects.filter(dimension__code="severity", code=code).first()
        if severity is None or SlaPolicy.objects.filter(severity=severity, product__isnull=True).exists():
            continue  # a customised taxonomy or an existing policy wins over the defaults
        SlaPolicy.objects.create(
            name=name, severity=severity, first_response_hours=Decimal(response),
            resolution_hours=Decimal(resolution), clock="business", is_active=True,
        )


def unseed(apps, schema_editor):
    SlaPolicy = apps.get_model("workflow", "SlaPolicy")
    SlaPolicy.objects.filter(name__in=[p[1] for p in DEFAULT_POLICIES], product__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0002_routing_sla"),
        ("taxonomy", "0002_standard_taxonomy"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
