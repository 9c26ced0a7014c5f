"""The item page and the queues: one step saves the pending edits with the transition, every
refusal keeps what the agent typed, queues carry their filters and their counts."""
import pytest
from django.urls import reverse

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.services import feedback_assign, feedback_update
from feedback_archive.taxonomy.models import Label
from feedback_archive.workflow.models import Reply, ReplyTemplate, TransitionLog
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db
LIST = "/admin/feedback/feedback/"


def change_url(fb, filters=""):
    url = reverse("admin:feedback_feedback_change", args=[fb.pk])
    return f"{url}?_changelist_filters={filters}" if filters else url


def label(dim, code):
    return Label.objects.get(dimension__code=dim, code=code)


def form_data(fb, **extra):
    """What the item page posts: every field as the page shows it, plus the agent's edits."""
    data = {"version": Feedback.objects.get(pk=fb.pk).version, "assignee": "", "team": "", "release": "", "fixed_in": "",
            "fa_note": "", "fa_resolution": "", "fa_reply": "", "fa_no_reply_reason": ""}
    for link in Feedback.objects.get(pk=fb.pk).label_links.select_related("dimension"):
        data[f"label_{link.dimension.code}"] = link.label_id
    data.update(extra)
    return data


@pytest.fixture
def severe_item(make_feedback):
    fb = make_feedback("升级到5.3以后群聊里的图片全部加载不出来，一直转圈，急需处理")
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"severity": "major", "type": "function"})
    return Feedback.objects.get(pk=fb.pk)


def test_start_saves_the_corrected_label_in_the_same_step(admin_client, severe_item):
    fb = severe_item
    r = admin_client.post(change_url(fb), form_data(fb, label_severity=label("severity", "normal").pk,
                                                    fa_note="确认是个别机型，降为一般", fa_transition="start"))
    assert r.status_code == 302
    fb.refresh_from_db()
    assert fb.status == "in_progress"
    assert fb.label_links.get(dimension__code="severity").label.code == "normal"
    # one audit entry per changed field, the unchanged type label leaves none
    changes = list(FieldChange.objects.filter(feedback=fb, via="admin").values_list("field", "old", "new"))
    assert ("labels.severity", "major", "normal") in changes
    assert [c for c in changes if c[0] == "labels.type"] == []
    assert TransitionLog.objects.get(feedback=fb, name="start").note == "确认是个别机型，降为一般"
    assert r["Location"] == change_url(fb)  # back to the item, which now shows the next steps
    assert fb.assignee.username == "admin"  # started by the desk: it is mine now (my in-progress queue)


def test_a_refused_close_keeps_labels_note_resolution_and_reply(admin_client, severe_item):
    fb = severe_item
    typed = {"label_severity": label("severity", "minor").pk, "fa_note": "复现不了，先关闭", "fa_resolution": "fixed",
             "fa_reply": "您好，我们已经在5.3.2修复了图片加载的问题", "fa_transition": "close"}
    r = admin_client.post(change_url(fb, "status__exact%3Dpending"), form_data(fb, **typed))
    assert r.status_code == 200  # re-rendered, not redirected
    page = r.content.decode()
    assert "复现不了，先关闭" in page and "您好，我们已经在5.3.2修复了图片加载的问题" in page
    assert f'<option value="{typed["label_severity"]}" selected>' in page
    assert 'value="fixed" selected' in page
    assert "errorlist" in page
    fb.refresh_from_db()
    assert fb.status == "pending" and fb.label_links.get(dimension__code="severity").label.code == "major"
    assert not FieldChange.objects.filter(feedback=fb, via="admin").exists()  # nothing half-written


def test_a_stale_page_refuses_with_the_message_and_keeps_the_text(admin_client, severe_item):
    fb = severe_item
    seen = form_data(fb)
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"module": "file"})  # a colleague, meanwhile
    r = admin_client.post(change_url(fb), {**seen, "label_severity": label("severity", "critical").pk,
                                           "fa_note": "影响全部安卓用户", "fa_transition": "start"},
                          HTTP_ACCEPT_LANGUAGE="en")
    page = r.content.decode()
    assert r.status_code == 200 and "changed" in page  # the existing clear message
    assert "影响全部安卓用户" in page
    fb.refresh_from_db()
    assert fb.status == "pending"
    # the page now carries the current version: submitting again is a conscious overwrite
    assert f'name="version" value="{fb.version}"' in page


