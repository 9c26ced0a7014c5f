"""The written classification standard as data: `taxonomy/data/standard.yaml`.

The YAML file is what ships; the database (taxonomy.Label, edited by admins) is what runs. This
module only reads the file — loading it into the database, with a diff and without overwriting
an admin's edits, is `services.standard_sync` (`manage.py sync_standard`). Migrations never
import this module: they keep frozen copies of what they loaded (migrations/standard_*.json).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

STANDARD_PATH = Path(__file__).resolve().parent / "data" / "standard.yaml"

# Label fields that are lists in the file and newline-separated text in the database.
LIST_FIELDS = ("positive_examples", "negative_examples", "keywords", "negative_keywords")
LABEL_TEXT_FIELDS = ("name_zh", "name_en", "definition", "definition_en")
DIMENSION_FIELDS = ("name_zh", "name_en", "description")


class StandardError(ValueError):
    """The standard file is malformed (a clear message, never a traceback from deep inside)."""


def _check(data) -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), list):
        raise StandardError("the standard must be a mapping with a 'dimensions' list")
    for d in data["dimensions"]:
        for key in ("code", "name_zh", "name_en", "labels"):
            if key not in d:
                raise StandardError(f"dimension {d.get('code', '?')}: missing '{key}'")
        for lab in d["labels"]:
            for key in ("code", "name_zh", "name_en", "definition"):
                if key not in lab:
                    raise StandardError(f"label {d['code']}.{lab.get('code', '?')}: missing '{key}'")
            for key in LIST_FIELDS:
                if not isinstance(lab.get(key, []), list):
                    raise StandardError(f"label {d['code']}.{lab['code']}: '{key}' must be a list")
    return data["dimensions"]


def load_standard(path: Path | str | None = None) -> list[dict]:
    """The dimensions of the standard file (a fresh copy; callers may change it)."""
    with open(path or STANDARD_PATH, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise StandardError(f"the standard is not valid YAML: {exc}") from None
    return _check(data)


@lru_cache(maxsize=1)
def _cached() -> list[dict]:
    return load_standard()


def __getattr__(name: str):
    # STANDARD_TAXONOMY stays importable (tests, bench), read from the file on first use
    if name == "STANDARD_TAXONOMY":
        return _cached()
    raise AttributeError(name)
