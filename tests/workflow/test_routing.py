import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from feedback_archive.classification.models import Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.core.roles import AGENT
from feedback_archive.feedback.models import Channel, Feedback, FieldChange
from feedback_archive.feedback.services import feedback_assign, feedback_set_labels
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Product
from feedback_archive.workflow.models import RoutingDecision, RoutingRule
from feedback_archive.workflow.routing import route_feedback, rule_validate
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db

VOICE = "语音通话的时候对方一直听到回声，戴耳机也一样，开会很尴尬"
MESSAGE = "群里发的消息经常要过好几分钟才收到，@所有人也没有提醒"
VIDEO = "视频会议共享屏幕的时候画面花屏，别人看到的是一片绿色"


def user(username, name="", email=""):
    person = get_user_model().objects.create_user(username, password="pw", is_staff=True, first_name=name,
                                                  email=email or f"{username}@example.com")
    person.groups.add(Group.objects.get(name=AGENT))
    return person


def team(slug, name, *members, lead=None):
    t = Team.objects.create(slug=slug, name=name, lead=lead)
    t.members.add(*members)
    return t


def labels(*pairs):
    return [Label.objects.get(dimension__code=d, code=c) for d, c in pairs]


def rule(name, target, order=100, label_pairs=(), **kwargs):
    r = RoutingRule.objects.create(name=name, team=target, order=order, **kwargs)
    if label_pairs:
        r.labels.set(labels(*label_pairs))
    return r


@pytest.fixture
def teams(db):
    av = team("av-engine", "音视频引擎组", user("zhangwei", "张伟"), user("lina", "李娜"))
    im = team("im", "即时消息组", user("wangfang", "王芳"), user("liuyang", "刘洋"))
    overseas = team("overseas", "海外本地化支持组", user("alex", "Alex Chen"))
    ai = team("ai", "对话式AI 算法组", user("chenjing", "陈静"))
    return {"av": av, "im": im, "overseas": overseas, "ai": ai}


def confirm(fb, **values):
    feedback_set_labels(feedback=fb, labels=values, actor=Actor(key_name="triage-console", via="api"))


def suggest(fb, dimension, code, confidence=0.8):
    lab = Label.objects.get(dimension__code=dimension, code=code)
    Suggestion.objects.create(feedback=fb, dimension=lab.dimension, label=lab, confidence=confidence,
                              evidence=["回声"], model_version="test")


def test_first_matching_rule_by_order_wins(make_feedback, teams):
    rule("语音问题 → 音视频", teams["av"], order=20, label_pairs=[("module", "voice")])
    rule("回声关键词 → AI 降噪", teams["ai"], order=10, keywords="回声\n啸叫")
    fb = make_feedback(VOICE)
    confirm(fb, module="voice")

    decision = route_feedback(feedback_id=fb.pk)

    fb.refresh_from_db()
    assert fb.team == teams["ai"] and fb.assignee.username == "chenjing"
    assert decision.rule.name == "回声关键词 → AI 降噪" and decision.outcome == "routed"
    assert "回声" in decision.reason


def test_all_filled_in_conditions_must_hold(make_feedback, teams):
    rule("iOS 语音", teams["ai"], order=1, label_pairs=[("module", "voice")], platforms="ios")
    rule("语音", teams["av"], order=2, label_pairs=[("module", "voice"), ("module", "video")])
    fb = make_feedback(VOICE, platform="android")
    confirm(fb, module="voice")
    route_feedback(feedback_id=fb.pk)
    assert Feedback.objects.get(pk=fb.pk).team == teams["av"]  # platform did not hold for the first rule


def test_default_rule_is_tried_last_whatever_its_order(make_feedback, teams):
    rule("兜底", teams["im"], order=1, is_default=True)
    rule("语音", teams["av"], order=50, label_pairs=[("module", "voice")])
    voice, other = make_feedback(VOICE), make_feedback("能不能把聊天背景换成深色的，晚上看着眼睛疼")
    confirm(voice, module="voice")
    confirm(other, module="other")

    route_feedback(feedback_id=voice.pk)
    decision = route_feedback(feedback_id=other.pk)

    assert Feedback.objects.get(pk=voice.pk).team == teams["av"]
    assert Feedback.objects.get(pk=other.pk).team == teams["im"]
    assert decision.rule.is_default and decision.outcome == "routed"