def test_another_teams_item_refuses_with_the_text_kept(client, make_user, make_feedback):
    agent = make_user("wangfang", "分诊员")
    other = Team.objects.create(slug="av", name="音视频引擎组")
    fb = make_feedback("视频会议里共享屏幕对方看到的是黑屏")
    data = form_data(fb, fa_note="我来处理", fa_transition="start")
    feedback_assign(feedback=fb, actor=Actor.system(), team=other)  # routed away while the page was open
    data["version"] = Feedback.objects.get(pk=fb.pk).version
    client.force_login(agent)
    r = client.post(change_url(fb), data)
    assert r.status_code == 200
    page = r.content.decode()
    assert "我来处理" in page and "音视频引擎组" in page
    assert Feedback.objects.get(pk=fb.pk).status == "pending"


def test_the_submitter_cannot_verify_and_keeps_the_reply(admin_client, admin_user, make_feedback):
    fb = make_feedback("安卓端语音消息播放没有声音")
    actor = Actor.for_user(admin_user)
    feedback_transition(feedback_id=fb.pk, name="start", actor=actor)
    feedback_transition(feedback_id=fb.pk, name="submit", actor=actor, note="已修复播放器")
    r = admin_client.post(change_url(fb), form_data(fb, fa_resolution="fixed", fa_transition="close",
                                                    fa_reply="您好，语音播放问题已在新版本修复"))
    page = r.content.decode()
    assert r.status_code == 200 and "您好，语音播放问题已在新版本修复" in page
    assert Feedback.objects.get(pk=fb.pk).status == "verifying"


def test_closing_with_a_reply_from_the_page(admin_client, make_feedback):
    fb = make_feedback("请问怎么设置消息免打扰？")
    r = admin_client.post(change_url(fb), form_data(fb, fa_resolution="answered", fa_transition="close",
                                                    fa_reply="您好，在 设置 → 通知 里可以开启免打扰。"))
    assert r.status_code == 302
    assert Feedback.objects.get(pk=fb.pk).status == "closed"
    assert Reply.objects.get(feedback=fb).body.startswith("您好，在 设置")


def test_save_and_next_keeps_the_queue(admin_client, make_feedback):
    older = make_feedback("群公告发不出去", received_at="2026-11-01T08:00:00+08:00")
    middle = make_feedback("群文件下载到一半失败", received_at="2026-11-02T08:00:00+08:00")
    newest = make_feedback("消息已读状态不同步", received_at="2026-11-03T08:00:00+08:00")
    filters = "status__exact%3Dpending"
    r = admin_client.post(change_url(newest, filters), {**form_data(newest), "_savenext": "1"})
    assert r.status_code == 302
    assert r["Location"] == change_url(middle, filters)  # newest first: the next is the older one
    # starting an item takes it out of the pending queue; "then next" still opens its successor
    r = admin_client.post(change_url(middle, filters), form_data(middle, fa_transition="start", fa_then_next="1"))
    assert r["Location"] == change_url(older, filters)
    # j / k
    r = admin_client.get(reverse("admin:feedback_feedback_neighbour", args=[older.pk]) + f"?dir=previous&_changelist_filters={filters}")
    assert r["Location"] == change_url(newest, filters)
    # plain Save returns to the filtered list
    r = admin_client.post(change_url(older, filters), {**form_data(older), "_save": "1"})
    assert r["Location"] == f"{LIST}?status__exact=pending"


def test_item_page_shows_reply_templates_filled_and_the_trail_in_names(admin_client, severe_item):
    fb = severe_item
    ReplyTemplate.objects.update_or_create(event="fixed", language="zh",
                                           defaults={"subject": "反馈 #{number}", "body": "您好，您的反馈 #{number} 已修复。"})
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"severity": "normal"})
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.system(), resolution="answered", reply="您好，已答复")
    page = admin_client.get(change_url(fb)).content.decode()
    assert f"您好，您的反馈 #{fb.pk} 已修复。" in page  # the template, variables filled
    audit = page[page.index('id="fa-audit"'):]
    assert "严重程度" in audit and "严重" in audit and "一般" in audit
    assert "labels.severity" not in audit and ">major<" not in audit
    assert "解决方式" in audit and "已解答" in audit and ">answered<" not in audit
    assert 'href="#fa-history"' in page  # 历史 goes to the trail on this page


