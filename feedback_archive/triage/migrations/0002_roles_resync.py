"""Roles again, after every app's latest model: permissions are created after `migrate`, so a
role's permission on a model added after 0001_roles (roadmap items, certification, incident
reviews, problems, alert endpoints …) existed only once `bootstrap` ran. A fresh database that only
ran `migrate` — the test database, a restored backup — now gets every role as core.roles defines it.
A later migration that adds a model a role needs moves this migration's dependencies forward."""
from importlib import import_module

from django.db import migrations

# the same steps as the first time (a module name starting with a digit is imported by name)
create_roles = import_module("feedback_archive.triage.migrations.0001_roles").create_roles


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0001_roles"),
        ('api', '0003_apikey_throttle_rate_validated'),
        ('classification', '0003_seed_gold_examples'),
        ('core', '0002_team_open_to_other_teams'),
        ('feedback', '0014_duplicates_to_problems'),
        ('intake', '0002_pipeline_alert'),
        ('reports', '0002_early_warning'),
        ('taxonomy', '0003_standard_as_data'),
        ('versions', '0001_initial'),
        ('workflow', '0007_close_loop_certification_planning_guidance_reviews'),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
