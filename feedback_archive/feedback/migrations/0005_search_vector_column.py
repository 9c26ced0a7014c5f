from django.db import migrations


def forwards(apps, schema_editor):
    # PostgreSQL only: a stored tsvector (generated from search_text) with its own GIN index, so
    # a search re-parses no text per row — the expression index made common words cost seconds.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE feedback_feedback ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
    )
    schema_editor.execute("CREATE INDEX IF NOT EXISTS fb_search_vector_gin ON feedback_feedback USING GIN (search_vector)")
    schema_editor.execute("DROP INDEX IF EXISTS fb_search_gin")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS fb_search_vector_gin")
    schema_editor.execute("ALTER TABLE feedback_feedback DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS fb_search_gin ON feedback_feedback USING GIN (to_tsvector('simple', search_text))"
    )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_duplicate_band_covering_index")]
    operations = [migrations.RunPython(forwards, backwards)]
