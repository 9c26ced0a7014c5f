"""Synthetic user-feedback corpus for demo data and load tests.

Pure standard library (no Django imports).  All text is written from original
templates in phrases.json; nothing is copied from third-party reviews.

Public API
----------
PRODUCTS                 list of {"slug", "name"}
PLATFORMS                list of platform slugs
CHANNELS                 list of channel slugs
RELEASES                 release specs, expressed relative to ``now`` (days_before_now)
releases_for(now)        concrete releases with aware ``released_at`` datetimes
generate(n, seed=7, now) list of ``n`` feedback dicts, deterministic for a seed

Each generated item carries a ``truth`` dict (type / severity / scope / module /
intent) that follows the wording of the text, so it can be used to evaluate
classifiers, plus ``target_status`` / ``resolution`` for seeding workflow state.

Planted signals:
* release spikes: more items in the days right after every release;
* a rising hot spot in the last 2 weeks: 屏幕共享黑屏 on the newest 企信会议 release;
* ~5% near-duplicates (same complaint re-posted, slightly reworded, on another channel);
* ~3% unknown client versions (e.g. "5.4.0-beta");
* one version pair whose string order differs from version order (5.9.2 / 5.10.0, 3.9.1 / 3.10.0).
"""
from __future__ import annotations

import bisect
import datetime as _dt
import math
import json
import random
from pathlib import Path

__all__ = [
    "PRODUCTS",
    "PLATFORMS",
    "CHANNELS",
    "RELEASES",
    "releases_for",
    "generate",
]

UTC = _dt.timezone.utc
CST = _dt.timezone(_dt.timedelta(hours=8), "CST")

# The phrase bank (products, releases, scenes, phrasings, the issue catalogue) is content, kept in
# phrases.json beside this module; this module is the generator that combines it.
_DATA = json.loads((Path(__file__).with_name("phrases.json")).read_text(encoding="utf-8"))
PRODUCTS = _DATA["PRODUCTS"]
PLATFORMS = _DATA["PLATFORMS"]
CHANNELS = _DATA["CHANNELS"]
RELEASES = _DATA["RELEASES"]
WINDOW_DAYS = _DATA["WINDOW_DAYS"]
HOTSPOT_ISSUE = _DATA["HOTSPOT_ISSUE"]
FREQS = _DATA["FREQS"]
SCENES = _DATA["SCENES"]
VER_CTX_ZH = _DATA["VER_CTX_ZH"]
VER_CTX_EN = _DATA["VER_CTX_EN"]
IND_MARK = _DATA["IND_MARK"]
IND_MARK_SALES = _DATA["IND_MARK_SALES"]
IND_MARK_EN = _DATA["IND_MARK_EN"]
WIDE = _DATA["WIDE"]
WIDE_SALES = _DATA["WIDE_SALES"]
WIDE_EN = _DATA["WIDE_EN"]
DETAIL_TRIED = _DATA["DETAIL_TRIED"]
DETAIL_TRIED_EN = _DATA["DETAIL_TRIED_EN"]
EMO_COMPLAINT = _DATA["EMO_COMPLAINT"]
EMO_PRAISE = _DATA["EMO_PRAISE"]
EMO_SUGGEST = _DATA["EMO_SUGGEST"]
EMO_QUESTION = _DATA["EMO_QUESTION"]
EMO_COMPLAINT_EN = _DATA["EMO_COMPLAINT_EN"]
EMO_PRAISE_EN = _DATA["EMO_PRAISE_EN"]
EMO_SUGGEST_EN = _DATA["EMO_SUGGEST_EN"]
EMO_QUESTION_EN = _DATA["EMO_QUESTION_EN"]
SLANG = _DATA["SLANG"]
SLANG_OPEN = _DATA["SLANG_OPEN"]
SLANG_PRAISE = _DATA["SLANG_PRAISE"]
EMOJI_BAD = _DATA["EMOJI_BAD"]
EMOJI_GOOD = _DATA["EMOJI_GOOD"]
HASHTAGS = _DATA["HASHTAGS"]
HASHTAGS_GOOD = _DATA["HASHTAGS_GOOD"]
SLANG_EN = _DATA["SLANG_EN"]
SLANG_PRAISE_EN = _DATA["SLANG_PRAISE_EN"]
COMMUNITY_TITLE = _DATA["COMMUNITY_TITLE"]
COMMUNITY_OPEN = _DATA["COMMUNITY_OPEN"]
COMMUNITY_CLOSE = _DATA["COMMUNITY_CLOSE"]
COMMUNITY_TITLE_Q = _DATA["COMMUNITY_TITLE_Q"]
COMMUNITY_TITLE_S = _DATA["COMMUNITY_TITLE_S"]
COMMUNITY_TITLE_P = _DATA["COMMUNITY_TITLE_P"]
APPSTORE_TITLE_BAD = _DATA["APPSTORE_TITLE_BAD"]
APPSTORE_TITLE_MID = _DATA["APPSTORE_TITLE_MID"]
APPSTORE_TITLE_GOOD = _DATA["APPSTORE_TITLE_GOOD"]
SALES_INTRO = _DATA["SALES_INTRO"]
SALES_IMPACT = _DATA["SALES_IMPACT"]
SALES_ASK = _DATA["SALES_ASK"]
_COMPANY_INDUSTRY = _DATA["_COMPANY_INDUSTRY"]
SEATS = _DATA["SEATS"]
TICKET_OPEN_ZH = _DATA["TICKET_OPEN_ZH"]
TICKET_EXPECT = _DATA["TICKET_EXPECT"]
GENERIC_STEPS = _DATA["GENERIC_STEPS"]
SURNAMES = _DATA["SURNAMES"]
GIVEN = _DATA["GIVEN"]
TITLES_ZH = _DATA["TITLES_ZH"]
NICKS = _DATA["NICKS"]
EN_NAMES = _DATA["EN_NAMES"]
SALES_NAMES = _DATA["SALES_NAMES"]
DEVICES = _DATA["DEVICES"]
DEVICES_EN = _DATA["DEVICES_EN"]
REGIONS_ZH = _DATA["REGIONS_ZH"]
REGIONS_EN = _DATA["REGIONS_EN"]
REGION_EN = _DATA["REGION_EN"]
REGION_TZ = _DATA["REGION_TZ"]
PLATFORM_CN = _DATA["PLATFORM_CN"]
_HOUR_W = _DATA["_HOUR_W"]
_TW_WORDS = _DATA["_TW_WORDS"]
_TW_PAIRS = _DATA["_TW_PAIRS"]
REWORD = _DATA["REWORD"]
ISSUES = _DATA["ISSUES"]

