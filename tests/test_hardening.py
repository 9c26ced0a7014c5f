"""Production settings pass the deploy check; the CSP, login lockout, 503 on a database outage
and escaping of user text hold."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from feedback_archive.feedback.models import Feedback

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.prod",
           "SECRET_KEY": "k" * 20 + "-Zq8#x!vR2@pL5^nW7&tY1*cB4(mE6)gH9", "ALLOWED_HOSTS": "feedback.example.com"}
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": ""}
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts(admin_client, make_feedback):
    fb = make_feedback()
    for url in ["/admin/", "/admin/feedback/feedback/", f"/admin/feedback/feedback/{fb.pk}/change/",
                "/admin/reports/reportsnapshot/weekly/", "/api/v1/docs/"]:
        r = admin_client.get(url)
        assert "script-src 'self'" in r["Content-Security-Policy"], url
        html = r.content.decode()
        inline = [m for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S) if m.strip()]
        assert inline == [] or all("application/json" in s for s in re.findall(r"<script[^>]*>", html) if "src=" not in s), url
        assert not re.search(r"\son(click|load|submit|change)=", html), url


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_superuser("triage", "t@example.com", "right-password-123")
    for _ in range(5):
        client.post("/admin/login/", {"username": "triage", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "triage", "password": "right-password-123"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_database_outage_gives_503_and_writes_nothing(api, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("feedback_archive.api.views.feedback_receive", unavailable)
    r = api.post("/api/v1/feedback/", {"channel": "in_app", "content": "消息发不出去"}, format="json")
    assert r.status_code == 503 and r["Retry-After"]
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_user_text_is_data_not_markup_in_api_and_reports(api, admin_client, make_feedback):
    evil = "<img src=x onerror=alert(1)>群文件打不开"
    fb = make_feedback(evil, title="<script>alert(1)</script>")
    assert api.get(f"/api/v1/feedback/{fb.pk}/").json()["content"] == evil
    page = admin_client.get("/admin/feedback/feedback/?q=群文件").content.decode()
    assert "<img src=x" not in page and "<script>alert(1)</script>" not in page
