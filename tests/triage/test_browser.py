"""The triage desk in a real browser: log in, filter the list, open an item, run a transition,
see it in the history. Debian's Chromium, driven by Playwright (never a downloaded browser)."""
import os
import shutil
from pathlib import Path

import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def browser_page(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        yield page
        browser.close()
        # ORM calls made while Playwright's event loop runs get their own connection (asgiref's
        # context-local storage); close it here, or PostgreSQL cannot drop the test database
        from django.db import connections

        connections.close_all()


def admin_login(page, base_url: str, username: str, password: str, next_url: str) -> None:
    """Log in through the admin's own login form, landing on `next_url`."""
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def shot(page, name):
    if os.environ.get("SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_agent_filters_opens_and_moves_an_item(browser_page, live_server, django_user_model, make_feedback):
    django_user_model.objects.create_superuser("triage", "t@example.com", "s3cret-pass")
    target = make_feedback("视频会议经常卡顿，画面一卡一卡的，对方声音也断断续续", channel="community")
    other = make_feedback("请问怎么开启消息免打扰？", channel="in_app")
    feedback_update(feedback_id=target.pk, actor=Actor.system(), labels={"type": "performance", "module": "video"})
    feedback_update(feedback_id=other.pk, actor=Actor.system(), labels={"type": "consultation", "module": "message"})
    page = browser_page

    admin_login(page, live_server.url, "triage", "s3cret-pass", "/admin/feedback/feedback/")
    page.wait_for_selector("#result_list")
    assert "反馈" in page.content()  # Chinese UI by default

    # filter by type = 性能 through the sidebar filter
    page.click("#changelist-filter a[href*='type=performance']")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "视频会议经常卡顿" in rows.first.inner_text()
    shot(page, "feedback-list")

    rows.first.locator("th a").first.click()
    page.wait_for_selector("#fa-workflow")
    page.fill("#id_fa_note", "已复现，交给音视频引擎组排查")
    page.click("button[data-transition='start']")
    page.wait_for_selector(".messagelist")
    history = page.locator("#fa-history").inner_text()
    assert "已复现，交给音视频引擎组排查" in history
    assert "处理中" in history
    assert page.locator("button[data-transition='submit']").count() == 1
    shot(page, "feedback-change")


def test_reports_and_api_docs_work_under_the_csp(browser_page, live_server, django_user_model, make_feedback):
    django_user_model.objects.create_superuser("lead", "l@example.com", "s3cret-pass")
    make_feedback("屏幕共享黑屏")
    page = browser_page
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    admin_login(page, live_server.url, "lead", "s3cret-pass", "/admin/reports/reportsnapshot/weekly/")
    page.wait_for_selector("svg.fa-chart")
    assert page.locator("svg.fa-chart").count() >= 3
    with page.expect_download() as download:
        page.locator(".fa-png").first.click()
    png = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    shot(page, "weekly-report")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20000)
    assert "Feedback Archive API" in page.inner_text(".swagger-ui .info")
    assert violations == []
