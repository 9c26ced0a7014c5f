"""The standard as data, loaded into the database, and the database as the one vocabulary the
classifier reads: an admin's keyword edit changes the next suggestion; sync_standard never
overwrites an admin's edit silently."""
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from feedback_archive.classification import rules, services
from feedback_archive.classification.models import Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.taxonomy.models import Label
from feedback_archive.taxonomy.services import merge_list, standard_sync
from feedback_archive.taxonomy.standard import STANDARD_PATH, load_standard

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _label(dim, code):
    return Label.objects.get(dimension__code=dim, code=code)


def test_install_loads_the_standard_file_and_remembers_what_it_loaded():
    perf = _label("type", "performance")
    assert perf.keyword_weights["龟速"] == 3 and perf.keyword_weights["卡顿"] == 3  # former code-only word
    assert perf.standard_loaded["keywords"] == perf.keywords.splitlines()
    # a fresh install equals the file: nothing to sync
    changes = standard_sync(actor=Actor.system(), apply=False)
    assert [c for c in changes if c.action != "extra"] == []


def test_no_keyword_copy_in_code_and_migrations_do_not_import_live_code():
    assert not hasattr(rules, "BUILTIN")
    for path in (ROOT / "feedback_archive").glob("*/migrations/0*.py"):
        src = path.read_text(encoding="utf-8")
        assert "taxonomy.standard" not in src and "classification.rules" not in src, path


def _admin_edit(admin_client, label, **changes):
    data = {f: getattr(label, f) for f in ("name_zh", "name_en", "order", "definition", "definition_en",
                                            "positive_examples", "negative_examples", "keywords", "negative_keywords")}
    data["is_active"] = "on"
    data.update(changes)
    resp = admin_client.post(reverse("admin:taxonomy_label_change", args=[label.pk]), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]


def _type_of(make_feedback, text):
    fb = make_feedback(content=text)
    services.feedback_classify(feedback_id=fb.pk)
    return Suggestion.objects.get(feedback=fb, dimension__code="type")


def test_deleting_or_lowering_a_keyword_in_the_admin_changes_the_next_classification(admin_client, make_feedback):
    assert _type_of(make_feedback, "最近发图片龟速").label.code == "performance"
    perf = _label("type", "performance")
    _admin_edit(admin_client, perf, keywords="\n".join(k for k in perf.keywords.splitlines() if not k.startswith("龟速:")))
    after = _type_of(make_feedback, "最近发图片龟速")
    assert after.label.code != "performance" and "龟速" not in after.evidence

    # lowering: 繁琐 (experience, 3) against 龟速 (now re-added at 3, then lowered to 1)
    perf.refresh_from_db()
    _admin_edit(admin_client, perf, keywords=perf.keywords + "\n龟速:3")
    assert _type_of(make_feedback, "操作繁琐而且龟速").label.code == "performance"
    perf.refresh_from_db()
    _admin_edit(admin_client, perf, keywords=perf.keywords.replace("龟速:3", "龟速:1"))
    assert _type_of(make_feedback, "操作繁琐而且龟速").label.code == "experience"


def test_merge_list_is_three_way_by_word():
    base = ["卡:1", "卡顿:3", "慢:2"]
    cur = ["卡顿:3", "慢:1", "龟速:3"]           # admin: deleted 卡, lowered 慢, added 龟速
    new = ["卡:1", "卡顿:2", "慢:3", "掉帧:3"]   # standard: lowered 卡顿, raised 慢, added 掉帧
    merged, conflicts, remembered = merge_list(base, cur, new, keyed=True)
    assert merged == ["卡顿:2", "慢:1", "龟速:3", "掉帧:3"]   # 卡 stays deleted, 龟速 stays
    assert conflicts == ["慢"]                                # both changed 慢: the admin's stands, reported
    assert "慢:2" in remembered                              # …and reported again until someone decides


def _edited_standard(tmp_path, edit):
    data = yaml.safe_load(STANDARD_PATH.read_text(encoding="utf-8"))
    edit({(d["code"], lab["code"]): lab for d in data["dimensions"] for lab in d["labels"]}, data)
    path = tmp_path / "standard.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_sync_standard_shows_a_diff_applies_it_and_keeps_admin_edits(tmp_path):
    perf = _label("type", "performance")
    perf.keywords = "\n".join(k for k in perf.keywords.splitlines() if not k.startswith("龟速:"))
    perf.definition = "我们团队自己的性能定义"
    perf.save()

    def edit(labels, data):
        p = labels[("type", "performance")]
        p["keywords"].append("掉帧严重:3")
        p["keywords"] = [k.replace("龟速:3", "龟速:2") for k in p["keywords"]]  # the admin deleted it
        p["definition"] = "新的标准定义"
        labels[("module", "voice")]["definition"] = "语音模块的新定义"
        data["dimensions"][0]["labels"].append({"code": "security", "name_zh": "安全", "name_en": "Security",
                                                "order": 9, "definition": "安全问题"})

    path = _edited_standard(tmp_path, edit)
    out = StringIO()
    call_command("sync_standard", "--file", str(path), stdout=out)
    text = out.getvalue()
    assert "掉帧严重:3" in text and "conflict" in text and "create   type.security" in text
    assert "to apply" in text
    perf.refresh_from_db()
    assert "掉帧严重:3" not in perf.keywords  # a dry run writes nothing

    call_command("sync_standard", "--file", str(path), "--apply", stdout=StringIO())
    perf.refresh_from_db()
    assert "掉帧严重:3" in perf.keywords                 # the standard's new word arrived
    assert "龟速" not in perf.keywords                   # the admin's deletion stands (a conflict, reported)
    assert perf.definition == "我们团队自己的性能定义"      # the admin's definition stands
    assert _label("module", "voice").definition == "语音模块的新定义"  # untouched by admins: updated
    assert _label("type", "security").name_zh == "安全"

    out = StringIO()
    call_command("sync_standard", "--file", str(path), stdout=out)
    assert "conflict type.performance definition" in " ".join(out.getvalue().split())  # still reported

    call_command("sync_standard", "--file", str(path), "--apply", "--take-standard", "type.performance", stdout=StringIO())
    perf.refresh_from_db()
    assert perf.definition == "新的标准定义" and "龟速:2" in perf.keywords
    out = StringIO()
    call_command("sync_standard", "--file", str(path), stdout=out)
    assert "0 change(s)" in out.getvalue() and "0 conflict(s)" in out.getvalue()


def test_a_malformed_standard_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [ {code: type", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("sync_standard", "--file", str(bad))
    bad.write_text("dimensions:\n- code: type\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing"):
        call_command("sync_standard", "--file", str(bad))
    assert load_standard()  # the shipped file is fine