def test_duplicate_of_shows_the_similarity(admin_client, make_feedback):
    from feedback_archive.feedback.services import feedback_mark_duplicate

    a = make_feedback("群文件上传总是失败")
    b = make_feedback("群文件上传一直失败")
    if not b.canonical_id:  # intake links near duplicates itself; else mark it as an agent would
        feedback_mark_duplicate(feedback=b, canonical=a, similarity=0.83, actor=Actor.system())
    b.refresh_from_db()
    page = admin_client.get(change_url(b)).content.decode()
    score = b.problem_score if b.problem_score is not None else b.similarity
    assert (f"#{a.pk}</a> ({score:.0%})" if score is not None else f"#{a.pk}</a> (") in page


def test_unmerge_with_a_bad_number_is_a_message(admin_client, make_feedback):
    fb = make_feedback("群文件上传总是失败")
    url = reverse("admin:feedback_feedback_duplicate", args=[fb.pk])
    for bad in ["abc", "99999999999999999999999", "-1"]:
        r = admin_client.post(url, {"fa_unmerge": bad}, follow=True)
        assert r.status_code == 200, bad
        assert "existing feedback" in r.content.decode() or "已有反馈" in r.content.decode()


def test_queue_counts_on_the_home_desk_cap_at_1000(admin_client, admin_user, make_feedback, monkeypatch):
    from feedback_archive.triage import queues

    for i in range(4):
        fb = make_feedback(f"第{i}条：视频会议卡顿")
        feedback_assign(feedback=fb, actor=Actor.system(), assignee=admin_user)
    page = admin_client.get("/admin/").content.decode()
    assert 'id="fa-queue-my_pending"' in page and '<span class="fa-count">4</span>' in page
    monkeypatch.setattr(queues, "CAP", 3)
    page = admin_client.get("/admin/").content.decode()
    assert '<span class="fa-count">3+</span>' in page


def test_list_count_reads_1000_plus_not_1001(admin_client, make_feedback, monkeypatch):
    from feedback_archive.core.admin import CappedCountPaginator

    for i in range(4):
        make_feedback(f"第{i}条：群消息延迟")
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    page = admin_client.get(LIST + "?status__exact=pending").content.decode()
    assert "3+" in page and " 4 " not in page.split('class="paginator"')[1][:200]


def test_to_verify_excludes_what_i_submitted(admin_client, admin_user, make_user, make_feedback):
    mine = make_feedback("表情包发送失败")
    theirs = make_feedback("聊天记录搜索不到")
    colleague = make_user("lina", "分诊员")
    for fb, who in ((mine, admin_user), (theirs, colleague)):
        feedback_transition(feedback_id=fb.pk, name="start", actor=Actor.for_user(who))
        feedback_transition(feedback_id=fb.pk, name="submit", actor=Actor.for_user(who), note="已修复")
    body = admin_client.get(LIST + "?verify=me").content.decode()
    assert change_url(theirs) in body and change_url(mine) not in body


def test_label_filter_with_suggestions(admin_client, make_feedback):
    from feedback_archive.classification.services import feedback_classify

    confirmed = make_feedback("视频会议经常卡顿，画面一卡一卡的")
    feedback_update(feedback_id=confirmed.pk, actor=Actor.system(), labels={"type": "performance"})
    suggested = make_feedback("打开视频会议后电脑风扇狂转，画面很卡，延迟很高")
    feedback_classify(feedback_id=suggested.pk)
    assert suggested.suggestions.filter(dimension__code="type", label__code="performance").exists()
    only = admin_client.get(LIST + "?type=performance").content.decode()
    both = admin_client.get(LIST + "?type=performance&suggested=1").content.decode()
    assert change_url(suggested) not in only and change_url(confirmed) in only
    assert change_url(suggested) in both and change_url(confirmed) in both
    assert "fa-chip" in both  # the active filters as removable chips


