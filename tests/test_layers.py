"""The layer rule, read from the source: an app imports only from the layers below it, and a job is
named by a constant of the app that runs it (a dotted string elsewhere is an upward call the import
graph cannot see). docs/architecture.md draws the same picture."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "feedback_archive"

# Lowest first; apps on one line are peers and may not import each other either.
LAYERS = [
    ["core"],
    ["taxonomy", "versions"],
    ["feedback"],
    ["classification"],
    ["workflow"],
    ["intake", "reports"],
    ["api", "triage"],
]
LEVEL = {app: n for n, apps in enumerate(LAYERS) for app in apps}
JOB = re.compile(r"^feedback_archive\.(\w+)\.tasks\.(\w+)$")


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        yield rel.parts[0], path


def _imported_apps(tree: ast.AST, app: str, path: Path):
    package = ["feedback_archive", *path.relative_to(ROOT).with_suffix("").parts]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package[: len(package) - node.level]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "feedback_archive" and len(parts) > 1 and parts[1] in LEVEL:
                yield node.lineno, parts[1]


def _violations():
    found = []
    for app, path in _modules():
        if app not in LEVEL:
            found.append(f"{path}: app {app!r} is in no layer (add it to LAYERS and docs/architecture.md)")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for lineno, other in _imported_apps(tree, app, path):
            if other != app and LEVEL[other] >= LEVEL[app]:
                found.append(f"{path.relative_to(ROOT.parent)}:{lineno}: {app} imports {other} (not below it)")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (m := JOB.match(node.value)):
                owner = m.group(1)
                if owner != app:
                    found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {app} names {owner}'s job "
                                 f"{node.value!r} as a string (import the owner's constant, or let the pipeline call it)")
    return found


def test_no_upward_imports_and_no_foreign_job_names():
    assert _violations() == []


def test_every_job_name_is_a_real_function():
    import importlib

    for _app, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (m := JOB.match(node.value)):
                module = importlib.import_module(f"feedback_archive.{m.group(1)}.tasks")
                assert callable(getattr(module, m.group(2), None)), f"{path}: {node.value} does not exist"


@pytest.mark.parametrize("bad", ["feedback_archive.workflow.tasks.route_feedback"])
def test_the_rule_catches_a_foreign_job_name(tmp_path, bad):
    """The check itself can fail: a feedback module naming a workflow job is reported."""
    pkg = tmp_path / "feedback_archive" / "feedback"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(f"from feedback_archive.workflow import services\nJOB = {bad!r}\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "feedback_archive"
    try:
        found = _violations()
    finally:
        ROOT = saved
    assert any("feedback imports workflow" in f for f in found)
    assert any("names workflow's job" in f for f in found)
