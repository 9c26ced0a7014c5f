"""/api/v1/problems/: list with filters and sorting, detail, edits, and bad input as 4xx JSON."""
import pytest
from rest_framework.test import APIClient

from feedback_archive.core.actors import Actor
from feedback_archive.core.models import Team
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.feedback.services import problem_create

pytestmark = pytest.mark.django_db
JOB = Actor.system("job")


@pytest.fixture
def problems(make_feedback):
    black = [make_feedback(t, product=None, app_version=v, platform=pl, reporter={"external_id": f"u{n}"})
             for n, (t, v, pl) in enumerate([
                 ("共享屏幕对方看到黑屏", "3.10.0", "windows"),
                 ("屏幕共享的时候别人那边是黑的", "3.10.0", "mac"),
                 ("开会共享桌面，参会者说画面全黑", "3.10.1", "windows")])]
    files = [make_feedback("群文件下载到一半就失败了", reporter={"external_id": "u9"})]
    p = problem_create(feedback_ids=[f.pk for f in black], actor=JOB)
    q = problem_create(feedback_ids=[f.pk for f in files], actor=JOB)
    return p, q, black, files


def test_list_sorted_by_reporters_with_filters(api, problems):
    p, q, black, files = problems
    r = api.get("/api/v1/problems/")
    assert r.status_code == 200
    ids = [row["id"] for row in r.json()["results"]]
    assert ids[:2] == [p.pk, q.pk]
    assert r.json()["results"][0]["reporter_count"] == 3
    assert [row["id"] for row in api.get("/api/v1/problems/?release=3.10.1").json()["results"]] == [p.pk]
    assert [row["id"] for row in api.get("/api/v1/problems/?state=open").json()["results"]] == [p.pk, q.pk]
    assert api.get("/api/v1/problems/?state=closed").json()["results"] == []
    got = api.get("/api/v1/problems/?period=30d").json()["results"]
    assert got[0]["id"] == p.pk and got[0]["period_reporters"] == 3
    for bad in ("state=sideways", "period=last-year", "period=2026-W60", "ordering=newest", "product=%00",
                "release=%00", "module=%00"):
        r = api.get(f"/api/v1/problems/?{bad}")
        assert r.status_code == 400, bad
        assert bad.split("=")[0] in r.json()


def test_detail_has_members_counts_and_releases(api, problems):
    p, q, black, files = problems
    r = api.get(f"/api/v1/problems/{p.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert [m["id"] for m in body["members"]] == [f.pk for f in black]
    assert body["member_count"] == 3 and body["channel_count"] == 1
    assert [(x["version"], x["reports"]) for x in body["releases"]] == [("3.10.0", 2), ("3.10.1", 1)]
    assert body["platforms"] == {"windows": 2, "mac": 1}
    assert api.get("/api/v1/problems/999999/").status_code == 404
    assert api.get("/api/v1/problems/999999/").json()["detail"]


def test_feedback_carries_its_problem_and_filters_by_it(api, problems):
    p, q, black, files = problems
    got = api.get(f"/api/v1/feedback/?problem={p.pk}").json()["results"]
    assert sorted(r["id"] for r in got) == sorted(f.pk for f in black)
    assert all(r["problem"] == p.pk for r in got)
    one = api.get(f"/api/v1/feedback/{black[1].pk}/").json()
    assert one["problem"] == p.pk and one["canonical"] == black[0].pk  # the duplicates view is unchanged
    assert api.get(f"/api/v1/feedback/{black[0].pk}/").json()["duplicate_count"] == 2
    assert api.get("/api/v1/feedback/?problem=abc").status_code == 400


def test_merge_split_take_out_and_bad_input(api, problems):
    p, q, black, files = problems
    r = api.post(f"/api/v1/problems/{p.pk}/merge/", {"into": p.pk}, format="json")
    assert r.status_code == 400 and "into" in r.json()
    r = api.post(f"/api/v1/problems/{p.pk}/merge/", {"into_feedback": black[2].pk}, format="json")
    assert r.status_code == 400 and "into_feedback" in r.json()
    assert api.post(f"/api/v1/problems/{p.pk}/merge/", {"into": 999999}, format="json").status_code == 404
    assert api.post("/api/v1/problems/999999/merge/", {"into": p.pk}, format="json").status_code == 404
    assert api.post(f"/api/v1/problems/{p.pk}/merge/", {}, format="json").status_code == 400
    r = api.post(f"/api/v1/problems/{q.pk}/merge/", {"into": p.pk}, format="json")
    assert r.status_code == 200 and r.json()["member_count"] == 4
    again = api.post(f"/api/v1/problems/{q.pk}/merge/", {"into": p.pk}, format="json")
    assert again.status_code == 409 and f"#{p.pk}" in again.json()["detail"]
    r = api.post(f"/api/v1/problems/{p.pk}/split/", {"feedback_ids": [files[0].pk]}, format="json")
    assert r.status_code == 201 and r.json()["member_count"] == 1
    r = api.post(f"/api/v1/problems/{p.pk}/take-out/", {"feedback": black[2].pk}, format="json")
    assert r.status_code == 201
    assert api.post(f"/api/v1/problems/{p.pk}/take-out/", {"feedback": files[0].pk}, format="json").status_code == 404
    r = api.patch(f"/api/v1/problems/{p.pk}/", {"title": "屏幕共享时对方黑屏", "module": "no-such-module"}, format="json")
    assert r.status_code == 400 and "module" in r.json()
    r = api.patch(f"/api/v1/problems/{p.pk}/", {"title": "屏幕共享时对方黑屏"}, format="json")
    assert r.status_code == 200 and r.json()["title_locked"]
    assert Problem.objects.get(pk=p.pk).member_count == Feedback.objects.filter(problem=p).count() == 2


def test_other_teams_problem_is_403_and_read_keys_cannot_write(api, problems, agent):
    p, q, black, files = problems
    theirs = Team.objects.create(slug="av", name="音视频引擎组")
    Feedback.objects.filter(problem=q).update(team=theirs)
    client = APIClient()
    client.force_authenticate(agent)
    r = client.post(f"/api/v1/problems/{q.pk}/merge/", {"into": p.pk}, format="json")
    assert r.status_code == 403 and r.json()["detail"]
    assert Feedback.objects.get(pk=files[0].pk).problem_id == q.pk
    assert api.as_("read").post(f"/api/v1/problems/{q.pk}/merge/", {"into": p.pk}, format="json").status_code == 403


def test_proposals_accept_and_reject(api, problems):
    p, q, black, files = problems
    prop = ProblemProposal.objects.create(feedback=files[0], problem=p, score=0.41, evidence=["下载"])
    assert api.get(f"/api/v1/problems/{p.pk}/").json()["proposals"][0]["id"] == prop.pk
    r = api.post(f"/api/v1/problems/proposals/{prop.pk}/reject/")
    assert r.status_code == 200 and r.json()["decision"] == "rejected"
    assert api.post(f"/api/v1/problems/proposals/{prop.pk}/accept/").status_code == 409
    assert api.post("/api/v1/problems/proposals/99999/accept/").status_code == 404
