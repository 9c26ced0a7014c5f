"""The release review in a real browser: praise and consultation are in sections of their own, not
among the defects (#13 part 4). Debian's Chromium, driven by Playwright (tests/triage/test_browser.py)."""
import pytest

from feedback_archive.classification.services import feedback_classify_many
from feedback_archive.versions.models import Product, Release
from tests.triage.test_browser import admin_login, browser_page, shot  # noqa: F401  (the shared browser fixture)

from .helpers import at

UNDERSTAND_UP_TO = "tokens"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_lead_sees_praise_apart_from_defects(browser_page, live_server, django_user_model, make_feedback):  # noqa: F811
    django_user_model.objects.create_superuser("lead", "l@example.com", "s3cret-pass")
    product = Product.objects.create(slug="meet", name="视频会议")
    rel = Release.objects.create(product=product, version="3.10.0", released_at=at(2026, 11, 2))
    items = [make_feedback(text, product="meet", app_version="3.10.0", channel=channel, received_at=at(2026, 11, 3, 10),
                           reporter={"external_id": f"b{i}"})
             for i, (text, channel) in enumerate([("推荐", "app_store"), ("【好评】画质清楚", "app_store"),
                                                  ("请问会议录制的文件保存在哪里？", "ticket"),
                                                  ("升级以后一进会议就闪退", "in_app")])]
    feedback_classify_many(feedback_ids=[i.pk for i in items])  # suggestions only: nobody confirmed them
    page = browser_page
    admin_login(page, live_server.url, "lead", "s3cret-pass", f"/admin/reports/reportsnapshot/release/{rel.pk}/?fresh=1")
    page.wait_for_selector("table[data-kind=defect]")
    defects = page.inner_text("table[data-kind=defect]")
    praise = page.inner_text("table[data-kind=praise]")
    consultation = page.inner_text("table[data-kind=consultation]")
    assert "闪退" in defects and "好评" not in defects and "推荐" not in defects
    assert "推荐" in praise and "画质清楚" in praise
    assert "会议录制" in consultation
    headings = page.locator("h3[id^=kind-]").all_inner_texts()
    assert [h.split(" ")[0] for h in headings] == ["缺陷", "咨询", "表扬"]
    shot(page, "release-report-kinds")