def test_suggestions_stand_in_for_missing_confirmed_labels(make_feedback, teams):
    rule("视频", teams["av"], label_pairs=[("module", "video")])
    rule("消息", teams["im"], label_pairs=[("module", "message")])
    suggested_only = make_feedback(VIDEO)
    suggest(suggested_only, "module", "video")
    overruled = make_feedback(MESSAGE)
    suggest(overruled, "module", "video")
    confirm(overruled, module="message")  # a person's label beats the classifier's guess

    decision = route_feedback(feedback_id=suggested_only.pk)
    route_feedback(feedback_id=overruled.pk)

    assert Feedback.objects.get(pk=suggested_only.pk).team == teams["av"]
    assert "module=video (suggested)" in decision.reason
    assert Feedback.objects.get(pk=overruled.pk).team == teams["im"]


@pytest.mark.parametrize("locale,expected", [("en-US", "overseas"), ("en_GB", "overseas"), ("en", "overseas"),
                                             ("zh-CN", "im"), ("eo", "im"), ("", "im")])
def test_locale_prefix(make_feedback, teams, locale, expected):
    rule("英文用户", teams["overseas"], order=1, locales="en, ja")
    rule("兜底", teams["im"], is_default=True)
    fb = make_feedback("Messages arrive minutes late in the group chat", locale=locale)
    route_feedback(feedback_id=fb.pk)
    assert Feedback.objects.get(pk=fb.pk).team.slug == expected


def test_channel_and_product_conditions(make_feedback, teams):
    pc = Product.objects.create(slug="meeting", name="云会议")
    r = rule("应用商店的会议评价", teams["av"], order=1)
    r.channels.set([Channel.objects.get(slug="app_store")])
    r.products.set([pc])
    rule("兜底", teams["im"], is_default=True)
    review = make_feedback(VIDEO, channel="app_store", product="meeting")
    wrong_channel = make_feedback(VIDEO, channel="in_app", product="meeting")
    route_feedback(feedback_id=review.pk)
    route_feedback(feedback_id=wrong_channel.pk)
    assert Feedback.objects.get(pk=review.pk).team == teams["av"]
    assert Feedback.objects.get(pk=wrong_channel.pk).team == teams["im"]


def test_keywords_match_on_search_tokens_not_substrings(make_feedback, teams):
    rule("文件", teams["im"], keywords="文件传输\n断点续传")
    hit = make_feedback("群文件传输到一半就失败了，大一点的文件根本发不出去")
    miss = make_feedback("传输速度还可以，就是文件夹图标太丑")
    route_feedback(feedback_id=hit.pk)
    assert route_feedback(feedback_id=miss.pk).outcome == "no_match"
    assert Feedback.objects.get(pk=hit.pk).team == teams["im"]
    assert Feedback.objects.get(pk=miss.pk).team is None


def test_manual_assignment_is_never_overridden(make_feedback, teams):
    rule("语音", teams["av"], label_pairs=[("module", "voice")], reroute_on_relabel=True)
    fb = make_feedback(VOICE)
    lead = get_user_model().objects.get(username="wangfang")
    feedback_assign(feedback=fb, actor=Actor.for_user(lead), team=teams["im"], assignee=lead)
    confirm(fb, module="voice")

    decision = route_feedback(feedback_id=fb.pk)

    fb.refresh_from_db()
    assert fb.team == teams["im"] and fb.assignee == lead
    assert decision.outcome == "kept_manual"
    # no job touched the owner (the pipeline's problem membership is not an ownership change)
    assert not FieldChange.objects.filter(feedback=fb, via="job", field__in=["assignee", "team"]).exists()


def test_manual_owner_only_also_blocks_routing(make_feedback, teams):
    rule("语音", teams["av"], label_pairs=[("module", "voice")])
    fb = make_feedback(VOICE)
    someone = get_user_model().objects.get(username="lina")
    feedback_assign(feedback=fb, actor=Actor(key_name="ticket-sync", via="api"), assignee=someone)
    confirm(fb, module="voice")
    assert route_feedback(feedback_id=fb.pk).outcome == "kept_manual"
    assert Feedback.objects.get(pk=fb.pk).team is None


