"""Channel adapters: the shapes each source really produces, turned into keyword arguments for
`feedback_create`. Pure functions (no database): a bad row gives row-level errors, never an
exception, so one typo in a 20,000-row export costs one row, not the import.

Every item gets an external_id — the source's own id where it has one, otherwise a hash of the
row's content — so importing the same file twice stores nothing twice."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": str(self.message)}


@dataclass
class Adapted:
    """One source row: zero (blank row), one, or several (a merged sales note) feedback items."""

    row: int
    items: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.items and not self.errors


# --- helpers -----------------------------------------------------------------------------------
def norm_key(key) -> str:
    """'Rating (Stars)' → 'ratingstars', '\ufeff评分 ' → '评分': header variants compare equal."""
    return re.sub(r"[\s_\-()（）/:：.\ufeff]+", "", str(key or "")).lower()


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(norm_key(n) for n in names)


def _pick(record: dict, aliases: tuple[str, ...]):
    for alias in aliases:
        value = record.get(alias)
        if value not in (None, ""):
            return value.strip() if isinstance(value, str) else value
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns the id 1024 into 1024.0
    return str(value).strip()


def derive_id(prefix: str, *parts) -> str:
    """A stable id for rows whose source gives none: same content → same id on every re-import."""
    canon = "\x1f".join(re.sub(r"\s+", " ", _text(p)) for p in parts)
    return f"{prefix}-{hashlib.sha1(canon.encode()).hexdigest()[:20]}"


_PLATFORMS = {
    "ios": "ios", "iphone": "ios", "ipad": "ios", "appstore": "ios", "苹果": "ios",
    "android": "android", "安卓": "android", "googleplay": "android", "华为": "android", "小米": "android",
    "harmonyos": "harmonyos", "鸿蒙": "harmonyos",
    "windows": "windows", "win": "windows", "pc": "windows", "电脑": "windows",
    "macos": "macos", "mac": "macos", "web": "web", "网页": "web", "网页版": "web", "linux": "linux",
}


def normalise_platform(value) -> str:
    raw = norm_key(value)
    return _PLATFORMS.get(raw, raw[:20])


# Territory (store front) → locale. Unknown territories keep the territory in metadata only.
_TERRITORIES = {
    "zh-CN": ("cn", "chn", "china", "中国", "中国大陆", "大陆"),
    "zh-TW": ("tw", "twn", "taiwan", "台湾", "中国台湾"),
    "zh-HK": ("hk", "hkg", "hongkong", "香港", "中国香港"),
    "zh-MO": ("mo", "mac", "macao", "macau", "澳门"),
    "en-SG": ("sg", "sgp", "singapore", "新加坡"),
    "en-US": ("us", "usa", "unitedstates", "美国"),
    "en-GB": ("gb", "gbr", "uk", "unitedkingdom", "英国"),
    "en-CA": ("ca", "can", "canada", "加拿大"),
    "en-AU": ("au", "aus", "australia", "澳大利亚"),
    "ja-JP": ("jp", "jpn", "japan", "日本"),
    "ko-KR": ("kr", "kor", "korea", "southkorea", "韩国"),
    "de-DE": ("de", "deu", "germany", "德国"),
    "fr-FR": ("fr", "fra", "france", "法国"),
    "ms-MY": ("my", "mys", "malaysia", "马来西亚"),
    "th-TH": ("th", "tha", "thailand", "泰国"),
    "vi-VN": ("vn", "vnm", "vietnam", "越南"),
    "id-ID": ("id", "idn", "indonesia", "印度尼西亚", "印尼"),
}
_LOCALE_BY_TERRITORY = {alias: loc for loc, aliases in _TERRITORIES.items() for alias in aliases}


def locale_for_territory(value) -> str:
    return _LOCALE_BY_TERRITORY.get(norm_key(value), "")


def parse_stars(value) -> int | None:
    """5, '4.0', '4星', '★★★★☆', '3/5', '2 stars' → an int; None when it says no rating at all."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1 <= value <= 5:
            return int(value)
        raise ValueError(value)
    text = str(value).strip()
    if "★" in text:
        stars = text.count("★")
        if 1 <= stars <= 5:
            return stars
        raise ValueError(value)
    match = re.fullmatch(r"(\d+)(?:\.0+)?\s*(?:/\s*5|星|颗星|分|stars?)?", text, re.IGNORECASE)
    if match and 1 <= int(match.group(1)) <= 5:
        return int(match.group(1))
    raise ValueError(value)


