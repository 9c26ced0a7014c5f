"""Backups that can be checked: a consistent copy of the database and a fingerprint of the
archive's content to compare after a restore."""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

from feedback_archive.feedback.models import Feedback, FeedbackLabel, FieldChange, Reporter
from feedback_archive.workflow.models import Reply, TransitionLog


def archive_fingerprint() -> dict:
    """Row counts and a digest of what matters (feedback text, status, labels, history)."""
    digest = hashlib.sha256()
    for row in Feedback.objects.order_by("id").values_list("id", "channel_id", "external_id", "content", "status", "release_id").iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    for row in FeedbackLabel.objects.order_by("feedback_id", "dimension_id").values_list("feedback_id", "dimension_id", "label_id").iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    for row in TransitionLog.objects.order_by("id").values_list("id", "feedback_id", "source", "target", "actor_name").iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    return {
        "feedback": Feedback.objects.count(), "reporters": Reporter.objects.count(), "labels": FeedbackLabel.objects.count(),
        "transitions": TransitionLog.objects.count(), "replies": Reply.objects.count(), "changes": FieldChange.objects.count(),
        "sha256": digest.hexdigest(),
    }


def database_backup(*, dest: str) -> str:
    """SQLite: the online backup API (consistent while web and worker keep writing);
    PostgreSQL: pg_dump in custom format (restore with pg_restore)."""
    settings = connection.settings_dict
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        with sqlite3.connect(settings["NAME"]) as src, sqlite3.connect(dest) as out:
            src.backup(out)
        return dest
    if connection.vendor == "postgresql":
        if not shutil.which("pg_dump"):
            raise RuntimeError("pg_dump is not installed")
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        subprocess.run(["pg_dump", "-Fc", "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432),
                        "-U", settings.get("USER") or "postgres", "-f", dest, settings["NAME"]], check=True, env=env)
        return dest
    raise RuntimeError(f"no backup method for {connection.vendor}")
