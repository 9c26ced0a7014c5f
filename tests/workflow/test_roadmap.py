import pytest

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ConflictError
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, FieldChange
from feedback_archive.feedback.services import feedback_assign, feedback_set_labels
from feedback_archive.versions.models import Product
from feedback_archive.versions.services import release_create
from feedback_archive.workflow.models import Delivery, Reply, RoadmapItem
from feedback_archive.workflow.roadmap import roadmap_demand, roadmap_set_links, roadmap_ship
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    product, _ = Product.objects.get_or_create(slug="im", defaults={"name": "企业 IM"})
    return release_create(product=product, version="5.4.0")


def _fb(make_feedback, text, ext, channel="in_app", **kw):
    return make_feedback(text, channel=channel, reporter={"external_id": ext, "name": ext, "contact": f"{ext}@example.com"}, **kw)


def _item(feedback, actor):
    item = RoadmapItem.objects.create(title="群聊消息支持按关键词搜索", description="群聊历史消息全文搜索")
    roadmap_set_links(item=item, feedback_ids=[f.pk for f in feedback], actor=actor)
    return item


def test_demand_counts_reporters_channels_and_severity_with_duplicates(make_feedback, agent, importer):
    a = _fb(make_feedback, "群里的历史消息搜不到，只能一直往上翻", "zhao")
    b = _fb(make_feedback, "希望群聊能按关键词搜索聊天记录", "qian", channel="community")
    c = _fb(make_feedback, "群聊记录没有搜索功能，找文件太难了", "zhao", channel="ticket")  # same person, other channel
    dup = _fb(make_feedback, "群里聊天记录怎么搜索？", "sun")
    Feedback.objects.filter(pk=dup.pk).update(canonical=a)  # a duplicate counts towards its canonical's demand
    for fb, sev in ((a, "major"), (b, "normal"), (c, "major")):
        feedback_set_labels(feedback=fb, labels={"severity": sev}, actor=importer)
    item = _item([a, b, c], Actor.for_user(agent))

    d = roadmap_demand(item=item)
    # reporters are per channel in this product (zhao on in_app and on ticket are two reporter rows)
    assert d["feedback"] == 4 and d["reporters"] == 4
    assert d["channels"] == {"in_app": 2, "community": 1, "ticket": 1}
    assert d["severity"] == {"major": 2, "normal": 1}
    assert FieldChange.objects.filter(feedback=a, field="roadmap", new=item.title).exists()


def test_shipping_moves_linked_feedback_through_the_workflow(make_feedback, agent, verifier, release, django_capture_on_commit_callbacks):
    me, other = Actor.for_user(agent), Actor.for_user(verifier)
    verifying = _fb(make_feedback, "群聊历史消息搜不到", "u1")
    feedback_transition(feedback_id=verifying.pk, name="start", actor=me)
    feedback_transition(feedback_id=verifying.pk, name="submit", actor=me, note="后端已加搜索索引")
    in_progress = _fb(make_feedback, "希望群聊能搜索聊天记录", "u2")
    feedback_transition(feedback_id=in_progress.pk, name="start", actor=me)
    pending = _fb(make_feedback, "找一个月前的群文件太难", "u3")
    closed = _fb(make_feedback, "群聊能不能加个搜索", "u4")
    feedback_transition(feedback_id=closed.pk, name="close", actor=me, resolution="wont_fix", reply="暂时没有排期，已记录需求。")
    item = _item([verifying, in_progress, pending, closed], me)

    with django_capture_on_commit_callbacks(execute=True):
        out = roadmap_ship(item=item, release=release, actor=other)

    status = dict(Feedback.objects.filter(pk__in=[verifying.pk, in_progress.pk, pending.pk, closed.pk]).values_list("pk", "status"))
    assert status == {verifying.pk: "closed", in_progress.pk: "verifying", pending.pk: "pending", closed.pk: "closed"}
    assert out["closed"] == [verifying.pk] and out["verifying"] == [in_progress.pk]
    assert sorted(out["replied"]) == sorted([in_progress.pk, pending.pk, closed.pk]) and out["refused"] == {}
    assert set(Feedback.objects.filter(roadmap_items=item).values_list("fixed_in__version", flat=True)) == {"5.4.0"}
    verifying.refresh_from_db()
    assert verifying.resolution == "fixed"
    for fb in (verifying, in_progress, pending, closed):  # exactly one "fixed in 5.4.0" reply each, sent
        fixed = Reply.objects.filter(feedback=fb, event="fixed")
        assert fixed.count() == 1 and "5.4.0" in fixed.get().body
        assert Delivery.objects.get(reply=fixed.get()).status == "sent"
    # the in-progress one was submitted by the shipper, so a verifier must close it
    assert in_progress.transitions.order_by("-id").first().name == "submit"
    item.refresh_from_db()
    assert (item.status, item.shipped_in) == ("shipped", release)
    with pytest.raises(ConflictError):
        roadmap_ship(item=item, release=release, actor=other)


