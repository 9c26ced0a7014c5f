"""Files → records: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 as Chinese Excel saves it), JSON
(a list, an object holding a list, one webhook object), JSON Lines and XLSX. Rows stream from an
open binary file, so a large export is never held in memory as records. A file that cannot be
read raises ApplicationError with a sentence a person can act on."""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError

from .adapters import CONTENT_COLUMNS, SALES, SALES_FILL_DOWN, norm_key

HEAD_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 10  # sales sheets often carry a title line or two above the header


@dataclass
class Records:
    """headers: {normalised: as written}; rows: (row number as a spreadsheet shows it, record)."""

    headers: dict[str, str]
    rows: Iterator[tuple[int, dict]]
    encoding: str = ""


def _bad(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"file": [message]})


def detect_format(filename: str, head: bytes) -> str:
    name = (filename or "").lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _bad(_("This is an old Excel .xls file; save it as .xlsx or CSV and upload that."))
    if head.startswith(b"PK") or name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.endswith(".json") or stripped[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK); anything else is refused
    rather than imported as mojibake."""
    if b"\x00" in head[:4096]:
        raise _bad(_("The file is not text (or is UTF-16); save it as CSV UTF-8 and upload that."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise _bad(_("The file's text encoding is neither UTF-8 nor GBK; save it as CSV UTF-8 and upload that."))


def open_records(fh, *, filename: str, source: str) -> Records:
    """fh: a binary file object positioned at 0."""
    head = fh.read(HEAD_BYTES)
    fh.seek(0)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise _bad(_("The file is empty."))
    fmt = detect_format(filename, head)
    if fmt == "xlsx":
        return _table(_xlsx_rows(fh), source)
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    if fmt == "csv":
        sample = head.decode(encoding, errors="ignore")[:20000]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        records = _table(((None, row) for row in csv.reader(text, dialect)), source)
        records.encoding = encoding
        return records
    if fmt == "jsonl":
        return _objects(_jsonl(text), source, encoding)
    try:
        data = json.load(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(_("The JSON cannot be read: %(error)s") % {"error": exc}) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        data = lists[0] if len(lists) == 1 and len(data) <= 3 else [data]  # {"reviews": [...]} or one webhook
    if not isinstance(data, list):
        raise _bad(_("The JSON must be a list of objects."))
    return _objects(iter(data), source, encoding)


def _jsonl(text) -> Iterator:
    for number, line in enumerate(text, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                yield {"__invalid__": _("Line %(n)d is not JSON.") % {"n": number}}


def _objects(items: Iterator, source: str, encoding: str) -> Records:
    first = next(items, None)
    if first is None:
        raise _bad(_("The file holds no records."))

    def rows():
        for number, item in enumerate(_chain(first, items), start=1):
            if not isinstance(item, dict):
                yield number, {"__invalid__": _("Record %(n)d is not an object.") % {"n": number}}
            else:
                yield number, {norm_key(k): v for k, v in item.items()}

    headers = {norm_key(k): str(k) for k in first} if isinstance(first, dict) else {}
    if isinstance(first, dict) and len(first) == 1 and isinstance(next(iter(first.values())), dict):
        headers = {norm_key(k): str(k) for k in next(iter(first.values()))}  # {"ticket": {...}}
    _check_columns(headers, source)
    return Records(headers=headers, rows=rows(), encoding=encoding)


def _chain(first, rest):
    yield first
    yield from rest


def _xlsx_rows(fh):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for a damaged file
        raise _bad(_("The Excel file cannot be opened: %(error)s") % {"error": exc}) from None
    sheet = next((ws for ws in workbook.worksheets if ws.max_row and ws.max_row > 0), workbook.worksheets[0])
    for values in sheet.iter_rows(values_only=True):
        yield None, list(values)


def _table(rows: Iterator, source: str) -> Records:
    """Rows of cells → records keyed by the header row (found among the first few rows)."""
    wanted = set(CONTENT_COLUMNS[source])
    seen = []
    header, header_row = None, 0
    number = 0
    for _line, cells in rows:
        number += 1
        keys = [norm_key(c) for c in cells]
        if any(k in wanted for k in keys):
            header, header_row = cells, number
            break
        if any(c not in (None, "") for c in cells):
            seen.append(cells)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not seen:
            raise _bad(_("The file is empty."))
        raise _bad(_("None of the columns (%(found)s) holds the feedback text; expected one of: %(wanted)s.") % {
            "found": ", ".join(str(c) for c in seen[0] if c not in (None, "")) or "—",
            "wanted": ", ".join(_display_names(source)),
        })
    keys = [norm_key(c) for c in header]
    headers = {k: str(c).strip() for k, c in zip(keys, header) if k}
    fill = {a for name in SALES_FILL_DOWN for a in SALES[name]} if source == "sales" else set()

    def records():
        last: dict = {}
        n = header_row
        for _line, cells in rows:
            n += 1
            record = {k: (v.strip() if isinstance(v, str) else v) for k, v in zip(keys, cells) if k}
            if fill:
                has_content = any(record.get(k) not in (None, "") for k in record if k not in fill)
                if has_content:
                    for k in fill & record.keys():
                        if record[k] in (None, ""):
                            record[k] = last.get(k)
                    last = {k: record[k] for k in fill & record.keys()}
            yield n, record

    return Records(headers=headers, rows=records())


def _check_columns(headers: dict, source: str) -> None:
    if headers and not set(headers) & set(CONTENT_COLUMNS[source]):
        raise _bad(_("None of the fields (%(found)s) holds the feedback text; expected one of: %(wanted)s.") % {
            "found": ", ".join(headers.values()), "wanted": ", ".join(_display_names(source)),
        })


def _display_names(source: str) -> list[str]:
    names = {
        "app_store": ["Review", "Body", "Content", "内容", "Title", "标题"],
        "ticket": ["description", "subject"],
        "community": ["text", "content", "内容", "正文"],
        "social": ["text", "content", "内容", "正文"],
        "sales": ["反馈内容", "问题描述", "内容", "feedback"],
    }
    return names[source]


def count_records(fh, *, filename: str, source: str) -> int:
    """Records in a freshly opened file (the text wrapper closes `fh` when it goes)."""
    return sum(1 for _ in open_records(fh, filename=filename, source=source).rows)
