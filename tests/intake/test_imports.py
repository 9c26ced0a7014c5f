import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.core.files.uploadedfile import SimpleUploadedFile

from feedback_archive.core.actors import Actor
from feedback_archive.feedback.models import Feedback
from feedback_archive.intake import services
from feedback_archive.intake.models import ImportJob, JobStatus

from . import samples

pytestmark = pytest.mark.django_db

COMPLAINTS = ["群视频卡顿", "语音消息发不出去", "屏幕共享黑屏", "聊天记录搜索不到", "推送通知延迟", "文件传输中断", "会议录制没有声音"]


def review_csv(n: int) -> str:
    lines = ["Review ID,Date,Rating,Title,Review,App Version,Territory"]
    for i in range(n):
        lines.append(f"R{i},2026-10-{1 + i % 28:02d},{1 + i % 5},第{i}条,{COMPLAINTS[i % 7]}，第{i}次遇到，客户编号{i},5.3.{i % 3},CHN")
    lines.append("R-bad,2026-10-01,9,坏行,星级不对,5.3.1,CHN")
    return "\n".join(lines) + "\n"


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_feedback", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_then_reimport_creates_nothing(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(review_csv(120), encoding="utf-8-sig")
    out, err = run(path, "--source", "app_store", "--batch", "50")
    assert "120 created" in out and "1 invalid" in out and "row 122 rating" in out
    assert "121/121 records (100.0%)" in err and "records/s" in err
    assert Feedback.objects.filter(channel__slug="app_store").count() == 120
    out, _ = run(path, "--source", "app_store")
    assert "0 created, 120 already stored" in out
    assert Feedback.objects.filter(channel__slug="app_store").count() == 120
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["done", "done"]


