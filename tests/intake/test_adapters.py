import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.intake.adapters import adapt_ticket, parse_date, parse_stars, split_notes
from feedback_archive.intake.services import import_preview

from . import samples

TODAY = dt.date(2026, 11, 20)


def adapt_file(text, source, filename, encoding="utf-8"):
    from feedback_archive.intake.services import adapted_rows

    _headers, rows = adapted_rows(io.BytesIO(text.encode(encoding)), filename=filename, source=source, today=TODAY)
    return list(rows)


def by_row(rows):
    return {r.row: r for r in rows}


def test_app_store_csv_maps_stars_territory_and_keeps_broken_rows_as_errors():
    rows = by_row(adapt_file(samples.APP_STORE_CSV, "app_store", "reviews.csv"))
    first = rows[2].items[0]
    assert first["channel"] == "app_store" and first["external_id"] == "R-1001"
    assert first["rating"] == 2 and first["locale"] == "zh-CN" and first["app_version"] == "5.3.1"
    assert first["title"] == "更新后群视频卡顿" and first["content"].startswith("升级到5.3.1以后")
    assert first["received_at"] == dt.datetime(2026, 10, 28, 9, 15, tzinfo=dt.timezone.utc)
    assert first["metadata"] == {"territory": "CHN", "nickname": "小鱼儿", "review_id": "R-1001"}
    assert rows[3].items[0]["locale"] == "zh-HK"
    assert [(e.field, e.row) for e in rows[4].errors] == [("rating", 4)]  # 六星
    assert [e.field for e in rows[5].errors] == ["content"]
    assert [e.field for e in rows[6].errors] == ["received_at"]  # 昨天下午


def test_app_store_chinese_headers_with_bom_and_gbk_read_the_same():
    utf8 = adapt_file(samples.APP_STORE_CSV_CHINESE, "app_store", "评论.csv")
    gbk = adapt_file(samples.APP_STORE_CSV_CHINESE.lstrip("\ufeff"), "app_store", "评论.csv", encoding="gbk")
    assert [r.items for r in utf8] == [r.items for r in gbk]
    a, b = utf8[0].items[0], utf8[1].items[0]
    assert (a["rating"], a["locale"], a["external_id"]) == (2, "zh-CN", "CN-1")
    assert a["received_at"].date() == dt.date(2026, 10, 3)
    assert (b["rating"], b["locale"]) == (4, "zh-TW")


def test_app_store_json_export_and_a_review_without_id_gets_a_stable_one():
    rows = adapt_file(samples.APP_STORE_JSON, "app_store", "play.json")
    item = rows[0].items[0]
    assert item["platform"] == "android" and item["app_version"] == "5.3.1 (2041)" and item["rating"] == 1
    assert [e.field for e in rows[1].errors] == ["rating"]
    no_id = {"body": "通知栏消息重复弹出两次", "date": "2026-11-01", "stars": "3"}
    first = adapt_file(json.dumps([no_id], ensure_ascii=False), "app_store", "x.json")[0].items[0]
    again = adapt_file(json.dumps([no_id], ensure_ascii=False), "app_store", "x.json")[0].items[0]
    assert first["external_id"].startswith("review-") and first["external_id"] == again["external_id"]


def test_ticket_webhook_takes_requester_and_custom_fields():
    adapted = adapt_ticket(dict(samples.TICKET_WEBHOOK.items()), row=1, today=TODAY)
    item = adapted.items[0]
    assert item["channel"] == "ticket" and item["external_id"] == "58231"
    assert item["title"] == "屏幕共享时对方看到黑屏" and "黑屏" in item["content"]
    assert item["reporter"] == {"external_id": "9001", "name": "陈经理", "contact": "chen@example.cn"}
    assert (item["app_version"], item["platform"]) == ("v5.3.1", "windows")
    assert item["metadata"]["custom_fields"] == {"customertier": "KA"}
    assert item["metadata"]["tags"] == ["屏幕共享", "vip"]


def test_ticket_list_reports_empty_missing_id_and_bad_date_per_row():
    rows = by_row(adapt_file(json.dumps(samples.TICKET_LIST, ensure_ascii=False), "ticket", "tickets.json"))
    assert rows[1].items and not rows[1].errors
    assert [e.field for e in rows[2].errors] == ["content"]
    assert [e.field for e in rows[3].errors] == ["external_id"]
    assert [e.field for e in rows[4].errors] == ["received_at"]


def test_community_posts_keep_url_and_author():
    rows = adapt_file(samples.COMMUNITY_JSONL, "community", "posts.jsonl")
    a, b = rows[0].items[0], rows[1].items[0]
    assert a["external_id"] == "t-3391" and a["reporter"] == {"external_id": "u-17", "name": "技术宅小张"}
    assert a["metadata"]["url"] == "https://bbs.example.cn/t/3391" and a["channel"] == "community"
    assert b["external_id"] == "https://bbs.example.cn/t/3392"  # no id: the URL is the post's identity
    assert b["received_at"].date() == dt.date(2026, 11, 3)
    assert [e.field for e in rows[2].errors] == ["content"]


