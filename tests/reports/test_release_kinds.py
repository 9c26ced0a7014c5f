"""Praise and consultation are shown apart from defects in the release review (#13 part 4), also
for items that carry only the classifier's suggestion — most items of a new release, which nobody
has confirmed yet. A praise is typed by what it praises (画质清楚 → 体验), so reading the type alone
made every praise a defect: the demo's release report listed "推荐" and "【好评】画质清楚" as defects."""
import re

import pytest

from feedback_archive.classification.models import Suggestion
from feedback_archive.classification.services import feedback_classify_many
from feedback_archive.core.actors import Actor
from feedback_archive.feedback.services import feedback_update
from feedback_archive.reports.selectors import release_report
from feedback_archive.reports.services import report_get
from feedback_archive.versions.models import Product, Release

from .helpers import at, make_problem

# problems are made here with the ORM; classification is run explicitly on the items that need it
UNDERSTAND_UP_TO = "tokens"
pytestmark = pytest.mark.django_db


@pytest.fixture
def release(make_feedback):
    product = Product.objects.create(slug="meet", name="视频会议")
    Release.objects.create(product=product, version="3.9.0", released_at=at(2026, 10, 1))
    rel = Release.objects.create(product=product, version="3.10.0", released_at=at(2026, 11, 2), install_base=40)
    made = {"n": 0}

    def fb(text, *, classify=True, day=3, channel="in_app", **labels):
        made["n"] += 1
        item = make_feedback(text, product="meet", app_version="3.10.0", channel=channel,
                             received_at=at(2026, 11, day, 10), reporter={"external_id": f"r{made['n']}"})
        if classify:  # the pipeline's classification stage: suggestions, nothing confirmed
            feedback_classify_many(feedback_ids=[item.pk])
        if labels:  # an agent confirmed these
            feedback_update(feedback_id=item.pk, actor=Actor.system(), labels=labels)
        return item

    # a praise problem: one member confirmed by an agent (typed by what it praises, as the
    # standard says), the newer one only classified; the problem's type is the members' vote
    confirmed_praise = fb("新版会议画质清楚多了，点赞", intent="praise", type="experience", channel="app_store")
    new_praise = fb("【好评】画质清楚", channel="app_store")
    praise = make_problem("会议画质清楚", [confirmed_praise, new_praise], type="experience")
    one_word = fb("推荐", channel="app_store")
    question = fb("请问会议录制的文件保存在哪里？", channel="ticket")
    crash = make_problem("一进会议就闪退", [fb("升级以后一进会议就闪退"), fb("3.10版本一开会就崩溃，重装也没用", channel="community")])
    # the classifier read this as a complaint about a function; the agent confirmed it as praise
    support = fb("客服很耐心，一步一步教我设置", intent="praise", type="experience", channel="ticket")
    # the agent first typed it as a missing function; the lead set the problem's type to 咨询
    password = make_problem("怎么设置会议密码", [fb("开会时怎么设置会议密码？找不到入口", intent="complaint", type="function")],
                            type="consultation", labels_locked=True)
    waiting = fb("今天下午三点的例会", classify=False)  # not classified yet
    return {"release": rel, "praise": praise, "new_praise": new_praise, "one_word": one_word, "question": question,
            "crash": crash, "support": support, "password": password, "waiting": waiting}


def _kinds(report):
    return {(r["problem"] and f"P{r['problem']}") or f"#{r['id']}": r["kind"] for r in report["problems"]["results"]}


def test_suggestions_are_what_the_classifier_wrote(release):
    # the premise of the bug: the newer praise carries only suggestions, and they type it as a defect
    sug = dict(Suggestion.objects.filter(feedback=release["new_praise"]).values_list("dimension__code", "label__code"))
    assert sug["intent"] == "praise" and sug["type"] in ("function", "performance", "experience")
    assert not release["new_praise"].labels.exists()


def test_praise_and_questions_are_not_defects(release):
    kinds = _kinds(release_report(release_id=release["release"].pk))
    assert kinds[f"P{release['praise'].pk}"] == "praise"  # was "defect": the problem's type 体验 won
    assert kinds[f"#{release['one_word'].pk}"] == "praise"  # suggestion only
    assert kinds[f"#{release['question'].pk}"] == "consultation"  # suggestion only
    assert kinds[f"P{release['crash'].pk}"] == "defect"  # suggestions only, no confirmed label anywhere
    assert kinds[f"#{release['support'].pk}"] == "praise"  # confirmed outranks the classifier's complaint
    assert kinds[f"P{release['password'].pk}"] == "consultation"  # the lead's type outranks the member's
    assert kinds[f"#{release['waiting'].pk}"] == "unlabelled"


def test_density_counts_only_defects(release):
    density = release_report(release_id=release["release"].pk)["release"]
    assert density["new_in_window"] == {"defect": 1, "consultation": 2, "praise": 3, "unlabelled": 1}
    assert density["per_day"] == round(1 / 14, 2) and density["per_thousand_users"] == round(1 / 40, 4)


def test_one_kind_at_a_time_through_the_api(release, api):
    rel = release["release"]
    r = api.get(f"/api/v1/reports/releases/{rel.pk}/?kind=praise&fresh=1")
    assert r.status_code == 200
    body = r.json()
    assert {p["kind"] for p in body["problems"]["results"]} == {"praise"} and body["problems"]["count"] == 3
    assert body["problem_kinds"] == {"defect": 1, "consultation": 2, "praise": 3, "unlabelled": 1}
    assert api.get(f"/api/v1/reports/releases/{rel.pk}/?kind=bug").status_code == 400


def test_admin_page_shows_each_kind_in_its_own_section(release, admin_client):
    rel = release["release"]
    html = admin_client.get(f"/admin/reports/reportsnapshot/release/{rel.pk}/?fresh=1").content.decode()
    tables = dict(re.findall(r'<table class="fa-table" data-kind="(\w+)">(.*?)</table>', html, re.S))
    assert list(tables) == ["defect", "consultation", "praise", "unlabelled"]
    assert "会议画质清楚" in tables["praise"] and "推荐" in tables["praise"] and "客服很耐心" in tables["praise"]
    assert "会议录制" in tables["consultation"] and "怎么设置会议密码" in tables["consultation"]
    assert "一进会议就闪退" in tables["defect"] and "画质" not in tables["defect"] and "推荐" not in tables["defect"]


def test_sections_page_on_their_own(release, admin_client):
    rel = release["release"]
    data = report_get(kind="release", period=str(rel.pk), fresh=True, page_size=1,
                      section_pages={"praise": 2})
    sections = {s["kind"]: s for s in data["sections"]}
    assert sections["praise"]["page"] == 2 and sections["praise"]["pages"] == 3
    assert sections["defect"]["page"] == 1 and len(sections["praise"]["results"]) == 1
    seen = set()
    for page in (1, 2, 3):
        data = report_get(kind="release", period=str(rel.pk), fresh=True, page_size=1, section_pages={"praise": page})
        seen |= {r["key"] for s in data["sections"] if s["kind"] == "praise" for r in s["results"]}
    assert len(seen) == 3
