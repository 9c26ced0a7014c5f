"""Loading the written standard (taxonomy/data/standard.yaml) into the database without ever
overwriting an admin's edit silently.

Every field loaded from the standard is remembered on the row (`standard_loaded`, the value as
loaded). A later standard is then a three-way merge per field — base (what was loaded), current
(the database, maybe edited in the admin), new (the file):

* current == base → nobody edited it: take the new standard;
* new == base     → the standard did not change it: keep the admin's edit;
* otherwise       → a conflict: keep the admin's value and report it, until someone decides
  (`--take-standard CODE` replaces it with the standard's on purpose).

List fields (keywords, negative keywords, examples) merge item by item — keywords by word, so
an admin who deleted 卡 or lowered 消息 to 1 keeps that while new words of the standard still
arrive. Labels only in the database (created by an admin) are kept and reported; labels only in
the standard are created.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor

from .models import Dimension, Label
from .standard import DIMENSION_FIELDS, LABEL_TEXT_FIELDS, LIST_FIELDS, load_standard

logger = logging.getLogger(__name__)


@dataclass
class Change:
    target: str                    # "type" or "type.performance"
    field: str                     # a field name, or "" for the whole row
    action: str                    # create | update | conflict | extra
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    old: str = ""
    new: str = ""

    def lines(self) -> list[str]:
        head = f"{self.action:<8} {self.target}" + (f" {self.field}" if self.field else "")
        out = [head]
        out += [f"    + {a}" for a in self.added]
        out += [f"    - {r}" for r in self.removed]
        if self.old or self.new:
            out += [f"    was: {_short(self.old)}", f"    now: {_short(self.new)}"]
        return out


def _short(text: str, n: int = 100) -> str:
    text = str(text).replace("\n", " / ")
    return text if len(text) <= n else text[:n] + "…"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def keyword_key(item: str) -> str:
    word, sep, weight = item.rpartition(":")
    if sep and word:
        try:
            float(weight)
            return word.strip()
        except ValueError:
            pass
    return item.strip()


def merge_list(base: list[str] | None, cur: list[str], new: list[str], *, keyed: bool):
    """Three-way merge of a list field, item by item (keywords by word). Returns (merged list,
    keys in conflict, the base to remember: the new standard except where a conflict keeps the
    old base, so the conflict is reported again until resolved)."""
    key = keyword_key if keyed else (lambda s: s.strip())
    b = {key(x): x for x in (base or [])}
    c = {key(x): x for x in cur}
    n = {key(x): x for x in new}
    merged: dict[str, str] = {}
    conflicts: list[str] = []
    remembered = dict(n)
    for k in list(c) + [k for k in n if k not in c] + [k for k in b if k not in c and k not in n]:
        bv, cv, nv = b.get(k), c.get(k), n.get(k)
        if cv == nv:
            result = cv
        elif cv == bv:          # untouched by the admin: the standard decides (add / change / delete)
            result = nv
        elif nv == bv:          # the standard did not change it: the admin's edit stands
            result = cv
        else:
            result = cv
            conflicts.append(k)
            if bv is None:
                remembered.pop(k, None)
            else:
                remembered[k] = bv
        if result is not None:
            merged[k] = result
    return list(merged.values()), conflicts, list(remembered.values())


def _label_values(lab: dict) -> dict:
    vals = {f: str(lab.get(f, "") or "") for f in LABEL_TEXT_FIELDS}
    vals["order"] = str(lab.get("order", 0))
    for f in LIST_FIELDS:
        vals[f] = [str(x).strip() for x in lab.get(f, []) or [] if str(x).strip()]
    return vals


def _dimension_values(dim: dict) -> dict:
    vals = {f: str(dim.get(f, "") or "") for f in DIMENSION_FIELDS}
    vals["order"] = str(dim.get("order", 0))
    return vals


def _merge_row(target: str, row, values: dict, take: bool, changes: list[Change]) -> tuple[dict, dict]:
    """(field → value to write, new standard_loaded) for one existing row."""
    loaded = dict(row.standard_loaded or {})
    writes: dict = {}
    for fname, new in values.items():
        base = loaded.get(fname)
        if fname in LIST_FIELDS:
            cur = _lines(getattr(row, fname))
            if take:
                merged, conflicts, remember = new, [], new
            else:
                merged, conflicts, remember = merge_list(base, cur, new, keyed=fname in ("keywords", "negative_keywords"))
            if merged != cur:
                changes.append(Change(target, fname, "update",
                                      added=[x for x in merged if x not in cur], removed=[x for x in cur if x not in merged]))
                writes[fname] = "\n".join(merged)
            if conflicts:
                changes.append(Change(target, fname, "conflict", added=[f"{k}  (admin keeps: {_find(cur, k)}; "
                                                                        f"standard: {_find(new, k) or 'deleted'})"
                                                                        for k in conflicts]))
            loaded[fname] = remember
        else:
            cur = str(getattr(row, fname))
            if cur == new or take or (base is not None and cur == base):
                if cur != new:
                    changes.append(Change(target, fname, "update", old=cur, new=new))
                    writes[fname] = int(new) if fname == "order" else new
                loaded[fname] = new
            elif base is not None and new == base:
                pass  # the admin edited it; the standard did not change: nothing to report
            else:
                changes.append(Change(target, fname, "conflict", old=cur, new=new))
    return writes, loaded


def _find(items: list[str], key: str) -> str:
    return next((x for x in items if keyword_key(x) == key), "")


def standard_sync(*, actor: Actor, apply: bool = False, take_standard: Iterable[str] = (),
                  standard: list[dict] | None = None) -> list[Change]:
    """Compare the standard with the database; with `apply`, write what the merge allows.
    `take_standard`: dimension or "dimension.label" codes whose fields are replaced by the
    standard's even where an admin edited them. Returns the changes (and conflicts)."""
    standard = load_standard() if standard is None else standard
    take = set(take_standard)
    changes: list[Change] = []
    with transaction.atomic():
        dims = {d.code: d for d in Dimension.objects.select_for_update()}
        labels = {(lab.dimension.code, lab.code): lab
                  for lab in Label.objects.select_related("dimension").select_for_update(of=("self",))}
        seen: set[tuple[str, str]] = set()
        for d in standard:
            dvals = _dimension_values(d)
            dim = dims.get(d["code"])
            if dim is None:
                changes.append(Change(d["code"], "", "create", new=dvals["name_zh"]))
                if apply:
                    dim = Dimension.objects.create(code=d["code"], **{k: (int(v) if k == "order" else v) for k, v in dvals.items()},
                                                   standard_loaded=dvals)
            else:
                writes, loaded = _merge_row(d["code"], dim, dvals, d["code"] in take, changes)
                if apply:
                    Dimension.objects.filter(pk=dim.pk).update(standard_loaded=loaded, **writes)
            for lab in d["labels"]:
                seen.add((d["code"], lab["code"]))
                target = f"{d['code']}.{lab['code']}"
                lvals = _label_values(lab)
                row = labels.get((d["code"], lab["code"]))
                if row is None:
                    changes.append(Change(target, "", "create", new=lvals["name_zh"]))
                    if apply:
                        Label.objects.create(
                            dimension=dim, code=lab["code"], standard_loaded=lvals,
                            **{k: (int(v) if k == "order" else "\n".join(v) if isinstance(v, list) else v)
                               for k, v in lvals.items()})
                    continue
                writes, loaded = _merge_row(target, row, lvals, d["code"] in take or target in take, changes)
                if apply:
                    # update() skips auto_now: set updated_at so the classifier's cache sees the edit
                    Label.objects.filter(pk=row.pk).update(standard_loaded=loaded, updated_at=timezone.now(), **writes)
        for dcode, lcode in labels:
            if (dcode, lcode) not in seen:
                changes.append(Change(f"{dcode}.{lcode}", "", "extra", new="not in the standard: kept as the admin made it"))
    if apply:
        logger.info("standard synced by %s: %d updates, %d conflicts", actor.name,
                    sum(c.action in ("create", "update") for c in changes), sum(c.action == "conflict" for c in changes))
    return changes