def test_relabel_hands_over_only_when_the_rule_says_so_and_keeps_history(make_feedback, teams):
    rule("语音", teams["av"], label_pairs=[("module", "voice")])
    to_im = rule("消息", teams["im"], label_pairs=[("module", "message")])
    fb = make_feedback(MESSAGE)
    confirm(fb, module="voice")
    route_feedback(feedback_id=fb.pk)
    assert Feedback.objects.get(pk=fb.pk).team == teams["av"]

    confirm(fb, module="message")
    kept = route_feedback(feedback_id=fb.pk)
    assert kept.outcome == "kept" and Feedback.objects.get(pk=fb.pk).team == teams["av"]

    to_im.reroute_on_relabel = True
    to_im.save()
    moved = route_feedback(feedback_id=fb.pk)

    fb.refresh_from_db()
    assert fb.team == teams["im"] and fb.assignee.username in {"wangfang", "liuyang"}
    assert moved.outcome == "rerouted" and moved.previous_team == teams["av"]
    team_changes = list(FieldChange.objects.filter(feedback=fb, field="team").values_list("old", "new", "via"))
    assert team_changes == [("", "av-engine", "job"), ("av-engine", "im", "job")]
    assert list(RoutingDecision.objects.filter(feedback=fb).order_by("id").values_list("outcome", flat=True)) == [
        "routed", "kept", "rerouted"]


def test_routing_again_changes_and_logs_nothing_new(make_feedback, teams):
    rule("语音", teams["av"], label_pairs=[("module", "voice")])
    fb = make_feedback(VOICE)
    confirm(fb, module="voice")
    route_feedback(feedback_id=fb.pk)
    version = Feedback.objects.get(pk=fb.pk).version
    assert route_feedback(feedback_id=fb.pk) is None
    assert route_feedback(feedback_id=fb.pk) is None
    assert RoutingDecision.objects.filter(feedback=fb).count() == 1
    assert Feedback.objects.get(pk=fb.pk).version == version
    assert FieldChange.objects.filter(feedback=fb, field="team").count() == 1


def test_no_rules_means_no_routing_and_no_noise(make_feedback, teams):
    fb = make_feedback(VOICE)
    assert route_feedback(feedback_id=fb.pk) is None
    assert not RoutingDecision.objects.exists()


def test_closed_items_are_not_routed(make_feedback, teams):
    rule("兜底", teams["im"], is_default=True)
    fb = make_feedback(VOICE)
    feedback_transition(feedback_id=fb.pk, name="close", actor=Actor(key_name="triage-console", via="api"),
                        resolution="answered", reply="您好，已为您开启通话降噪，请再试一次。")
    assert route_feedback(feedback_id=fb.pk) is None
    assert Feedback.objects.get(pk=fb.pk).team is None


def _open_items(make_feedback, owner, n, closed=0):
    for i in range(n + closed):
        fb = make_feedback(f"第{i}条：{MESSAGE}")
        Feedback.objects.filter(pk=fb.pk).update(assignee=owner)
        if i >= n:
            feedback_transition(feedback_id=fb.pk, name="close", actor=Actor.system("job"), resolution="answered",
                                reply="您好，已处理。")


def test_least_open_work_balances_the_team(make_feedback, db):
    a, b, c, away = user("a_zhou"), user("b_wu"), user("c_zheng"), user("d_feng")
    away.is_active = False
    away.save()
    im = team("im", "即时消息组", a, b, c, away)
    rule("消息", im, label_pairs=[("module", "message")], strategy="least_open")
    _open_items(make_feedback, a, 2)
    _open_items(make_feedback, b, 0, closed=3)  # closed work does not count
    _open_items(make_feedback, c, 1)

    picked = []
    for i in range(4):
        fb = make_feedback(f"新反馈{i}：{MESSAGE}")
        confirm(fb, module="message")
        route_feedback(feedback_id=fb.pk)
        picked.append(Feedback.objects.get(pk=fb.pk).assignee.username)

    # open before: a 2, b 0, c 1 → b, (b 1 = c 1: lower id) b, c, (all 2: lower id) a
    assert picked == ["b_wu", "b_wu", "c_zheng", "a_zhou"]
    assert "d_feng" not in picked


def test_round_robin_takes_turns_and_skips_inactive_members(make_feedback, db):
    a, b, c = user("a_zhou"), user("b_wu"), user("c_zheng")
    av = team("av-engine", "音视频引擎组", a, b, c)
    rule("语音", av, label_pairs=[("module", "voice")], strategy="round_robin")
    _open_items(make_feedback, a, 5)  # load is ignored by round robin

    picked = []
    for i in range(5):
        if i == 3:
            b.is_active = False
            b.save()
        fb = make_feedback(f"第{i}次：{VOICE}")
        confirm(fb, module="voice")
        route_feedback(feedback_id=fb.pk)
        picked.append(Feedback.objects.get(pk=fb.pk).assignee.username)

    assert picked == ["a_zhou", "b_wu", "c_zheng", "a_zhou", "c_zheng"]


