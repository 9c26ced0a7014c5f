from django.db import migrations

CHANNELS = [
    ("in_app", "应用内反馈", True),
    ("ticket", "客服工单", True),
    ("community", "用户社群", True),
    ("app_store", "应用商店评论", False),
    ("social", "社交媒体", True),
    ("sales", "销售团队", True),
]


def channels(apps, schema_editor):
    Channel = apps.get_model("feedback", "Channel")
    for slug, name, can_reply in CHANNELS:
        Channel.objects.get_or_create(slug=slug, defaults={"name": name, "can_reply": can_reply})


def search_index(apps, schema_editor):
    # The GIN index behind Chinese full-text search exists on PostgreSQL only; SQLite matches the
    # space-delimited tokens directly.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS fb_search_gin ON feedback_feedback USING GIN (to_tsvector('simple', search_text))"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS fb_search_gin")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [
        migrations.RunPython(channels, migrations.RunPython.noop),
        migrations.RunPython(search_index, drop_search_index),
    ]