# Release plan, relative to ``now``.  platform "" means all platforms.
# Ascending per product; 5.9.2 < 5.10.0 and 3.9.1 < 3.10.0 although the strings sort the
# other way.  The newest meeting release is ~13 days old (the hot spot rides on it).



def _aware(now: _dt.datetime) -> _dt.datetime:
    if now.tzinfo is None or now.tzinfo.utcoffset(now) is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def releases_for(now: _dt.datetime) -> list[dict]:
    """Concrete releases relative to ``now``: released at 10:00 China time on their day."""
    now = _aware(now)
    today = now.astimezone(CST).date()
    out = []
    for r in RELEASES:
        d = today - _dt.timedelta(days=r["days_before_now"])
        at = _dt.datetime(d.year, d.month, d.day, 10, 0, tzinfo=CST).astimezone(UTC)
        out.append(
            {"product": r["product"], "platform": r["platform"], "version": r["version"], "released_at": at}
        )
    return out


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

def _s(text: str) -> list[str]:
    return [t.strip() for t in text.split("|") if t.strip()]


# (zh, en, level) - level "low" downgrades major -> normal









COMPANIES = [c for c, _ in _COMPANY_INDUSTRY]
INDUSTRY_OF = dict(_COMPANY_INDUSTRY)





# hour-of-day weights in local time (busy during office hours)
_HOUR_CUM = []
_acc = 0.0
for _w in _HOUR_W:
    _acc += _w
    _HOUR_CUM.append(_acc)
del _acc, _w

# Simplified -> Traditional (subset) for zh-TW items, plus a few Taiwan vocabulary swaps.
_TW_TABLE = str.maketrans({p[0]: p[1] for p in _TW_PAIRS.split()})


def _to_tw(text: str) -> str:
    for a, b in _TW_WORDS:
        text = text.replace(a, b)
    return text.translate(_TW_TABLE)




def _reword(rng: random.Random, text: str) -> str:
    cands = [p for p in REWORD if p[0] in text]
    rng.shuffle(cands)
    for a, b in cands[:2]:
        text = text.replace(a, b, 1)
    return text


# ---------------------------------------------------------------------------
# Issue catalogue: (module x type x intent) with zh/en wording
# ---------------------------------------------------------------------------





IM, MT, BOTH = ("im",), ("meeting",), ("im", "meeting")

# ---- IM: message -------------------------------------------------------------

# ---- IM: group ---------------------------------------------------------------

# ---- IM: file ----------------------------------------------------------------

# ---- IM: voice / video -------------------------------------------------------

# ---- both: crash / login / resource usage -----------------------------------

# ---- experience (IM + meeting shared) ---------------------------------------

# ---- meeting -----------------------------------------------------------------

_ISSUE_BY_KEY = {i["key"]: i for i in ISSUES}

_SEV_ORDER = ["minor", "normal", "major", "critical"]


def _bump(sev: str, delta: int) -> str:
    i = max(0, min(3, _SEV_ORDER.index(sev) + delta))
    return _SEV_ORDER[i]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

