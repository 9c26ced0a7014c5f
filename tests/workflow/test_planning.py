"""Suggestions reach product planning: the queue (suggestion intent and won't-fix closes, grouped by
problem, with demand), linking to a roadmap item or declining with the reason, and the roadmap API."""
import pytest

from feedback_archive.classification.models import Suggestion
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.models import Feedback, Problem
from feedback_archive.feedback.services import feedback_set_labels
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.models import ProductDecision, Reply, RoadmapItem
from feedback_archive.workflow.planning import planning_decline, planning_link, planning_queue
from feedback_archive.workflow.services import feedback_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(make_feedback, agent):
    a = Actor.for_user(agent)
    problem = Problem.objects.create(title="希望群公告可以置顶")
    items = []
    for i, (text, channel) in enumerate([("希望群公告可以置顶显示", "in_app"), ("群公告能不能固定在顶部", "in_app"),
                                         ("建议公告置顶，不然大家看不到", "ticket")]):
        fb = make_feedback(text, channel=channel, reporter={"external_id": f"u-{i}", "contact": f"u{i}@corp.example"})
        Feedback.objects.filter(pk=fb.pk).update(problem=problem)
        feedback_set_labels(feedback=fb, labels={"intent": "suggestion"}, actor=a)
        items.append(fb.pk)
    # the classifier says suggestion, nobody confirmed an intent: in the queue
    guessed = make_feedback("能不能加个消息定时发送", reporter={"external_id": "u-9", "contact": "u9@corp.example"})
    Suggestion.objects.create(feedback=guessed, dimension=Label.objects.get(dimension__code="intent", code="suggestion").dimension,
                              label=Label.objects.get(dimension__code="intent", code="suggestion"), confidence=0.8,
                              model_version="test")
    # closed as won't fix: in the queue
    wont = make_feedback("希望支持超大文件传输")
    feedback_transition(feedback_id=wont.pk, name="close", actor=a, resolution="wont_fix", reason="带宽成本过高")
    # a complaint: not in the queue
    complaint = make_feedback("客服态度太差")
    feedback_set_labels(feedback=complaint, labels={"intent": "complaint"}, actor=a)
    return {"problem": problem, "items": items, "guessed": guessed.pk, "wont": wont.pk, "complaint": complaint.pk, "actor": a}


def test_queue_groups_by_problem_with_demand(queue):
    groups = planning_queue()
    first = groups[0]
    assert first["problem_id"] == queue["problem"].pk and first["items"] == 3 and first["reporters"] == 3
    assert first["channels"] == {"in_app": 2, "ticket": 1} and first["why"] == {"suggestion": 3}
    singles = {g["feedback_ids"][0]: g for g in groups[1:]}
    assert set(singles) == {queue["guessed"], queue["wont"]}
    assert singles[queue["wont"]]["why"] == {"wont_fix": 1}


def test_linking_takes_items_out_of_the_queue(queue):
    item = RoadmapItem.objects.create(title="群公告置顶")
    done, refused = planning_link(feedback_ids=queue["items"], roadmap_item_id=item.pk, actor=queue["actor"])
    assert done == queue["items"] and not refused
    assert set(item.feedback.values_list("pk", flat=True)) == set(queue["items"])
    assert ProductDecision.objects.filter(kind="linked", roadmap_item=item).count() == 3
    assert all(g["problem_id"] != queue["problem"].pk for g in planning_queue())
    with pytest.raises(ApplicationError):
        planning_link(feedback_ids=[queue["guessed"]], roadmap_item_id=999_999, actor=queue["actor"])


def test_declining_tells_the_reporters_why_and_closes_open_items(queue):
    with pytest.raises(ApplicationError) as exc:
        planning_decline(feedback_ids=queue["items"], reason="  ", actor=queue["actor"])
    assert "reason" in exc.value.fields
    done, refused = planning_decline(feedback_ids=queue["items"], reason="置顶会挡住聊天内容", actor=queue["actor"])
    assert done == queue["items"] and not refused
    for fid in queue["items"]:
        fb = Feedback.objects.get(pk=fid)
        assert (fb.status, fb.resolution) == ("closed", "wont_fix")
        reply = Reply.objects.get(feedback_id=fid)
        assert reply.event == "not_now" and "置顶会挡住聊天内容" in reply.body
    assert not [g for g in planning_queue() if g["problem_id"] == queue["problem"].pk]


def test_roadmap_api_list_create_link_ship(queue, api):
    r = api.post("/api/v1/roadmap/", {"title": "消息定时发送", "description": "用户呼声高"}, format="json")
    assert r.status_code == 201
    rid = r.json()["id"]
    assert api.post("/api/v1/roadmap/", {"title": ""}, format="json").status_code == 400
    r = api.post(f"/api/v1/roadmap/{rid}/link/", {"feedback_ids": [queue["guessed"], 999_999]}, format="json")
    assert r.status_code == 200 and r.json()["done"] == [queue["guessed"]] and "999999" in r.json()["refused"]
    assert api.post(f"/api/v1/roadmap/{rid}/link/", {"feedback_ids": []}, format="json").status_code == 400
    r = api.get(f"/api/v1/roadmap/{rid}/")
    assert r.json()["feedback_ids"] == [queue["guessed"]] and r.json()["demand"]["feedback"] == 1
    assert any(x["id"] == rid for x in api.get("/api/v1/roadmap/?status=planned").json()["results"])
    assert api.get("/api/v1/roadmap/?status=nonsense").status_code == 400
    release = Release.objects.create(product=Product.objects.create(slug="im-mac", name="Mac 客户端"), version="8.1.0")
    r = api.post(f"/api/v1/roadmap/{rid}/ship/", {"release": release.pk}, format="json")
    assert r.status_code == 200
    assert "8.1.0" in Reply.objects.filter(feedback_id=queue["guessed"], event="fixed").get().body
    assert api.post(f"/api/v1/roadmap/{rid}/ship/", {"release": release.pk}, format="json").status_code == 409
    assert api.as_("read").post("/api/v1/roadmap/", {"title": "x"}, format="json").status_code == 403


def test_planning_api_queue_and_decline(queue, api):
    groups = api.get("/api/v1/planning/queue/").json()["groups"]
    assert groups[0]["reporters"] == 3
    r = api.post("/api/v1/planning/decline/", {"feedback_ids": [queue["wont"]], "reason": "带宽成本过高"}, format="json")
    assert r.status_code == 200 and r.json()["done"] == [queue["wont"]]
    assert api.post("/api/v1/planning/decline/", {"feedback_ids": [queue["wont"]]}, format="json").status_code == 400


def test_agents_cannot_change_the_roadmap_through_the_api(queue, agent, client):
    client.force_login(agent)
    r = client.post("/api/v1/roadmap/", {"title": "未经授权"}, content_type="application/json")
    assert r.status_code == 403


def test_admin_queue_page(queue, admin_client):
    item = RoadmapItem.objects.create(title="群公告置顶")
    page = admin_client.get("/admin/workflow/roadmapitem/planning/")
    assert page.status_code == 200 and "希望群公告可以置顶" in page.content.decode()
    ids = ",".join(map(str, queue["items"]))
    admin_client.post("/admin/workflow/roadmapitem/planning/", {"feedback_ids": ids, "decision": "link",
                                                                 "roadmap_item": item.pk})
    assert item.feedback.count() == 3
    r = admin_client.post("/admin/workflow/roadmapitem/planning/", {"feedback_ids": str(queue["wont"]),
                                                                     "decision": "decline", "reason": ""}, follow=True)
    assert r.status_code == 200 and not ProductDecision.objects.filter(feedback_id=queue["wont"]).exists()