def test_social_csv_without_url_derives_an_id():
    rows = adapt_file(samples.SOCIAL_CSV, "social", "weibo.csv")
    a, b = rows[0].items[0], rows[1].items[0]
    assert a["channel"] == "social" and a["metadata"] == {"url": "https://weibo.example.com/p/1", "author": "吃瓜群众", "site": "微博"}
    assert b["external_id"].startswith("social-") and b["reporter"]["name"] == "打工人"


def test_sales_sheet_title_row_merged_cells_blank_rows_and_date_formats():
    rows = adapt_file(samples.SALES_CSV, "sales", "销售反馈.csv")
    found = by_row(rows)
    merged = found[3].items
    assert [i["content"] for i in merged] == ["希望支持消息水印", "群公告需要置顶多条"]
    assert merged[0]["external_id"].endswith("#1") and merged[1]["external_id"].endswith("#2")
    follow = found[4].items[0]  # customer and date cells merged from the row above
    assert follow["reporter"]["name"] == "杭州某银行" and follow["received_at"].date() == dt.date(2026, 11, 3)
    assert found[5].blank
    assert found[6].items[0]["received_at"].date() == dt.date(2026, 11, 3)  # "11-3"
    assert [e.field for e in found[7].errors] == ["content"]
    assert [e.field for e in found[8].errors] == ["received_at"]  # 下个月


def test_sales_ids_are_stable_and_differ_by_content():
    one = adapt_file(samples.SALES_CSV, "sales", "a.csv")
    two = adapt_file(samples.SALES_CSV.replace("很卡", "非常卡"), "sales", "a.csv")
    ids_one = [i["external_id"] for r in one for i in r.items]
    ids_two = [i["external_id"] for r in two for i in r.items]
    assert ids_one[:3] == ids_two[:3] and ids_one[3] != ids_two[3]


def test_sales_xlsx_with_merged_cells_and_excel_dates(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["客户", "问题描述", "版本号", "反馈日期"])
    ws.append(["深圳某科技", "希望会议室能预约", 5.3, dt.datetime(2026, 11, 6)])
    ws.append([None, "通讯录同步很慢", "5.3.1", None])
    ws.merge_cells("A2:A3")
    ws.append(["广州某物流", "司机端登不上", "5.2", 46331])  # an Excel serial date
    buf = io.BytesIO()
    wb.save(buf)
    from feedback_archive.intake.services import adapted_rows

    _h, rows = adapted_rows(io.BytesIO(buf.getvalue()), filename="sales.xlsx", source="sales", today=TODAY)
    rows = [r for r in rows if not r.blank]
    assert [r.items[0]["reporter"]["name"] for r in rows] == ["深圳某科技", "深圳某科技", "广州某物流"]
    assert rows[1].items[0]["received_at"].date() == dt.date(2026, 11, 6)
    assert rows[2].items[0]["received_at"].date() == dt.date(2026, 11, 5)
    assert rows[0].items[0]["app_version"] == "5.3"


@pytest.mark.parametrize("raw, stars", [(5, 5), ("4.0", 4), ("★★★☆☆", 3), ("2星", 2), ("1/5", 1), ("3 stars", 3), ("", None)])
def test_parse_stars_reads_what_exports_write(raw, stars):
    assert parse_stars(raw) == stars


@pytest.mark.parametrize("raw", [0, 6, "六星", "4.5", "☆☆☆☆☆", True])
def test_parse_stars_refuses_what_is_not_a_star_count(raw):
    with pytest.raises(ValueError):
        parse_stars(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2026/11/3", (2026, 11, 3)), ("2026年11月3日", (2026, 11, 3)), ("2026.11.03 14:20", (2026, 11, 3)),
    ("11-3", (2026, 11, 3)), ("12月25日", (2025, 12, 25)), ("Nov 3, 2026", (2026, 11, 3)), ("20261103", (2026, 11, 3)),
])
def test_parse_date_reads_hand_typed_dates(raw, expected):
    value = parse_date(raw, today=TODAY)
    assert timezone.localtime(value).date() == dt.date(*expected)


def test_split_notes_leaves_versions_and_single_notes_alone():
    assert split_notes("升级到5.3.1后2.0版本的会议纪要丢了") == ["升级到5.3.1后2.0版本的会议纪要丢了"]
    assert split_notes("①登录慢②消息延迟") == ["登录慢", "消息延迟"]


@pytest.mark.parametrize("content, filename, message", [
    (b"", "a.csv", "empty"),
    ("客户,日期\n杭州某银行,2026/11/3\n".encode(), "a.csv", "feedback text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", ".xls"),
    (b"\xff\xfe\x00\x00garbage\x80\x81", "a.csv", "not text"),
    (b"[1, 2", "a.json", "JSON"),
])
def test_bad_files_are_refused_with_a_sentence(content, filename, message):
    with pytest.raises(ApplicationError) as err:
        import_preview(data=content, filename=filename, source="sales")
    assert message in err.value.fields["file"][0]
