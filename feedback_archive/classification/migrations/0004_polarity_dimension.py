"""Polarity becomes a dimension of the taxonomy (positive / negative), so agents confirm it where
they confirm the other labels and the learner trains on it like the others (issue #14: the
lexicon alone stays below 90% on real reviews; confirmed in-domain polarity is what closes it).

Frozen: the values come from polarity_0004.json, a copy of the polarity entry of
taxonomy/data/standard.yaml as it was written; every row remembers what was loaded
(`standard_loaded`, the base of sync_standard's three-way merge), so sync_standard shows no
difference after this migration. A deployment that already has a `polarity` dimension (made by
an admin) keeps it untouched."""
import json
from pathlib import Path

from django.db import migrations

HERE = Path(__file__).parent
LISTS = ("positive_examples", "negative_examples", "keywords", "negative_keywords")
TEXTS = ("name_zh", "name_en", "definition", "definition_en")


def forward(apps, schema_editor):
    Dimension = apps.get_model("taxonomy", "Dimension")
    Label = apps.get_model("taxonomy", "Label")
    GoldExample = apps.get_model("classification", "GoldExample")
    d = json.loads((HERE / "polarity_0004.json").read_text(encoding="utf-8"))
    if Dimension.objects.filter(code=d["code"]).exists():
        return
    dvals = {"name_zh": d["name_zh"], "name_en": d["name_en"], "description": d.get("description", ""),
             "order": str(d["order"])}
    dim = Dimension.objects.create(code=d["code"], name_zh=d["name_zh"], name_en=d["name_en"],
                                   description=dvals["description"], order=d["order"], standard_loaded=dvals)
    for lab in d["labels"]:
        loaded = {"order": str(lab.get("order", 0))}
        fields = {}
        for f in TEXTS:
            loaded[f] = fields[f] = str(lab.get(f, "") or "")
        for f in LISTS:
            loaded[f] = [str(x).strip() for x in lab.get(f, []) or [] if str(x).strip()]
            fields[f] = "\n".join(loaded[f])
        label = Label.objects.create(dimension=dim, code=lab["code"], order=int(lab.get("order", 0)),
                                     standard_loaded=loaded, **fields)
        # the standard's examples are gold examples (the quiz), as 0003 seeded the other dimensions'
        for text in loaded["positive_examples"]:
            GoldExample.objects.get_or_create(dimension=dim, text=text, defaults={
                "label": label, "explanation": label.definition, "source": "standard"})


def backward(apps, schema_editor):
    Dimension = apps.get_model("taxonomy", "Dimension")
    Label = apps.get_model("taxonomy", "Label")
    Suggestion = apps.get_model("classification", "Suggestion")
    ClassifierModel = apps.get_model("classification", "ClassifierModel")
    dim = Dimension.objects.filter(code="polarity").first()
    if dim is None:
        return
    # confirmed polarity labels (feedback.FeedbackLabel, PROTECT) block the reversal on purpose:
    # they are agents' work
    Suggestion.objects.filter(dimension=dim).delete()
    ClassifierModel.objects.filter(dimension=dim).delete()
    GoldExample = apps.get_model("classification", "GoldExample")
    GoldExample.objects.filter(dimension=dim).delete()   # their quiz answers go with them (CASCADE)
    Label.objects.filter(dimension=dim).delete()
    dim.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("classification", "0003_seed_gold_examples"),
        ("taxonomy", "0003_standard_as_data"),
    ]
    operations = [migrations.RunPython(forward, backward)]
