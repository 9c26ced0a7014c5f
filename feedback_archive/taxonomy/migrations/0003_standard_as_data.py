"""The standard becomes data and the one vocabulary: the keywords the classifier used to carry in
code (classification/rules.py BUILTIN) join the taxonomy's keywords, and every row remembers what
was loaded (`standard_loaded`), the base of `sync_standard`'s three-way merge.

Frozen: the values come from standard_0002.json (what 0002 loaded) and standard_0003.json (this
version of taxonomy/data/standard.yaml); the merge is a copy, not an import of live code. A label
an admin already edited keeps the admin's words: only words the admin did not touch change."""
import json
from pathlib import Path

from django.db import migrations, models

HERE = Path(__file__).parent
LISTS = ("positive_examples", "negative_examples", "keywords", "negative_keywords")
TEXTS = ("name_zh", "name_en", "definition", "definition_en")


def _key(item):
    word, sep, weight = item.rpartition(":")
    if sep and word:
        try:
            float(weight)
            return word.strip()
        except ValueError:
            pass
    return item.strip()


def _merge(base, cur, new, keyed):
    key = _key if keyed else (lambda s: s.strip())
    b, c, n = ({key(x): x for x in v} for v in (base, cur, new))
    out = {}
    for k in list(c) + [k for k in n if k not in c]:
        bv, cv, nv = b.get(k), c.get(k), n.get(k)
        res = nv if cv == bv else cv
        if res is not None:
            out[k] = res
    return list(out.values())


def _lines(text):
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def forward(apps, schema_editor):
    Dimension = apps.get_model("taxonomy", "Dimension")
    Label = apps.get_model("taxonomy", "Label")
    old = {d["code"]: d for d in json.loads((HERE / "standard_0002.json").read_text(encoding="utf-8"))}
    new = json.loads((HERE / "standard_0003.json").read_text(encoding="utf-8"))
    for d in new:
        dim = Dimension.objects.filter(code=d["code"]).first()
        if dim is None:
            continue  # a deployment that removed a dimension: sync_standard reports it
        dim.standard_loaded = {"name_zh": d["name_zh"], "name_en": d["name_en"], "description": d["description"],
                               "order": str(d["order"])}
        dim.save(update_fields=["standard_loaded"])
        old_labels = {lab["code"]: lab for lab in old.get(d["code"], {}).get("labels", [])}
        for lab in d["labels"]:
            row = Label.objects.filter(dimension=dim, code=lab["code"]).first()
            base = old_labels.get(lab["code"])
            if row is None or base is None:
                continue
            loaded = {"order": str(lab["order"])}
            for f in TEXTS:
                loaded[f] = lab.get(f, "")
                if getattr(row, f) == base.get(f, ""):
                    setattr(row, f, lab.get(f, ""))
            for f in LISTS:
                loaded[f] = list(lab.get(f, []))
                setattr(row, f, "\n".join(_merge(base.get(f, []), _lines(getattr(row, f)), lab.get(f, []),
                                                 f in ("keywords", "negative_keywords"))))
            row.standard_loaded = loaded
            row.save()


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0002_standard_taxonomy")]
    operations = [
        migrations.AddField(
            model_name="dimension", name="standard_loaded",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="loaded from the standard"),
        ),
        migrations.AddField(
            model_name="label", name="standard_loaded",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="loaded from the standard"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
