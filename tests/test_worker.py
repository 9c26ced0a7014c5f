"""A real django-q2 cluster (`manage.py qcluster`) picks up the pipeline job enqueued after a
feedback is received and classifies it — against a file database and the ORM broker, the embedded default; and
against Redis when it is reachable."""
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.worker


def _manage(env, *args, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=True)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_qcluster_classifies_new_feedback(tmp_path, broker):
    if broker == "redis" and not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    db = tmp_path / "worker.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": f"sqlite:///{db}",
           "Q_WORKERS": "1"}
    env.pop("REDIS_URL", None)
    if broker == "redis":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
        subprocess.run(["redis-cli", "-n", "15", "flushdb"], capture_output=True)
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c",
            "from feedback_archive.intake.services import feedback_receive;"
            "from feedback_archive.core.actors import Actor;"
            "feedback_receive(channel='in_app', external_id='w-1', content='语音通话有回声，对方说能听到自己的声音', actor=Actor.system())")
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, row = time.time() + 60, None
        while time.time() < deadline:
            with sqlite3.connect(db) as conn:
                row = conn.execute(
                    "SELECT f.classified_at, l.code, f.pipeline_state FROM feedback_feedback f "
                    "LEFT JOIN classification_suggestion s ON s.feedback_id = f.id "
                    "LEFT JOIN taxonomy_dimension d ON d.id = s.dimension_id AND d.code = 'module' "
                    "LEFT JOIN taxonomy_label l ON l.id = s.label_id AND d.id IS NOT NULL "
                    "WHERE f.external_id = 'w-1' AND l.code IS NOT NULL").fetchone()
            if row and row[0] and row[2] == "understood":
                break
            time.sleep(0.5)
        assert row and row[0], "the worker did not classify the feedback within 60 s"
        assert row[1] == "voice" and row[2] == "understood"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
