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


def _fail(client, username, ip, xff=None):
    extra = {"REMOTE_ADDR": ip}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post("/admin/login/", {"username": username, "password": "wrong"}, **extra)


def _login_ok(client, username, password, ip, xff=None):
    extra = {"REMOTE_ADDR": ip}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    client.post("/admin/login/", {"username": username, "password": password}, **extra)
    ok = "_auth_user_id" in client.session
    client.logout()
    return ok


@pytest.mark.django_db
def test_lockout_behind_a_proxy_keys_on_the_real_client(client, django_user_model, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    django_user_model.objects.create_superuser("wangfang", "w@example.com", "right-password-123")
    proxy = "10.0.0.2"
    for _ in range(5):
        _fail(client, "wangfang", proxy, xff="203.0.113.7")  # someone else mistyping, through the proxy
    # locked for that client …
    assert not _login_ok(client, "wangfang", "right-password-123", proxy, xff="203.0.113.7")
    # … not for the real owner at another address behind the same proxy
    assert _login_ok(client, "wangfang", "right-password-123", proxy, xff="198.51.100.4")


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, django_user_model, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    django_user_model.objects.create_superuser("lina", "l@example.com", "right-password-123")
    # the attacker puts a different address on the left each time; the proxy appends the real one
    for n in range(5):
        _fail(client, "lina", "10.0.0.2", xff=f"192.0.2.{n}, 203.0.113.9")
    assert not _login_ok(client, "lina", "right-password-123", "10.0.0.2", xff="192.0.2.99, 203.0.113.9")


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_header_is_ignored(client, django_user_model, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXIES = []
    django_user_model.objects.create_superuser("zhaolei", "z@example.com", "right-password-123")
    for n in range(5):
        _fail(client, "zhaolei", "203.0.113.20", xff=f"192.0.2.{n}")
    assert not _login_ok(client, "zhaolei", "right-password-123", "203.0.113.20", xff="192.0.2.200")


@pytest.mark.django_db
def test_trusted_proxies_by_network(rf, settings):
    from feedback_archive.core.clientip import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    req = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5, 10.9.9.9")
    assert client_ip(req) == "203.0.113.5"
    # not from our proxy: the header is the client's own claim
    assert client_ip(rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.5")) == "198.51.100.1"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.1.2.3"


@pytest.mark.django_db
def test_username_alone_locks_after_the_username_limit(client, django_user_model, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 8
    django_user_model.objects.create_superuser("chenjing", "c@example.com", "right-password-123")
    for n in range(8):  # two failures each from four addresses: no address reaches 5
        _fail(client, "chenjing", "10.0.0.2", xff=f"203.0.113.{n // 2}")
    assert not _login_ok(client, "chenjing", "right-password-123", "10.0.0.2", xff="198.51.100.77")
    # another username is not affected
    django_user_model.objects.create_superuser("liuyang", "y@example.com", "right-password-123")
    assert _login_ok(client, "liuyang", "right-password-123", "10.0.0.2", xff="198.51.100.77")