_YMD = re.compile(
    r"(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?"
)
_MD = re.compile(r"(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%m/%d/%Y", "%m/%d/%Y %H:%M", "%Y%m%d")


def parse_date(value, *, today: dt.date | None = None) -> dt.datetime | None:
    """The dates people and exports write: ISO 8601, 2026/11/3, 2026年11月3日, 2026.11.03 14:20,
    11-3 (this year, or last year if that would be in the future), Nov 3, 2026, an Excel serial
    number or an Excel date cell. Naive results are in the project's time zone. None when empty;
    ValueError when it cannot be read."""
    if value in (None, ""):
        return None
    today = today or timezone.localdate()
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime.combine(value, dt.time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 20000 <= value <= 80000:  # 1954…2119 as Excel serials; anything else is not a date
            raise ValueError(value)
        result = _EXCEL_EPOCH + dt.timedelta(days=float(value))
    else:
        text = str(value).strip()
        result = parse_datetime(text)
        if result is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            result = dt.datetime.fromisoformat(text)
        if result is None and (m := _YMD.fullmatch(text)):
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            result = dt.datetime(y, mo, d, h, mi, s)
        if result is None and (m := _MD.fullmatch(text)):
            mo, d = int(m.group(1)), int(m.group(2))
            result = dt.datetime(today.year, mo, d)
            if result.date() > today:
                result = result.replace(year=today.year - 1)
        if result is None:
            for fmt in _FORMATS:
                try:
                    result = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if result is None:
            raise ValueError(value)
    if timezone.is_naive(result):
        result = timezone.make_aware(result)
    return result


def _date_field(record, aliases, row, errors, today, name="received_at"):
    raw = _pick(record, aliases)
    try:
        return parse_date(raw, today=today)
    except (ValueError, OverflowError):
        errors.append(RowError(row, name, _("Cannot read the date '%(value)s'.") % {"value": raw}))
        return None


def _need_content(content: str, row: int, errors: list[RowError]) -> None:
    if not content:
        errors.append(RowError(row, "content", _("The feedback text is empty.")))


def _extras(record: dict, known: set[str], raw_headers: dict[str, str] | None) -> dict:
    """Columns no adapter knows, kept in metadata so nothing typed into a sheet is lost."""
    out = {}
    for key, value in record.items():
        if key in known or value in (None, "") or isinstance(value, (dict, list)):
            continue
        out[(raw_headers or {}).get(key, key)] = _text(value)[:500]
    return out


# --- app-store reviews -------------------------------------------------------------------------
APP_STORE = {
    "id": _aliases("Review ID", "ReviewId", "id", "评论ID", "评价ID", "评论编号"),
    "date": _aliases("Date", "Review Date", "Last Updated", "Updated", "Created At", "日期", "时间", "评论时间", "发布时间"),
    "rating": _aliases("Rating", "Stars", "Star Rating", "Star", "Score", "评分", "星级", "评星"),
    "title": _aliases("Title", "Review Title", "Subject", "标题", "评论标题"),
    "body": _aliases("Review", "Body", "Review Text", "Content", "Text", "Comment", "内容", "评论内容", "评论", "正文"),
    "version": _aliases("App Version", "Version", "App Version Name", "Version Name", "版本", "版本号", "应用版本"),
    "territory": _aliases("Territory", "Country", "Country/Region", "Region", "Storefront", "地区", "国家", "国家/地区", "国家或地区"),
    "nickname": _aliases("Reviewer Nickname", "Nickname", "Reviewer", "Author", "User", "Reviewer Name", "昵称", "用户", "评论者", "用户名"),
    "platform": _aliases("Platform", "Store", "Device", "平台", "商店", "应用商店"),
    "language": _aliases("Language", "Reviewer Language", "语言"),
}


def adapt_app_store(record: dict, *, row: int, product: str = "", today: dt.date | None = None,
                    raw_headers: dict | None = None) -> Adapted:
    errors: list[RowError] = []
    title = _text(_pick(record, APP_STORE["title"]))
    body = _text(_pick(record, APP_STORE["body"]))
    content = body or title  # a review of only a title ("又闪退") is still a complaint
    _need_content(content, row, errors)
    raw_stars = _pick(record, APP_STORE["rating"])
    try:
        rating = parse_stars(raw_stars)
    except ValueError:
        rating = None
        errors.append(RowError(row, "rating", _("Stars must be 1 to 5, not '%(value)s'.") % {"value": raw_stars}))
    received_at = _date_field(record, APP_STORE["date"], row, errors, today)
    territory = _text(_pick(record, APP_STORE["territory"]))
    nickname = _text(_pick(record, APP_STORE["nickname"]))
    language = _text(_pick(record, APP_STORE["language"]))
    if errors:
        return Adapted(row=row, errors=errors)
    review_id = _text(_pick(record, APP_STORE["id"]))
    metadata = {k: v for k, v in {"territory": territory, "nickname": nickname, "review_id": review_id}.items() if v}
    known = {a for aliases in APP_STORE.values() for a in aliases}
    if extra := _extras(record, known, raw_headers):
        metadata["extra"] = extra
    return Adapted(row=row, items=[{
        "channel": "app_store",
        "external_id": review_id or derive_id("review", nickname, received_at and received_at.isoformat(), title, body),
        "title": title if body else "",
        "content": content,
        "rating": rating,
        "app_version": _text(_pick(record, APP_STORE["version"])),
        "platform": normalise_platform(_pick(record, APP_STORE["platform"]) or ""),
        "received_at": received_at,
        "locale": language if "-" in language else (locale_for_territory(territory) or language),
        "product": product or None,
        "metadata": metadata,
    }])


# --- ticket-system webhooks --------------------------------------------------------------------
TICKET = {
    "id": _aliases("id", "ticket_id", "ticketId", "number", "工单号", "工单编号", "工单ID"),
    "subject": _aliases("subject", "title", "标题", "主题"),
    "description": _aliases("description", "body", "content", "comment", "描述", "问题描述", "内容"),
    "created_at": _aliases("created_at", "createdAt", "created", "creation_time", "创建时间", "提交时间"),
    "requester": _aliases("requester", "requester_info", "user", "customer"),
    "requester_id": _aliases("requester_id", "requesterId", "user_id", "客户ID"),
    "requester_name": _aliases("requester_name", "name", "客户", "客户名称", "提交人"),
    "requester_email": _aliases("requester_email", "email", "邮箱", "联系方式"),
    "custom_fields": _aliases("custom_fields", "customFields", "fields", "custom"),
    "app_version": _aliases("app_version", "appVersion", "version", "版本", "版本号"),
    "platform": _aliases("platform", "os", "平台"),
    "product": _aliases("product", "产品"),
    "locale": _aliases("locale", "language", "语言"),
}


def _custom_fields(raw) -> dict:
    """Zendesk-style [{"name"/"id": …, "value": …}] or a plain object → {normalised name: value}."""
    if isinstance(raw, dict):
        return {norm_key(k): v for k, v in raw.items()}
    out = {}
    if isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict):
                name = entry.get("name") or entry.get("key") or entry.get("title") or entry.get("id")
                if name is not None:
                    out[norm_key(name)] = entry.get("value")
    return out