def test_bulk_close_separates_note_and_reply_and_fills_the_template(admin_client, make_feedback):
    ReplyTemplate.objects.update_or_create(event="answered", language="zh",
                                           defaults={"subject": "反馈 #{number}", "body": "您好，关于反馈 #{number}：已为您解答。"})
    items = [make_feedback(f"第{i}条：请问怎么导出聊天记录") for i in range(2)]
    ids = [str(f.pk) for f in items]
    r = admin_client.post(LIST, {"action": "action_close", "_selected_action": ids, "resolution": "answered",
                                 "note": "统一答复导出方法", "reply_template": "answered"}, follow=True)
    assert r.status_code == 200
    for fb in items:
        assert Reply.objects.get(feedback=fb).body == f"您好，关于反馈 #{fb.pk}：已为您解答。"
        assert TransitionLog.objects.get(feedback=fb, name="close").note == "统一答复导出方法"
    assert f"#{items[0].pk}" in r.content.decode()  # which items were done


def test_add_feedback_by_hand_with_product_platform_and_reporter(admin_client, django_capture_on_commit_callbacks):
    from feedback_archive.versions.models import Product

    Product.objects.get_or_create(slug="meeting", defaults={"name": "企信会议"})
    product = Product.objects.get(slug="meeting")
    # stored by the request; the release and the reporter are mapped by the pipeline after commit
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/admin/feedback/feedback/add/", {
            "channel_in": 1, "content_in": "销售拜访客户反馈：会议室投屏经常断开", "title_in": "", "product_in": product.pk,
            "platform_in": "windows", "app_version_in": "3.10.0", "reporter_name_in": "王经理", "reporter_contact_in": "",
            "reporter_id_in": ""})
    assert r.status_code == 302, r.content.decode()[:3000]
    fb = Feedback.objects.get()
    assert fb.product.slug == "meeting" and fb.platform == "windows" and fb.release.version == "3.10.0"
    assert fb.reporter.name == "王经理"


def test_change_page_query_count_is_bounded(admin_client, severe_item, django_assert_max_num_queries):
    from feedback_archive.classification.services import feedback_classify

    feedback_classify(feedback_id=severe_item.pk)
    # 21 on SQLite today (session, user, item, labels, suggestions, taxonomy, history, templates …);
    # the bound leaves room for a panel, not for a query per label or per history row
    with django_assert_max_num_queries(30):
        assert admin_client.get(change_url(severe_item)).status_code == 200


def test_every_queue_count_is_the_count_of_the_list_it_opens(client, make_user, make_feedback):
    import re

    from feedback_archive.triage.queues import desk_queues

    agent = make_user("wangfang", "分诊员")
    colleague = make_user("liuyang", "分诊员")
    team = Team.objects.create(slug="im", name="即时消息组")
    team.members.add(agent, colleague)
    for i in range(3):
        fb = make_feedback(f"第{i}条：群消息发送失败，提示网络错误")
        feedback_assign(feedback=fb, actor=Actor.system(), team=team, assignee=agent if i == 0 else None)
    pool = make_feedback("刚装好就闪退")
    feedback_transition(feedback_id=pool.pk, name="start", actor=Actor.for_user(colleague))
    feedback_transition(feedback_id=pool.pk, name="submit", actor=Actor.for_user(colleague), note="已修复")
    client.force_login(agent)
    queues = desk_queues(agent)
    assert {q.key: q.count for q in queues}["unassigned"] == 2
    for queue in queues:
        page = client.get(f"{LIST}?{queue.query}").content.decode()
        shown = re.search(r'class="paginator">\s*(?:<[^>]+>[^<]*</[^>]+>\s*)*([\d,+]+)', page)
        assert shown and shown.group(1) == queue.count_label, (queue.key, shown and shown.group(1))