def test_shipping_closes_in_progress_where_self_verification_is_allowed(make_feedback, agent, release):
    team = Team.objects.create(slug="im", name="即时消息组", allow_self_verify=True)
    team.members.add(agent)
    me = Actor.for_user(agent)
    fb = _fb(make_feedback, "群聊历史消息搜不到", "u5")
    feedback_assign(feedback=fb, actor=me, team=team)
    feedback_transition(feedback_id=fb.pk, name="start", actor=me)
    out = roadmap_ship(item=_item([fb], me), release=release, actor=me)
    fb.refresh_from_db()
    assert out["closed"] == [fb.pk] and (fb.status, fb.resolution, fb.fixed_in) == ("closed", "fixed", release)
    assert [t.name for t in fb.transitions.all()] == ["start", "submit", "close"]


def test_duplicates_follow_and_are_answered_once(make_feedback, agent, verifier, release):
    me = Actor.for_user(agent)
    canonical = _fb(make_feedback, "群聊历史消息搜不到", "u6")
    dup = _fb(make_feedback, "群里的聊天记录搜不到", "u7")
    Feedback.objects.filter(pk=dup.pk).update(canonical=canonical)
    for name in ("start", "submit"):
        feedback_transition(feedback_id=canonical.pk, name=name, actor=me, note="已修复")
    roadmap_ship(item=_item([canonical, dup], me), release=release, actor=Actor.for_user(verifier))
    dup.refresh_from_db()
    assert dup.status == "closed"
    assert Reply.objects.filter(feedback=dup, event="fixed").count() == 1


def test_other_teams_items_are_left_alone(make_feedback, agent, verifier, release):
    team = Team.objects.create(slug="av", name="音视频引擎组")
    fb = _fb(make_feedback, "群聊历史消息搜不到", "u8")
    feedback_assign(feedback=fb, actor=Actor.system("job"), team=team)
    out = roadmap_ship(item=_item([fb], Actor.system("job")), release=release, actor=Actor.for_user(agent))
    fb.refresh_from_db()
    assert list(out["refused"]) == [fb.pk] and fb.fixed_in is None and not Reply.objects.filter(feedback=fb).exists()


def test_admin_pages_and_ship_action(make_feedback, admin_client, release):
    fb = _fb(make_feedback, "群聊历史消息搜不到", "u9")
    item = RoadmapItem.objects.create(title="群聊搜索", target_release=release)
    resp = admin_client.post(f"/admin/workflow/roadmapitem/{item.pk}/change/", {
        "title": "群聊搜索", "description": "", "status": "in_progress", "target_release": release.pk, "feedback": str(fb.pk)})
    assert resp.status_code == 302
    assert list(item.feedback.all()) == [fb] and FieldChange.objects.filter(feedback=fb, field="roadmap").exists()
    assert admin_client.get(f"/admin/workflow/roadmapitem/{item.pk}/change/").status_code == 200
    assert admin_client.get("/admin/workflow/roadmapitem/").status_code == 200
    assert admin_client.get("/admin/workflow/survey/").status_code == 200
    assert admin_client.get("/admin/workflow/delivery/").status_code == 200
    assert admin_client.get("/admin/workflow/replytemplate/").status_code == 200
    admin_client.post("/admin/workflow/roadmapitem/", {"action": "ship", "_selected_action": [item.pk]})
    item.refresh_from_db()
    fb.refresh_from_db()
    assert item.status == "shipped" and fb.fixed_in == release
    assert Reply.objects.filter(feedback=fb, event="fixed").exists()