def adapt_ticket(record: dict, *, row: int, product: str = "", today: dt.date | None = None,
                 raw_headers: dict | None = None) -> Adapted:
    if len(record) == 1 and isinstance(next(iter(record.values())), dict) and norm_key(next(iter(record))) in ("ticket", "data", "payload"):
        record = {norm_key(k): v for k, v in next(iter(record.values())).items()}  # {"ticket": {...}}
    errors: list[RowError] = []
    ticket_id = _text(_pick(record, TICKET["id"]))
    if not ticket_id:
        errors.append(RowError(row, "external_id", _("The ticket has no id.")))
    subject = _text(_pick(record, TICKET["subject"]))
    description = _text(_pick(record, TICKET["description"]))
    _need_content(description or subject, row, errors)
    received_at = _date_field(record, TICKET["created_at"], row, errors, today)
    custom = _custom_fields(_pick(record, TICKET["custom_fields"]))
    requester = _pick(record, TICKET["requester"])
    if not isinstance(requester, dict):
        requester = {}
    requester = {norm_key(k): v for k, v in requester.items()}
    reporter = {
        "external_id": _text(requester.get("id") or _pick(record, TICKET["requester_id"]) or requester.get("email") or ""),
        "name": _text(requester.get("name") or _pick(record, TICKET["requester_name"]) or ""),
        "contact": _text(requester.get("email") or requester.get("phone") or _pick(record, TICKET["requester_email"]) or ""),
    }
    if errors:
        return Adapted(row=row, errors=errors)

    def custom_or_top(name):
        return _pick(custom, TICKET[name]) or _pick(record, TICKET[name])

    metadata = {"ticket_id": ticket_id}
    for key in ("priority", "status", "tags", "url", "via"):
        if record.get(key) not in (None, "", []):
            metadata[key] = record[key]
    known_custom = {a for n in ("app_version", "platform", "product", "locale") for a in TICKET[n]}
    if extra := {k: v for k, v in custom.items() if k not in known_custom and v not in (None, "")}:
        metadata["custom_fields"] = extra
    return Adapted(row=row, items=[{
        "channel": "ticket",
        "external_id": ticket_id,
        "title": subject if description else "",
        "content": description or subject,
        "reporter": reporter if any(reporter.values()) else None,
        "app_version": _text(custom_or_top("app_version")),
        "platform": normalise_platform(custom_or_top("platform") or ""),
        "product": _text(custom_or_top("product")) or product or None,
        "locale": _text(custom_or_top("locale")),
        "received_at": received_at,
        "metadata": metadata,
    }])


