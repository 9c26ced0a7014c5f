import json
from pathlib import Path

from django.db import migrations

# A frozen copy of the standard as this migration loaded it. Migrations never import live code:
# the standard now lives in taxonomy/data/standard.yaml and changes by `manage.py sync_standard`.
FROZEN = Path(__file__).with_name("standard_0002.json")


def load(apps, schema_editor):
    Dimension = apps.get_model("taxonomy", "Dimension")
    Label = apps.get_model("taxonomy", "Label")
    with open(FROZEN, encoding="utf-8") as fh:
        standard = json.load(fh)
    for d in standard:
        dim, _ = Dimension.objects.update_or_create(
            code=d["code"],
            defaults={"name_zh": d["name_zh"], "name_en": d["name_en"], "description": d["description"], "order": d["order"]},
        )
        for lab in d["labels"]:
            Label.objects.update_or_create(
                dimension=dim, code=lab["code"],
                defaults={
                    "name_zh": lab["name_zh"], "name_en": lab["name_en"], "order": lab["order"],
                    "definition": lab["definition"], "definition_en": lab.get("definition_en", ""),
                    "positive_examples": "\n".join(lab["positive_examples"]),
                    "negative_examples": "\n".join(lab["negative_examples"]),
                    "keywords": "\n".join(lab["keywords"]),
                    "negative_keywords": "\n".join(lab["negative_keywords"]),
                },
            )


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