def test_team_only_strategy_and_empty_team(make_feedback, db):
    empty = team("overseas", "海外本地化支持组")
    rule("英文", empty, locales="en", strategy="least_open")
    fb = make_feedback("Screen sharing shows a black screen on macOS", locale="en-US")
    decision = route_feedback(feedback_id=fb.pk)
    fb.refresh_from_db()
    assert fb.team == empty and fb.assignee is None
    assert "no active members" in decision.reason


def test_a_persons_relabel_routes_again_and_a_reclassification_does_not(make_feedback, teams,
                                                                       django_capture_on_commit_callbacks):
    from feedback_archive.workflow.certification import feedback_update_checked, labels_confirm_checked

    rule("语音", teams["av"], label_pairs=[("module", "voice")])
    actor = Actor(key_name="triage-console", via="api")
    fb = make_feedback(VOICE)
    with django_capture_on_commit_callbacks(execute=True):
        labels_confirm_checked(feedback=fb, labels={"module": "voice"}, actor=actor)
    fb.refresh_from_db()
    assert fb.team == teams["av"]  # django-q runs synchronously in tests
    assert fb.sla_due_at is not None  # and the SLA clock was set with it

    patched = make_feedback(VOICE)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_update_checked(feedback_id=patched.pk, actor=actor, labels={"module": "voice"})
    assert Feedback.objects.get(pk=patched.pk).team == teams["av"]

    from feedback_archive.classification.services import feedback_classify

    other = make_feedback(VOICE)
    suggest(other, "module", "voice", confidence=0.99)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_classify(feedback_id=other.pk)
    assert Feedback.objects.get(pk=other.pk).team is None  # suggestions alone never move an item


def test_rule_validation_refuses_rules_that_could_never_match():
    with pytest.raises(ApplicationError) as exc:
        rule_validate(platforms="ios, symbian", keywords="回声\n！！！", is_default=True, has_conditions=True)
    assert set(exc.value.fields) == {"platforms", "keywords", "is_default"}
    rule_validate(platforms="ios, Android", keywords="回声")


def test_rule_admin_pages(admin_client, teams):
    rule("语音", teams["av"], label_pairs=[("module", "voice")], keywords="回声")
    assert admin_client.get("/admin/workflow/routingrule/").status_code == 200
    assert admin_client.get("/admin/workflow/routingrule/add/").status_code == 200
    assert admin_client.get("/admin/workflow/routingdecision/").status_code == 200
    response = admin_client.post("/admin/workflow/routingrule/add/", {
        "name": "塞班", "order": 5, "is_active": "on", "platforms": "symbian", "team": teams["im"].pk,
        "strategy": "least_open", "locales": "", "keywords": "",
    })
    assert response.status_code == 200 and not RoutingRule.objects.filter(name="塞班").exists()
    response = admin_client.post("/admin/workflow/routingrule/add/", {
        "name": "安卓消息", "order": 5, "is_active": "on", "platforms": "android", "team": teams["im"].pk,
        "strategy": "round_robin", "locales": "", "keywords": "",
        "labels": [lab.pk for lab in labels(("module", "message"))],
    })
    assert response.status_code == 302
    assert RoutingRule.objects.get(name="安卓消息").labels.get().code == "message"


def test_the_documented_example_rules_route_the_demo_teams(make_feedback, teams):
    from feedback_archive.workflow.routing import EXAMPLE_RULES, routing_rule_ensure

    for spec in EXAMPLE_RULES:
        routing_rule_ensure(**spec)
    for spec in EXAMPLE_RULES:  # idempotent: the demo loader may run twice
        routing_rule_ensure(**spec)
    assert RoutingRule.objects.count() == len(EXAMPLE_RULES)

    english = make_feedback("The voice call keeps dropping after 10 minutes", locale="en-US")
    assistant = make_feedback("智能助手生成的会议纪要漏掉了一半发言")
    voice = make_feedback(VOICE)
    other = make_feedback("希望可以自定义聊天气泡的颜色")
    confirm(voice, module="voice")
    confirm(english, module="voice")
    confirm(other, module="other")
    for fb in (english, assistant, voice, other):
        route_feedback(feedback_id=fb.pk)
    assert [Feedback.objects.get(pk=fb.pk).team.slug for fb in (english, assistant, voice, other)] == [
        "overseas", "ai", "av-engine", "im"]
    with pytest.raises(ApplicationError):
        routing_rule_ensure(name="无此团队", team="nope")