# --- community / social posts ------------------------------------------------------------------
POST = {
    "id": _aliases("id", "post_id", "postId", "mid", "帖子ID", "帖子编号", "微博ID"),
    "author": _aliases("author", "user", "username", "screen_name", "nickname", "作者", "用户", "发帖人", "昵称", "用户名"),
    "author_id": _aliases("author_id", "authorId", "user_id", "uid", "作者ID", "用户ID"),
    "url": _aliases("url", "link", "permalink", "链接", "原文链接", "地址"),
    "title": _aliases("title", "标题", "主题"),
    "text": _aliases("text", "content", "body", "message", "post", "内容", "正文", "帖子内容", "微博内容"),
    "time": _aliases("time", "created_at", "createdAt", "date", "posted_at", "published_at", "时间", "发布时间", "发帖时间", "日期"),
    "site": _aliases("site", "source", "platform", "network", "来源", "平台", "站点"),
}


def adapt_post(record: dict, *, row: int, channel: str = "community", product: str = "", today: dt.date | None = None,
               raw_headers: dict | None = None) -> Adapted:
    errors: list[RowError] = []
    title = _text(_pick(record, POST["title"]))
    text = _text(_pick(record, POST["text"]))
    _need_content(text or title, row, errors)
    received_at = _date_field(record, POST["time"], row, errors, today)
    author = _pick(record, POST["author"])
    author_id = _pick(record, POST["author_id"])
    if isinstance(author, dict):  # {"id": …, "name": …} as social APIs send it
        author = {norm_key(k): v for k, v in author.items()}
        author_id = author_id or author.get("id") or author.get("uid")
        author = author.get("name") or author.get("screenname") or author.get("nickname")
    author, author_id = _text(author), _text(author_id)
    url = _text(_pick(record, POST["url"]))
    if errors:
        return Adapted(row=row, errors=errors)
    post_id = _text(_pick(record, POST["id"]))
    metadata = {k: v for k, v in {"url": url, "author": author, "site": _text(_pick(record, POST["site"]))}.items() if v}
    known = {a for aliases in POST.values() for a in aliases}
    if extra := _extras(record, known, raw_headers):
        metadata["extra"] = extra
    return Adapted(row=row, items=[{
        "channel": channel,
        # a post's URL is as stable as its id; the hash is the last resort for copy-pasted rows
        "external_id": post_id or url or derive_id(channel, author, received_at and received_at.isoformat(), text),
        "title": title if text else "",
        "content": text or title,
        "reporter": {"external_id": author_id or author, "name": author} if (author or author_id) else None,
        "received_at": received_at,
        "product": product or None,
        "metadata": metadata,
    }])


def adapt_community(record: dict, **kw) -> Adapted:
    return adapt_post(record, channel="community", **kw)


def adapt_social(record: dict, **kw) -> Adapted:
    return adapt_post(record, channel="social", **kw)


