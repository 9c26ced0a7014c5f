"""A batch run on a real `qcluster` (ORM broker, file SQLite): the worker is SIGKILLed mid-run,
a new worker continues from the last processed id, and nothing is counted twice."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker

SETUP = """
from django_q.models import OrmQ
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_create
phrases = ['群文件下载失败', '视频会议黑屏', '语音通话有回声', '消息延迟很久才到', '希望加个定时发送', '@所有人没提醒']
for i in range(200):
    feedback_create(channel='in_app', external_id=f'run-{i}', content=f'{phrases[i % 6]}（第{i}次）', actor=Actor.system())
OrmQ.objects.all().delete()
"""
START = """
from feedback_archive.classification.services import classification_run_start
from feedback_archive.core.actors import Actor
classification_run_start(actor=Actor.system(), chunk_size=20)
"""
RESUME = """
from feedback_archive.classification.models import ClassificationRun
from feedback_archive.classification.services import classification_run_resume
from feedback_archive.core.actors import Actor
classification_run_resume(run=ClassificationRun.objects.get(), actor=Actor.system())
"""


def _manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)


def _run_row(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT status, done, last_id, total FROM classification_classificationrun").fetchone()


def _worker(env):
    return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=15)


def test_killed_worker_run_resumes(tmp_path):
    db = tmp_path / "run.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": f"sqlite:///{db}", "Q_WORKERS": "1"}
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c", SETUP)
    _manage(env, "shell", "-c", START)
    worker = _worker(env)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and (_run_row(db)[1] < 40):
            time.sleep(0.05)
    finally:
        _kill(worker)  # SIGKILL the whole cluster: no clean shutdown
    status, done, last_id, total = _run_row(db)
    assert total == 200 and 40 <= done < 200, f"kill landed at {done}"
    assert status == "running" and done % 20 == 0

    _manage(env, "shell", "-c", RESUME)
    worker = _worker(env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and _run_row(db)[0] != "done":
            time.sleep(0.3)
    finally:
        _kill(worker)
    status, done, last_id, total = _run_row(db)
    assert (status, done, total) == ("done", 200, 200)
    with sqlite3.connect(db) as conn:
        missing = conn.execute("SELECT COUNT(*) FROM feedback_feedback WHERE classified_at IS NULL").fetchone()[0]
        per_dim = conn.execute("SELECT COUNT(*) FROM classification_suggestion s JOIN taxonomy_dimension d "
                               "ON d.id = s.dimension_id WHERE d.code = 'module'").fetchone()[0]
    assert missing == 0 and per_dim == 200