class _Picker:
    """Fast weighted choice with precomputed cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = []
        acc = 0.0
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def __call__(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _wchoice(rng, items, weights):
    total = sum(weights)
    x = rng.random() * total
    acc = 0.0
    for it, w in zip(items, weights):
        acc += w
        if x < acc:
            return it
    return items[-1]


_INTENT_BOOST = {"complaint": 1.0, "question": 1.6, "praise": 1.5, "suggestion": 1.5}


def _iw(i):
    w = i["w"] * _INTENT_BOOST[i["intent"]]
    return w * 1.25 if (i["type"] == "experience" and i["intent"] == "complaint") else w


_ISSUE_PICK_ZH = _Picker(ISSUES, [_iw(i) for i in ISSUES])
_EN_ISSUES = [i for i in ISSUES if i["en"]]
_ISSUE_PICK_EN = _Picker(_EN_ISSUES, [_iw(i) for i in _EN_ISSUES])

_CHANNEL_W = {
    # in_app, ticket, community, app_store, social, sales
    "complaint": [34, 16, 14, 16, 13, 7],
    "question": [40, 22, 26, 2, 4, 6],
    "suggestion": [30, 8, 30, 8, 10, 14],
    "praise": [18, 2, 10, 45, 20, 5],
}
_CHANNEL_PICK = {k: _Picker(CHANNELS, v) for k, v in _CHANNEL_W.items()}
_CHANNEL_PLATS = {
    "in_app": (PLATFORMS, [30, 28, 22, 12, 8]),
    "ticket": (PLATFORMS, [15, 15, 40, 15, 15]),
    "community": (PLATFORMS, [20, 22, 30, 14, 14]),
    "app_store": (["ios", "android", "macos"], [48, 44, 8]),
    "social": (PLATFORMS, [40, 36, 12, 8, 4]),
    "sales": (PLATFORMS, [15, 12, 45, 18, 10]),
}


def _hour(rng):
    return bisect.bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])


def _pick_time(rng, day_fn, lo, hi, tz_hours=8):
    """Sample an aware UTC datetime in [lo, hi]: weekdays busier, office hours busier."""
    tz = CST if tz_hours == 8 else _dt.timezone(_dt.timedelta(hours=tz_hours))
    for _ in range(40):
        d = day_fn()
        if d.weekday() >= 5 and rng.random() > 0.42:
            continue
        h = min(23, _hour(rng))
        dt = _dt.datetime(d.year, d.month, d.day, h, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        if lo <= dt <= hi:
            return dt.astimezone(UTC)
    span = (hi - lo).total_seconds()
    return (lo + _dt.timedelta(seconds=rng.random() * span)).astimezone(UTC)


def _build_no(version: str, platform: str) -> int:
    parts = [int(p) for p in version.split(".")]
    base = 1000 + parts[1] * 173 + parts[2] * 29
    return base + 7 * PLATFORMS.index(platform)


def _raw_version(rng, version: str, platform: str) -> str:
    b = _build_no(version, platform)
    r = rng.random()
    if version.endswith(".0") and r < 0.06:
        return ("V" if rng.random() < 0.6 else "v") + version[:-2]
    if platform == "ios":
        return _wchoice(rng, [version, f"{version} ({b})", f"v{version} ({b})"], [4, 4, 2])
    if platform == "android":
        return _wchoice(rng, [f"{version}.{b}", version, f"v{version}", f"V{version}"], [5, 3, 1, 1])
    if platform == "windows":
        return _wchoice(rng, [f"{version}.{b}", f"V{version}", f"v{version} ({b})", version], [5, 2, 2, 1])
    if platform == "macos":
        return _wchoice(rng, [f"{version} ({b})", version, f"v{version}"], [5, 3, 1])
    return _wchoice(rng, [version, f"web-{version}", f"v{version}"], [5, 3, 2])


def _unknown_version(rng, version: str, known: set) -> str:
    maj, mi, pa = (int(x) for x in version.split("."))
    for cand in (f"{maj}.{mi + 1}.0-beta", f"{maj}.{mi}.{pa + 1}-beta", f"{maj}.{mi + 1}.0-rc{rng.randint(1, 3)}",
                 f"{maj}.{mi}.{pa + 2}-dev"):
        if not any(k in cand for k in known):
            return cand
    return f"{maj}.{mi}.{pa}9-beta"


# ---------------------------------------------------------------------------
# Reporters
# ---------------------------------------------------------------------------

class _Reporters:
    def __init__(self, rng):
        self.rng = rng
        self.pool: dict[tuple, list] = {}
        self.seq = 0

    def get(self, channel: str, locale: str, name_hint: str | None = None) -> dict:
        rng = self.rng
        key = (channel, locale)
        pool = self.pool.setdefault(key, [])
        if name_hint is None and pool and rng.random() < (0.55 if channel == "sales" else 0.2):
            return dict(rng.choice(pool))
        self.seq += 1
        n = self.seq
        en = locale == "en-US"
        if name_hint:
            name = name_hint
        elif channel == "sales":
            name = (rng.choice(["Kevin", "Grace", "Jason", "Vivian"]) if en
                    else rng.choice(SALES_NAMES) + rng.choice(["经理", "总监", "顾问"]))
        elif en:
            name = rng.choice(EN_NAMES)
        elif channel in ("social", "app_store", "community") and rng.random() < 0.75:
            name = rng.choice(NICKS) + (str(rng.randint(1, 999)) if rng.random() < 0.5 else "")
        elif rng.random() < 0.7:
            name = rng.choice(SURNAMES) + rng.choice(TITLES_ZH)
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if channel == "in_app":
            ext = f"u{100000 + n * 37 % 900000:06d}"
        elif channel == "ticket":
            ext = f"cust-{10000 + n:05d}"
        elif channel == "community":
            ext = f"bbs_{n:05d}"
        elif channel == "app_store":
            ext = f"as_{(n * 2654435761) % (1 << 32):08x}"
        elif channel == "social":
            ext = f"weibo_{(n * 40503) % 10 ** 9:09d}"
        else:
            ext = f"sales-{n % 900 + 100}"
        r = rng.random()
        if channel == "sales":
            contact = f"sales{n % 900 + 100}@qixin.example.com"
        elif channel == "social":
            contact = "@" + (name.replace(" ", "_") if en else f"qx_fan{n}")
        elif r < 0.45 or en:
            contact = f"user{n:05d}@{rng.choice(['example.com', 'corp.example.cn', 'mail.example.net'])}"
        elif r < 0.8:
            contact = f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        else:
            contact = f"qx_{n:06d}"
        rep = {"external_id": ext, "name": name, "contact": contact}
        pool.append(rep)
        return dict(rep)


# ---------------------------------------------------------------------------
# Text rendering
# ---------------------------------------------------------------------------

def _end(text: str, mark: str = "。") -> str:
    if text and text[-1] in "。！？!?~～）)":
        return text
    return text + mark


def _strip_end(text: str) -> str:
    while text and text[-1] in "。！？!?，,":
        text = text[:-1]
    return text


def _ctx_zh(rng, spec):
    if spec["scope"] == "release" and spec["mention"]:
        return rng.choice(VER_CTX_ZH).format(v=spec["mention"])
    if spec["scope"] == "scenario" and spec["scene"]:
        return rng.choice(SCENES[spec["scene"]][0])
    return ""


def _ctx_en(rng, spec):
    if spec["scope"] == "release" and spec["mention"]:
        return rng.choice(VER_CTX_EN).format(v=spec["mention"])
    if spec["scope"] == "scenario" and spec["scene"]:
        return rng.choice(SCENES[spec["scene"]][1])
    return ""


def _render_zh(rng, spec, channel, reword=False):
    iss = spec["issue"]
    intent = iss["intent"]
    pname = spec["pname"]
    core = spec["core"].replace("{freq}", spec["freq"][0])
    if reword:
        core = _reword(rng, core)
    if channel == "sales":
        core = core.replace("我们", "他们").replace("我", "客户")
    is_q = core.endswith("？")
    ctx = _ctx_zh(rng, spec)
    main = ctx + core
    sales = channel == "sales"
    extras = []
    if spec["marker"] == "individual":
        extras.append(rng.choice(IND_MARK_SALES if sales else IND_MARK))
    elif spec["marker"] == "widespread":
        extras.append(rng.choice(WIDE_SALES if sales else WIDE))
    if (intent == "complaint" and not iss["false_report"] and iss["type"] in ("function", "performance")
            and rng.random() < 0.35):
        extras.append(rng.choice(DETAIL_TRIED))
    if is_q:
        body = main + ("".join(_end(e) for e in extras) if extras else "")
    else:
        body = _end("，".join([main] + extras))
    device = spec["device"]
    title_core = rng.choice(iss["titles"])
    title = ""

    emo_list = {"complaint": EMO_COMPLAINT, "praise": EMO_PRAISE, "suggestion": EMO_SUGGEST,
                "question": EMO_QUESTION}[intent]

    if channel == "in_app":
        greet = _wchoice(rng, ["", "你好，", "您好，", "反馈一个问题：", "hi，", "【意见反馈】"], [8, 2, 2, 1, 1, 1])
        if intent != "complaint" and greet == "反馈一个问题：":
            greet = ""
        parts = [greet + body]
        if rng.random() < 0.25:
            parts.append(f"设备是{device}。")
        if rng.random() < 0.6:
            parts.append(_end(rng.choice(emo_list), rng.choice(["。", "！", ""])))
        content = "".join(parts)
    elif channel == "ticket":
        prefix = _wchoice(rng, ["", f"【{pname}】", f"【{PLATFORM_CN[spec['platform']]}】", "[紧急] "],
                          [3, 3, 2, 1 if spec["sev"] == "critical" else 0])
        title = prefix + title_core
        opening = rng.choice(TICKET_OPEN_ZH).format(company=spec["company"])
        env = f"{device}，{spec['network']}，客户端版本 {spec['app_version']}"
        if intent in ("complaint",) and not is_q and rng.random() < 0.7:
            steps = rng.choice(iss["steps"] or GENERIC_STEPS[iss["module"]])
            step_txt = "\n".join(f"{k}. {s.format(pname=pname)}" for k, s in enumerate(steps, 1))
            exp = rng.choice(TICKET_EXPECT[iss["module"]])
            if rng.random() < 0.5:
                head = (opening[:-1] + "。\n") if opening.endswith("，") else (opening + "\n" if opening else "")
                content = (f"{head}问题描述：{body}\n复现步骤：\n{step_txt}\n预期结果：{exp}\n"
                           f"实际结果：{_strip_end(core)}\n环境信息：{env}\n{_end(rng.choice(emo_list))}")
            else:
                content = (f"{opening}{body}\n复现步骤：{'；'.join(f'{k}. {s.format(pname=pname)}' for k, s in enumerate(steps, 1))}\n"
                           f"出现频率：{spec['freq'][0] or '稳定复现'}。影响人数：{rng.choice(['1人', '约10人', '几十人', '整个部门', '未知'])}。\n"
                           f"环境：{env}。{_end(rng.choice(emo_list))}")
        elif intent == "complaint":
            content = (f"{opening}{body}\n{rng.choice(['影响范围：', '涉及人数：'])}"
                       f"{rng.choice(['个别同事', '约10人', '几十人', '整个部门', '暂不清楚'])}。{_end(rng.choice(emo_list))}\n环境：{env}")
        else:
            need = rng.choice(["我们有同事在问", "新员工入职培训要用", "领导让我整理一下操作说明", "客户那边需要", "准备全员推广"])
            content = (f"{opening}{body}\n{need}，{rng.choice(['麻烦告知具体操作步骤', '请给一个说明', '辛苦回复', '请评估一下'])}，谢谢。\n"
                       f"环境：{env}")
    elif channel == "community":
        if intent == "question":
            tpl = rng.choice(COMMUNITY_TITLE_Q)
        elif intent == "suggestion":
            tpl = rng.choice(COMMUNITY_TITLE_S)
        elif intent == "praise":
            tpl = rng.choice(COMMUNITY_TITLE_P)
        else:
            tpl = rng.choice(COMMUNITY_TITLE)
        title = tpl.format(t=title_core)
        opening = rng.choice(COMMUNITY_OPEN) if intent in ("complaint", "question") else ""
        mid = f"楼主用的是{device}，" if rng.random() < 0.3 else ""
        close = rng.choice(COMMUNITY_CLOSE) if intent == "complaint" else rng.choice(emo_list)
        content = f"{opening}{mid}{body}{_end(close, rng.choice(['。', '！', '']))}"
    elif channel == "app_store":
        if intent == "praise":
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_GOOD), title_core], [2, 1])
        elif intent in ("suggestion", "question"):
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_MID), title_core], [2, 1])
        else:
            title = _wchoice(rng, [rng.choice(APPSTORE_TITLE_BAD), title_core], [1, 2])
        if rng.random() < 0.45:
            content = _end(_strip_end(main), rng.choice(["！", "。", "", "!!"]))
        else:
            content = body + _end(rng.choice(emo_list), rng.choice(["！", "", "。"]))
    elif channel == "social":
        tag = rng.choice(HASHTAGS)
        mention = rng.choice(["@企信 ", "@企信官方 ", "", ""])
        if intent == "praise":
            content = f"{rng.choice(HASHTAGS_GOOD)}{mention}{_strip_end(body)}，{rng.choice(SLANG_PRAISE)}{rng.choice(EMOJI_GOOD)}{rng.choice(EMOJI_GOOD)}"
        elif intent == "complaint":
            content = (f"{tag}{rng.choice(SLANG_OPEN)}{mention}{_strip_end(body)}，{rng.choice(SLANG)}"
                       f"{rng.choice(EMOJI_BAD)}{rng.choice(EMOJI_BAD) if rng.random() < 0.4 else ''}")
        else:
            content = f"{tag}{mention}{body}{rng.choice(['有没有人知道', '求助', '许个愿', ''])}{rng.choice(['🙏', '🤔', '', '😂'])}"
    else:  # sales
        intro = rng.choice(SALES_INTRO).format(company=spec["company"], industry=INDUSTRY_OF[spec["company"]],
                                               seats=rng.choice(SEATS))
        if intent == "praise":
            content = f"{intro}{_strip_end(body)}，对{rng.choice(['新版本', '这次更新', '我们的服务'])}很满意，续约意向比较强。"
        elif intent == "suggestion":
            content = f"{intro}提了一个需求：{_strip_end(body)}。这个对他们比较重要，{rng.choice(SALES_ASK)}"
        elif intent == "question":
            content = f"{intro}咨询：{body}麻烦给一个标准答复，我好转达。"
        else:
            content = f"{intro}{body}{rng.choice(SALES_IMPACT)}{rng.choice(SALES_ASK)}"
    return title, content


def _lower_first(s: str) -> str:
    if s.startswith(("I ", "I'", "Excel", "Bluetooth", "PowerPoint", "Markdown", "PDF", "SSO")):
        return s
    if len(s) > 1 and s[0].isupper() and not s[1].isupper():
        return s[0].lower() + s[1:]
    return s


def _render_en(rng, spec, channel, reword=False):
    iss = spec["issue"]
    intent = iss["intent"]
    core = spec["core"]
    if reword:
        core = core.replace("keeps", "keep on").replace("really", "seriously").replace("Can't", "Cannot")
    ctx = _ctx_en(rng, spec)
    q = core.endswith("?")
    tech = iss["type"] in ("function", "performance") and not iss["false_report"]
    freq = spec["freq"][1] if (intent == "complaint" and not q and tech) else ""
    main = (ctx + " " + _lower_first(core) if ctx else core)
    main = main if q else main.rstrip(".") + "."
    extras = [freq] if freq else []
    if spec["marker"] == "individual":
        extras.append(rng.choice(IND_MARK_EN))
    elif spec["marker"] == "widespread":
        extras.append(rng.choice(WIDE_EN))
    if intent == "complaint" and not q and tech and rng.random() < 0.3:
        extras.append(rng.choice(DETAIL_TRIED_EN))
    body = " ".join([main] + extras)
    emo = rng.choice({"complaint": EMO_COMPLAINT_EN, "praise": EMO_PRAISE_EN, "suggestion": EMO_SUGGEST_EN,
                      "question": EMO_QUESTION_EN}[intent])
    title_core = rng.choice(iss["en_titles"]) if iss["en_titles"] else core.rstrip("?.")[:40]
    title = ""
    if channel == "in_app":
        content = body + (" " + emo if rng.random() < 0.6 else "")
    elif channel == "ticket":
        title = ("[Meeting] " if spec["product"] == "meeting" else "[IM] ") + title_core
        if intent == "complaint" and not q:
            content = (f"Description: {body}\nSteps to reproduce:\n1. Open the app and sign in\n"
                       f"2. {rng.choice(['Go to the affected screen', 'Start or join a meeting' if spec['product'] == 'meeting' else 'Open any chat'])}\n"
                       f"3. Observe the issue\nEnvironment: {spec['device']}, {spec['network']}, version {spec['app_version']}\n{emo}")
        else:
            content = f"Hi team, {_lower_first(body)} {emo}\nEnvironment: {spec['device']}, {spec['app_version']}"
    elif channel == "community":
        title = rng.choice([f"{title_core}?", f"Anyone else: {title_core}", f"[Help] {title_core}", title_core])
        greet = rng.choice(['Hi all, ', 'Hey, ', '', 'Quick question: '])
        content = f"{greet}{_lower_first(body) if greet else body} {emo}"
    elif channel == "app_store":
        title = title_core
        content = body if rng.random() < 0.5 else f"{body} {emo}"
    elif channel == "social":
        mention = rng.choice(["@QixinApp ", "@Qixin_Support ", ""])
        if intent == "praise":
            content = f"{mention}{body} {rng.choice(SLANG_PRAISE_EN)} {rng.choice(EMOJI_GOOD)}"
        elif intent == "complaint":
            content = f"{mention}{body} {rng.choice(SLANG_EN)} {rng.choice(EMOJI_BAD)}"
        else:
            content = f"{mention}{body} {rng.choice(['🙏', '🤔', ''])}"
    else:
        content = (f"Customer feedback from a {rng.choice(['bank', 'logistics company', 'retail chain', 'hospital group', 'law firm'])} "
                   f"in {REGION_EN.get(spec['region'], 'APAC')} (~{rng.choice(SEATS)} seats): {body} "
                   f"{rng.choice(['Could product take a look?', 'Please advise, renewal is coming up.', 'Thanks for following up.'])}")
    return title, content.strip()


def _render(rng, spec, channel, reword=False):
    if spec["locale"] == "en-US":
        return _render_en(rng, spec, channel, reword)
    title, content = _render_zh(rng, spec, channel, reword)
    if spec["locale"] == "zh-TW":
        title, content = _to_tw(title), _to_tw(content)
    return title, content


# ---------------------------------------------------------------------------
# Workflow state
# ---------------------------------------------------------------------------

def _status(rng, age_days: float, iss: dict, hot: bool) -> str:
    if hot:
        return _wchoice(rng, ["pending", "in_progress", "verifying"], [45, 45, 10])
    if age_days < 3:
        w = [72, 24, 3, 1]
    elif age_days < 14:
        w = [55, 30, 9, 6]
    elif age_days < 45:
        w = [50, 22, 10, 18]
    elif age_days < 90:
        w = [56, 14, 6, 24]
    else:
        w = [45, 5, 2, 48]
    if iss["intent"] in ("question", "praise") or iss["false_report"]:
        # answered quickly or acknowledged; no engineering work in between
        w = [w[0], w[1] * 0.2, 0, w[3] * 1.2]
    return _wchoice(rng, ["pending", "in_progress", "verifying", "closed"], w)


def _resolution(rng, iss: dict, scope: str, dup: bool) -> str:
    if dup and rng.random() < 0.8:
        return "duplicate"
    typ, intent = iss["type"], iss["intent"]
    if iss["false_report"]:
        return _wchoice(rng, ["answered", "not_reproducible", "duplicate"], [70, 22, 8])
    if typ == "consultation" or intent in ("question", "praise"):
        return _wchoice(rng, ["answered", "duplicate"], [90, 10])
    if intent == "suggestion":
        return _wchoice(rng, ["wont_fix", "fixed", "duplicate", "answered"], [45, 30, 15, 10])
    if typ in ("function", "performance"):
        nr = 30 if scope == "individual" else 12
        return _wchoice(rng, ["fixed", "not_reproducible", "duplicate", "wont_fix"], [62, nr, 15, 8])
    return _wchoice(rng, ["fixed", "wont_fix", "duplicate", "answered"], [40, 30, 15, 15])


def _rating(rng, intent: str, sev: str):
    if intent == "praise":
        return _wchoice(rng, [5, 4], [85, 15])
    if intent == "suggestion":
        return _wchoice(rng, [3, 4, 5], [40, 45, 15])
    if intent == "question":
        return _wchoice(rng, [2, 3, 4], [25, 50, 25])
    if sev == "critical":
        return _wchoice(rng, [1, 2], [85, 15])
    if sev == "major":
        return _wchoice(rng, [1, 2, 3], [60, 30, 10])
    if sev == "normal":
        return _wchoice(rng, [1, 2, 3], [30, 45, 25])
    return _wchoice(rng, [2, 3, 4], [35, 45, 20])


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

def _network(rng, platform, scene):
    if scene == "weak":
        return "弱网"
    if platform in ("ios", "android"):
        return _wchoice(rng, ["wifi", "4G", "5G", "弱网"], [50, 20, 25, 5])
    return _wchoice(rng, ["wifi", "有线", "弱网"], [60, 37, 3])


def generate(n: int, *, seed: int = 7, now: _dt.datetime) -> list[dict]:
    """``n`` believable feedback items (dicts, see module docstring), deterministic for a seed."""
    if n <= 0:
        return []
    now = _aware(now)
    rng = random.Random(seed)
    rels = releases_for(now)
    by_prod = {p["slug"]: [r for r in rels if r["product"] == p["slug"]] for p in PRODUCTS}
    known = {p: {r["version"] for r in rs} for p, rs in by_prod.items()}
    pnames = {p["slug"]: p["name"] for p in PRODUCTS}
    lo = now - _dt.timedelta(days=WINDOW_DAYS)
    today = now.astimezone(CST).date()
    spike_rels = [r for r in rels if lo <= r["released_at"] <= now]
    newest_meeting = by_prod["meeting"][-1]
    hot_lo = max(newest_meeting["released_at"], now - _dt.timedelta(days=14))
    hot_day0 = hot_lo.astimezone(CST).date()
    hot_span = (today - hot_day0).days
    reporters = _Reporters(rng)
    hot_issue = _ISSUE_BY_KEY[HOTSPOT_ISSUE]

    n_dup = int(round(n * 0.05)) if n >= 20 else 0
    items: list[dict] = []

    def uniform_day():
        return today - _dt.timedelta(days=rng.randrange(WINDOW_DAYS + 1))

    for _ in range(n - n_dup):
        r = rng.random()
        locale = "en-US" if r < 0.08 else ("zh-TW" if r < 0.10 else "zh-CN")
        en = locale == "en-US"
        if en:
            region = _wchoice(rng, *REGIONS_EN)
        elif locale == "zh-TW":
            region = "港澳台"
        else:
            region = _wchoice(rng, *REGIONS_ZH)
        tzh = REGION_TZ.get(region, 8)

        mode = rng.random()
        hot = mode < 0.025
        if hot:
            iss, product = hot_issue, "meeting"
        else:
            iss = (_ISSUE_PICK_EN if en else _ISSUE_PICK_ZH)(rng)
            product = iss["products"][0] if len(iss["products"]) == 1 else _wchoice(rng, ["im", "meeting"], [62, 38])
        prels = by_prod[product]

        # time + version
        if hot:
            def hot_day():
                return hot_day0 + _dt.timedelta(days=min(hot_span, int((hot_span + 1) * math.sqrt(rng.random()))))
            t = _pick_time(rng, hot_day, hot_lo, now, tzh)
            rel = newest_meeting
        elif mode < 0.30 and spike_rels:
            cands = [x for x in spike_rels if x["product"] == product] or spike_rels
            rel0 = rng.choice(cands)
            d0 = rel0["released_at"].astimezone(CST).date()

            def spike_day(d0=d0):
                return d0 + _dt.timedelta(days=min(20, int(rng.expovariate(1 / 2.5))))
            t = _pick_time(rng, spike_day, rel0["released_at"], now, tzh)
            rel = rel0
            if rel0["product"] != product:
                avail = [x for x in prels if x["released_at"] <= t]
                rel = avail[-1]
            elif rng.random() < 0.15:
                avail = [x for x in prels if x["released_at"] <= t]
                rel = rng.choice(avail[-3:])
        else:
            t = _pick_time(rng, uniform_day, lo, now, tzh)
            avail = [x for x in prels if x["released_at"] <= t] or prels[:1]
            tail = avail[-5:][::-1]
            rel = _wchoice(rng, tail, [6, 2.5, 1, 0.6, 0.4][: len(tail)])
        version = rel["version"]

        # channel / platform
        channel = _CHANNEL_PICK[iss["intent"]](rng)
        if hot and channel == "app_store":
            channel = "in_app"
        plats, pw = _CHANNEL_PLATS[channel]
        if iss["plats"]:
            allowed = [(p, w) for p, w in zip(plats, pw) if p in iss["plats"]]
            if not allowed:
                channel = "in_app"
                plats, pw = _CHANNEL_PLATS[channel]
                allowed = [(p, w) for p, w in zip(plats, pw) if p in iss["plats"]]
            plats, pw = [a[0] for a in allowed], [a[1] for a in allowed]
        if product == "meeting":
            pw = [w * (1.8 if p in ("windows", "macos") else 1.0) for p, w in zip(plats, pw)]
        platform = _wchoice(rng, plats, pw)

        # app_version (3% deliberately unknown)
        if rng.random() < 0.03:
            app_version = _unknown_version(rng, version, known[product])
            mention = app_version
        else:
            app_version = _raw_version(rng, version, platform)
            mention = version

        # scope (truth follows the text by construction)
        intent = iss["intent"]
        scenes = iss["scenes"]
        if iss["force_scope"] == "scenario":
            scope = "scenario"
        elif hot:
            scope = "release" if rng.random() < 0.8 else "scenario"
        elif intent == "complaint":
            scope = _wchoice(rng, ["release", "scenario", "individual"], [35, 32 if scenes else 0, 33])
        elif intent == "praise":
            scope = "release" if rng.random() < 0.4 else "individual"
        elif intent == "suggestion":
            scope = "scenario" if scenes and rng.random() < 0.25 else "individual"
        else:
            scope = "individual"
        scene = rng.choice(scenes) if (scope == "scenario" and scenes) else ""
        if scope == "scenario" and not scene:
            scope = "individual"

        core = rng.choice(iss["en"] if en else iss["cores"])
        freq = rng.choice(FREQS)
        if not en and "{freq}" not in core:
            freq = ("", freq[1], freq[2])
        sev = iss["sev"]
        if intent == "complaint" and not iss["false_report"]:
            if sev == "major" and freq[2] == "low" and (freq[0] if not en else freq[1]):
                sev = "normal"
        marker = ""
        if intent == "complaint" and not iss["false_report"]:
            if scope == "individual" and rng.random() < 0.55:
                marker = "individual"
            elif scope != "individual" and iss["type"] in ("function", "performance") and rng.random() < 0.2:
                marker = "widespread"
                sev = _bump(sev, 1)
        if not en and sev != "critical" and ("闪退" in core or "无法登录" in core or "入不了会" in core):
            sev = "critical"
        if en and sev != "critical" and ("crash" in core or "Can't log in" in core or "Can't join" in core):
            sev = "critical"

        dev_map = DEVICES_EN if en else DEVICES
        device = rng.choice(dev_map[platform])
        network = _network(rng, platform, scene)
        spec = {
            "issue": iss, "locale": locale, "core": core, "freq": freq, "scope": scope, "scene": scene,
            "mention": mention, "marker": marker, "sev": sev, "device": device, "network": network,
            "platform": platform, "product": product, "pname": pnames[product], "app_version": app_version,
            "company": rng.choice(COMPANIES), "region": region,
        }
        title, content = _render(rng, spec, channel)

        age = (now - t).total_seconds() / 86400.0
        status = _status(rng, age, iss, hot)
        resolution = _resolution(rng, iss, scope, False) if status == "closed" else ""
        items.append({
            "channel": channel,
            "external_id": "",
            "title": title,
            "content": content,
            "reporter": reporters.get(channel, locale),
            "product": product,
            "platform": platform,
            "app_version": app_version,
            "received_at": t,
            "locale": locale,
            "rating": _rating(rng, intent, sev) if channel == "app_store" else None,
            "metadata": {"device": device, "network": network, "region": region},
            "truth": {"type": iss["type"], "severity": sev, "scope": scope, "module": iss["module"], "intent": intent},
            "target_status": status,
            "resolution": resolution,
            "_spec": spec,
        })

    # near-duplicates: same complaint re-posted (slightly reworded) on another channel
    originals = [it for it in items if it["truth"]["intent"] == "complaint"] or items
    swap = {"community": ["social", "app_store", "in_app"], "social": ["community", "app_store"],
            "in_app": ["community", "social", "ticket"], "app_store": ["social", "community"],
            "ticket": ["community", "in_app"], "sales": ["ticket", "in_app"]}
    for _ in range(n_dup):
        orig = rng.choice(originals)
        spec = orig["_spec"]
        channel = rng.choice(swap[orig["channel"]])
        if channel == "app_store" and spec["platform"] not in ("ios", "android", "macos"):
            channel = "community"
        title, content = _render(rng, spec, channel, reword=True)
        t = orig["received_at"] + _dt.timedelta(minutes=rng.randint(20, 60 * 48))
        if t > now:
            t = orig["received_at"] + (now - orig["received_at"]) * rng.random()
        iss = spec["issue"]
        age = (now - t).total_seconds() / 86400.0
        status = orig["target_status"] if rng.random() < 0.6 else _status(rng, age, iss, False)
        resolution = _resolution(rng, iss, spec["scope"], True) if status == "closed" else ""
        same_person = rng.random() < 0.6
        rep = reporters.get(channel, spec["locale"], orig["reporter"]["name"] if same_person else None)
        items.append({
            "channel": channel,
            "external_id": "",
            "title": title,
            "content": content,
            "reporter": rep,
            "product": orig["product"],
            "platform": orig["platform"],
            "app_version": orig["app_version"],
            "received_at": t,
            "locale": orig["locale"],
            "rating": _rating(rng, iss["intent"], spec["sev"]) if channel == "app_store" else None,
            "metadata": dict(orig["metadata"]),
            "truth": dict(orig["truth"]),
            "target_status": status,
            "resolution": resolution,
            "_spec": spec,
        })

    items.sort(key=lambda it: it["received_at"])
    counters = dict.fromkeys(CHANNELS, 0)
    for it in items:
        counters[it["channel"]] += 1
        it["external_id"] = f"{it['channel']}-{counters[it['channel']]:06d}"
        it["issue"] = it.pop("_spec")["issue"]["key"]  # the demo's own ground truth (bench/demo_grouping.py)
    return items