def test_command_resumes_after_an_interruption(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(review_csv(100), encoding="utf-8")
    job = services.import_job_prepare(source="app_store", path=str(path), batch_size=30, actor=Actor.system("import"))
    job = services.import_job_run(job_id=job.pk, actor=Actor.system("import"), stop_after_batches=2)
    assert (job.position, job.created, job.status) == (60, 60, JobStatus.RUNNING)
    out, err = run(path, "--source", "app_store", "--batch", "30")
    assert "Resuming import" in err and f"#{job.pk}" in err
    job.refresh_from_db()
    # the resumed run touched only the remaining 41 records: nothing found "already stored"
    assert (job.status, job.position, job.created, job.existing, job.invalid) == ("done", 101, 100, 0, 1)
    assert Feedback.objects.filter(channel__slug="app_store").count() == 100


def test_a_second_process_on_the_same_job_stops_instead_of_counting_twice(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(review_csv(40), encoding="utf-8")
    job = services.import_job_prepare(source="app_store", path=str(path), batch_size=10, actor=Actor.system())
    stale = ImportJob.objects.get(pk=job.pk)
    services.import_job_run(job_id=job.pk, actor=Actor.system(), stop_after_batches=1)
    with pytest.raises(Exception) as err:
        services._commit_batch(job=stale, batch=[], actor=Actor.system())
    assert "Another process" in str(err.value)


def test_command_dry_run_stores_nothing_and_lists_errors(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(samples.SALES_CSV, encoding="gbk")
    out, _ = run(path, "--source", "sales", "--dry-run")
    assert "6 records, 4 feedback items valid, 2 rows invalid, 1 blank" in out and "下个月" in out
    assert Feedback.objects.count() == 0 and ImportJob.objects.count() == 0


def test_command_refuses_unreadable_files(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("客户,日期\n杭州某银行,2026/11/3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="holds the feedback text"):
        run(path, "--source", "sales")
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.csv", "--source", "sales")


def test_ticket_import_stores_reporter_release_and_metadata(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(samples.TICKET_LIST, ensure_ascii=False), encoding="utf-8")
    out, _ = run(path, "--source", "ticket")
    assert "1 created" in out and "3 invalid" in out
    fb = Feedback.objects.get(channel__slug="ticket", external_id="58231")
    assert fb.pipeline_state == "received" and fb.reporter is None  # the reporter is the pipeline's first stage
    from feedback_archive.intake.pipeline import pipeline_run

    pipeline_run(feedback_ids=[fb.pk])  # what the batch's job does in the worker
    fb.refresh_from_db()
    assert fb.pipeline_state == "understood"
    assert fb.reporter.name == "陈经理" and fb.reporter.contact == "chen@example.cn"
    assert fb.release.version == "5.3.1" and fb.platform == "windows" and fb.metadata["priority"] == "high"


def test_unknown_product_in_a_row_is_a_row_error_not_a_failure(tmp_path):
    rows = [{"id": 1, "subject": "登录慢", "description": "扫码登录要等十秒", "custom_fields": {"product": "no-such"}},
            {"id": 2, "subject": "登录慢", "description": "手机号登录验证码收不到"}]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    out, _ = run(path, "--source", "ticket")
    assert "1 created" in out and "row 1 product: Unknown product 'no-such'" in out


# --- admin: upload → preview → confirm --------------------------------------------------------------
UPLOAD = "/admin/intake/importjob/upload/"


def upload(client, content: bytes, name="reviews.csv", source="app_store"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), "source": source, "product": ""})


def test_admin_upload_preview_confirm(admin_client):
    r = upload(admin_client, samples.APP_STORE_CSV.encode())
    assert r.status_code == 302
    job = ImportJob.objects.get()
    preview = admin_client.get(r.url)
    body = preview.content.decode()
    assert preview.status_code == 200 and "更新后群视频卡顿" in body and "R-1002" in body
    assert "六星" in body and 'id="fa-import-errors"' in body  # row 4's bad stars, shown before anything is stored
    assert Feedback.objects.count() == 0
    r = admin_client.post(f"/admin/intake/importjob/{job.pk}/confirm/")
    assert r.status_code == 302 and r.url.endswith(f"/{job.pk}/change/")
    job.refresh_from_db()
    assert (job.status, job.created, job.invalid) == ("done", 2, 3) and job.content is None
    page = admin_client.get(r.url).content.decode()
    assert "5 / 5 (100%)" in page and "received_at" in page


def test_admin_gbk_sales_sheet_previews_in_chinese(admin_client):
    r = upload(admin_client, samples.SALES_CSV.encode("gbk"), name="销售反馈.csv", source="sales")
    body = admin_client.get(r.url).content.decode()
    assert "杭州某银行" in body and "群公告需要置顶多条" in body


@pytest.mark.parametrize("content, message", [
    (b"", "The submitted file is empty"),
    ("客户,日期\n杭州某银行,2026/11/3\n".encode(), "holds the feedback text"),
    (b"\x81\x30\xff\xfe\x80" * 50, "neither UTF-8 nor GBK"),
])
def test_admin_bad_files_give_a_message_not_a_500(admin_client, content, message, settings):
    settings.LANGUAGE_CODE = "en"
    r = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("x.csv", content), "source": "sales"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and message in r.content.decode()
    assert ImportJob.objects.count() == 0


def test_admin_large_file_is_enqueued_and_runs_as_a_job(admin_client, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 10)
    upload(admin_client, review_csv(30).encode())
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(f"/admin/intake/importjob/{job.pk}/confirm/")
    assert callbacks  # the enqueue waited for the commit; Q_CLUSTER sync runs the task inline
    job.refresh_from_db()
    assert (job.status, job.created, job.invalid) == ("done", 30, 1)


def test_admin_confirm_needs_post_and_reupload_of_a_done_file_creates_nothing(admin_client):
    upload(admin_client, samples.APP_STORE_CSV.encode())
    job = ImportJob.objects.get()
    assert admin_client.get(f"/admin/intake/importjob/{job.pk}/confirm/").status_code == 405
    admin_client.post(f"/admin/intake/importjob/{job.pk}/confirm/")
    upload(admin_client, samples.APP_STORE_CSV.encode())
    second = ImportJob.objects.exclude(pk=job.pk).get()
    admin_client.post(f"/admin/intake/importjob/{second.pk}/confirm/")
    second.refresh_from_db()
    assert (second.created, second.existing) == (0, 2) and Feedback.objects.count() == 2


def test_staff_without_permission_cannot_import(client, agent):
    client.force_login(agent)
    r = client.get(UPLOAD)
    assert r.status_code == 302 and ImportJob.objects.count() == 0