# --- sales notes -------------------------------------------------------------------------------
SALES = {
    "id": _aliases("编号", "反馈编号", "ID", "记录编号"),
    "customer": _aliases("客户名称", "客户", "客户名", "公司", "公司名称", "单位", "customer", "client", "account", "company"),
    "content": _aliases("反馈内容", "问题描述", "客户反馈", "反馈", "内容", "问题", "需求", "描述", "备注", "feedback", "content", "notes", "note", "issue"),
    "version": _aliases("版本", "版本号", "使用版本", "客户端版本", "version", "app version"),
    "date": _aliases("日期", "反馈日期", "时间", "反馈时间", "拜访日期", "date"),
    "platform": _aliases("平台", "终端", "系统", "platform"),
    "contact": _aliases("联系人", "联系方式", "电话", "邮箱", "contact"),
    "salesperson": _aliases("销售", "销售人员", "负责人", "提交人", "记录人", "客户经理", "sales", "owner"),
    "product": _aliases("产品", "product"),
}
# Cells a salesperson merged over several rows arrive blank below the first one.
SALES_FILL_DOWN = ("customer", "date", "salesperson", "contact")
_NOTE_MARK = re.compile(r"(?:(?:^|(?<=[\s；;。，,]))\d{1,2}[、．.)）](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])\s*")


def split_notes(text: str) -> list[str]:
    """'1、群视频卡顿 2、希望支持已读回执' → two notes; one note when it is not a numbered list."""
    marks = list(_NOTE_MARK.finditer(text))
    if len(marks) < 2 or marks[0].start() != 0:
        return [text]
    parts = [text[m.end():(marks[i + 1].start() if i + 1 < len(marks) else len(text))] for i, m in enumerate(marks)]
    parts = [p.strip(" \t\r\n；;。") for p in parts]
    return [p for p in parts if p] or [text]


def adapt_sales(record: dict, *, row: int, product: str = "", today: dt.date | None = None,
                raw_headers: dict | None = None) -> Adapted:
    content = _text(_pick(record, SALES["content"]))
    customer = _text(_pick(record, SALES["customer"]))
    if not content and not any(_text(v) for k, v in record.items() if k not in _fill_keys()):
        return Adapted(row=row)  # a blank row, or one holding only merged-cell leftovers
    errors: list[RowError] = []
    _need_content(content, row, errors)
    received_at = _date_field(record, SALES["date"], row, errors, today)
    if errors:
        return Adapted(row=row, errors=errors)
    sheet_id = _text(_pick(record, SALES["id"]))
    salesperson = _text(_pick(record, SALES["salesperson"]))
    metadata = {k: v for k, v in {"customer": customer, "salesperson": salesperson}.items() if v}
    known = {a for aliases in SALES.values() for a in aliases}
    if extra := _extras(record, known, raw_headers):
        metadata["extra"] = extra
    contact = _text(_pick(record, SALES["contact"]))
    base_id = sheet_id and f"sales-{sheet_id}" or derive_id(
        "sales", customer, received_at and received_at.date().isoformat(), content)
    notes = split_notes(content)
    items = []
    for n, note in enumerate(notes, start=1):
        items.append({
            "channel": "sales",
            "external_id": base_id if len(notes) == 1 else f"{base_id}#{n}",
            "content": note,
            "reporter": {"external_id": customer, "name": customer, "contact": contact} if customer else None,
            "app_version": _text(_pick(record, SALES["version"])),
            "platform": normalise_platform(_pick(record, SALES["platform"]) or ""),
            "product": _text(_pick(record, SALES["product"])) or product or None,
            "received_at": received_at,
            "metadata": {**metadata, "note": f"{n}/{len(notes)}"} if len(notes) > 1 else metadata,
        })
    return Adapted(row=row, items=items)


def _fill_keys() -> set[str]:
    return {a for name in SALES_FILL_DOWN for a in SALES[name]}


ADAPTERS = {
    "app_store": adapt_app_store,
    "ticket": adapt_ticket,
    "community": adapt_community,
    "social": adapt_social,
    "sales": adapt_sales,
}
# Columns that must be present for a file to be this source at all.
CONTENT_COLUMNS = {
    "app_store": APP_STORE["body"] + APP_STORE["title"],
    "ticket": TICKET["description"] + TICKET["subject"],
    "community": POST["text"] + POST["title"],
    "social": POST["text"] + POST["title"],
    "sales": SALES["content"],
}