def test_reporter_pages_and_export_mask_for_roles_without_contacts(admin_client, client, make_user, make_feedback):
    import json

    fb = make_feedback("群文件传不上去", reporter={"external_id": "u-88", "name": "张三丰", "contact": "zhangsanfeng@example.com"})
    # an administrator opening a reporter's page: was a 500 (a callable among the form's fields)
    page = admin_client.get(f"/admin/feedback/reporter/{fb.reporter_id}/change/")
    assert page.status_code == 200 and "zhangsanfeng@example.com" in page.content.decode()
    viewer = make_user("guest", "只读")
    client.force_login(viewer)
    assert client.get(f"/admin/feedback/reporter/{fb.reporter_id}/change/").status_code == 200
    r = client.post("/admin/feedback/reporter/", {"action": "export_data", "_selected_action": [fb.reporter_id]})
    exported = json.loads(r.content)[0]["reporter"]
    assert exported["contact"] != "zhangsanfeng@example.com" and "***" in exported["contact"]
    assert exported["name"] != "张三丰"
    r = admin_client.post("/admin/feedback/reporter/", {"action": "export_data", "_selected_action": [fb.reporter_id]})
    assert json.loads(r.content)[0]["reporter"]["contact"] == "zhangsanfeng@example.com"


def test_another_teams_item_by_url_is_read_only(client, make_user, make_feedback):
    agent = make_user("wangfang", "分诊员")
    other = Team.objects.create(slug="av", name="音视频引擎组")
    fb = make_feedback("视频会议里共享屏幕对方看到的是黑屏")
    feedback_update(feedback_id=fb.pk, actor=Actor.system(), labels={"severity": "major"})
    feedback_assign(feedback=fb, actor=Actor.system(), team=other)
    client.force_login(agent)
    page = client.get(change_url(fb)).content.decode()
    assert "视频会议里共享屏幕对方看到的是黑屏" in page and "严重" in page
    assert "data-transition=" not in page and 'name="fa_note"' not in page and 'name="label_severity"' not in page



def test_a_refused_add_keeps_the_typed_report(admin_client):
    r = admin_client.post("/admin/feedback/feedback/add/", {
        "channel_in": 1, "content_in": "电话反馈：会议室投屏断开\x00", "title_in": "投屏", "product_in": "",
        "platform_in": "", "app_version_in": "", "reporter_name_in": "王经理", "reporter_contact_in": "13800000000",
        "reporter_id_in": ""})
    assert r.status_code == 200
    page = r.content.decode()
    assert "王经理" in page and "13800000000" in page and "errorlist" in page
    assert not Feedback.objects.exists()


def test_evidence_words_are_marked_in_the_users_words_and_escaped():
    from feedback_archive.triage.templatetags.triage_desk import fa_highlight

    html = fa_highlight("屏幕共享时对方<b>黑屏</b>，共享屏幕也不行", ["黑屏", "屏幕共享", "屏幕"])
    assert '<mark class="fa-evidence">屏幕共享</mark>' in html  # the longer word wins
    assert '&lt;b&gt;<mark class="fa-evidence">黑屏</mark>&lt;/b&gt;' in html  # the user's text stays text
    assert fa_highlight("App crashes on login", ["crash"]) == 'App <mark class="fa-evidence">crash</mark>es on login'
    assert fa_highlight("没有证据", []) == "没有证据"


def test_not_yet_understood_items_are_a_queue_and_can_be_run_again(admin_client, make_feedback, django_capture_on_commit_callbacks):
    waiting = make_feedback("视频会议里共享屏幕对方看到的是黑屏", understand=None)
    done = make_feedback("群文件下载很慢", understand="all")
    page = admin_client.get("/admin/feedback/feedback/?pipeline_state=not_understood")
    ids = [row.pk for row in page.context["cl"].result_list]
    assert waiting.pk in ids and done.pk not in ids
    assert "fa-pipeline-received" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post("/admin/feedback/feedback/", {"action": "pipeline_rerun_selected",
                                                             "_selected_action": [waiting.pk, done.pk], "index": 0})
    assert r.status_code == 302
    waiting.refresh_from_db()
    assert waiting.pipeline_state == "understood"  # the job ran (synchronous queue in tests)


def test_home_desk_shows_the_pipeline_lag(admin_client, make_feedback):
    make_feedback("消息一直转圈发不出去", understand=None)
    body = admin_client.get("/admin/").content.decode()
    assert 'id="fa-pipeline-lag"' in body
