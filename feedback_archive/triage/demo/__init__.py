"""Fill a fresh database with believable demo data — through the same services as real intake."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, PermissionDeniedError
from feedback_archive.core.models import Team
from feedback_archive.core.roles import AGENT, LEAD, roles_sync
from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal
from feedback_archive.feedback.services import (
    feedback_assign,
    feedback_create,
    feedback_set_labels,
    feedback_set_release,
    problem_merge,
    problem_take_out,
    problems_like,
    proposal_reject,
)
from feedback_archive.intake.pipeline import pipeline_run
from feedback_archive.intake.services import pipeline_enqueue
from feedback_archive.versions.models import Product, Release
from feedback_archive.workflow.routing import EXAMPLE_RULES, routing_rule_ensure
from feedback_archive.workflow.services import feedback_transition

from . import corpus as demo_corpus

TEAMS = [
    ("ai", "对话式AI 算法组", ["other"]),
    ("av-engine", "音视频引擎组", ["voice", "video"]),
    ("im", "即时消息组", ["message", "group", "file"]),
    ("overseas", "海外本地化支持组", []),
]
AGENTS = [("zhangwei", "张伟", "av-engine"), ("lina", "李娜", "av-engine"), ("wangfang", "王芳", "im"),
          ("liuyang", "刘洋", "im"), ("chenjing", "陈静", "ai"), ("alex", "Alex Chen", "overseas")]

PATHS = {
    "pending": [],
    "in_progress": ["start"],
    "verifying": ["start", "submit"],
    "closed": ["start", "submit", "close"],
}
# reports older than this have been through the desk's proposal review (_review_problem); newer
# ones still show their open proposals
REVIEWED_AFTER = dt.timedelta(hours=12)
REPLIES = {
    "fixed": "您好，您反馈的问题已在新版本中修复，升级后即可恢复正常。感谢您的反馈！",
    "answered": "您好，这个功能可以在“设置 → 通用”中开启，具体步骤已发到您的联系方式，有问题随时找我们。",
    "duplicate": "您好，这个问题我们已在跟进（与其他用户反馈的是同一问题），修复后会第一时间通知您。",
    "not_reproducible": "您好，我们按您描述的步骤暂未复现，如再次出现请在应用内上传日志，我们会继续排查。",
    "wont_fix": "您好，这个需求已记录到产品规划，短期内暂无排期，有进展会通知您。感谢建议！",
}


def demo_users() -> dict[str, object]:
    roles_sync()
    agents = Group.objects.get(name=AGENT)
    User = get_user_model()
    users = {}
    for username, name, team_slug in AGENTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": name, "is_staff": True, "email": f"{username}@example.com"})
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(agents)
        users[username] = (user, team_slug)
    return users


def demo_teams(users) -> dict[str, Team]:
    teams = {}
    for slug, name, _modules in TEAMS:
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        teams[slug] = team
    leads = Group.objects.get(name=LEAD)
    for _username, (user, team_slug) in users.items():
        team = teams[team_slug]
        team.members.add(user)
        if team.lead_id is None:  # the first agent of each team leads it in the demo
            team.lead = user
            team.save(update_fields=["lead"])
            user.groups.add(leads)
    return teams


def load_demo_data(*, count: int = 3000, seed: int = 7, progress: Callable[[int, int], None] | None = None) -> int:
    """Create products, releases, teams, agents and `count` feedback items in varied states."""
    now = timezone.now()
    for p in demo_corpus.PRODUCTS:
        Product.objects.get_or_create(slug=p["slug"], defaults={"name": p["name"]})
    for r in demo_corpus.releases_for(now):
        product = Product.objects.get(slug=r["product"])
        Release.objects.get_or_create(product=product, platform=r["platform"], version=r["version"],
                                      defaults={"released_at": r["released_at"], "install_base": r.get("install_base")})
    users = demo_users()
    teams = demo_teams(users)
    for spec in EXAMPLE_RULES:
        routing_rule_ensure(**spec)
    module_team = {m: teams[slug] for slug, _n, mods in TEAMS for m in mods}
    team_members = {slug: [u for u, t in users.values() if t == slug] for slug in teams}
    rng = random.Random(seed)
    importer = Actor.system("import")
    items = demo_corpus.generate(count, seed=seed, now=now)
    items.sort(key=lambda i: i["received_at"])  # so duplicates link to the earlier report
    created = 0
    issue_of: dict[int, str] = {}
    for start in range(0, len(items), 200):
        with transaction.atomic():
            for item in items[start:start + 200]:
                created += _load_one(item, rng, now, importer, module_team, team_members, teams, issue_of)
        if progress:
            progress(min(start + 200, len(items)), len(items))
    _leads_review(issue_of, teams)
    # the rest of the pipeline (classification, routing, acknowledgement) in the worker
    ids = list(Feedback.objects.exclude(pipeline_state="understood").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            pipeline_enqueue(feedback_ids=ids[start:start + 500])
    return created


def _load_one(item, rng, now, importer, module_team, team_members, teams, issue_of) -> int:
    truth, target, resolution = item["truth"], item["target_status"], item["resolution"]
    data = {k: v for k, v in item.items() if k not in ("truth", "target_status", "resolution", "issue")}
    feedback, created = feedback_create(actor=importer, **data)
    if not created:
        return 0
    # reporter, release, search tokens and duplicate links now, as the demo's history needs them
    # (the stages intake used to run in the request); the rest of the pipeline runs in the worker
    pipeline_run(feedback_ids=[feedback.pk], stop_after="match")
    feedback.refresh_from_db()
    age = now - feedback.received_at
    team = teams["overseas"] if (item.get("locale") or "").startswith("en") else module_team.get(truth["module"], teams["im"])
    members = team_members.get(team.slug) or [u for m in team_members.values() for u in m]
    agent = rng.choice(members)
    agent_actor = Actor.for_user(agent)
    issue_of[feedback.pk] = item["issue"]
    if age > REVIEWED_AFTER:
        _review_problem(feedback, issue_of, agent_actor)
    if target != "pending" or age > dt.timedelta(days=3):
        feedback_set_labels(feedback=feedback, labels=truth, actor=agent_actor)
        feedback_assign(feedback=feedback, actor=agent_actor, assignee=agent, team=team)
    steps = PATHS[target]
    if target == "closed" and resolution and resolution != "fixed":
        steps = ["start", "close"] if rng.random() < 0.6 else ["close"]
    t = feedback.received_at
    span = max(age.total_seconds(), 3600)
    verifier = rng.choice([u for m in team_members.values() for u in m if u != agent] or [agent])
    for name in steps:
        t = min(now, t + dt.timedelta(seconds=rng.uniform(0.02, 0.3) * span / max(len(steps), 1)))
        actor = Actor.for_user(verifier if name == "close" and "submit" in steps else agent)
        kwargs = {}
        if name == "close":
            kwargs = {"resolution": resolution or "fixed", "reply": REPLIES.get(resolution or "fixed", REPLIES["fixed"])}
            if kwargs["resolution"] == "fixed" and feedback.release_id and not feedback.fixed_in_id:
                # a fixed close names the release carrying the fix (a later report on it is a regression);
                # the steps above moved the row, so the write starts from its current state
                feedback.refresh_from_db()
                feedback_set_release(feedback=feedback, actor=actor, fixed_in=feedback.release)
        try:
            feedback_transition(feedback_id=feedback.pk, name=name, actor=actor, at=t, note=_note(name), **kwargs)
        except ApplicationError:
            break
    return 1


def _review_problem(feedback: Feedback, issue_of: dict[int, str], actor: Actor) -> None:
    """The desk's review of what matching did with a report. The demo's agents know which issue
    each report renders (the generator's ground truth), as a person reading both texts would:
    they take a wrong automatic join apart, merge the report's problem into the proposed one that
    is right and reject the wrong proposals. Matching alone is measured elsewhere (docs/duplicates.md,
    bench/demo_grouping.py); this is the history a desk leaves after working the proposal panel."""
    issue = issue_of[feedback.pk]
    problem = Problem.objects.filter(pk=feedback.problem_id).first()
    try:
        if problem and problem.lead_id != feedback.pk and issue_of.get(problem.lead_id) != issue:
            problem_take_out(feedback_id=feedback.pk, actor=actor)
        for proposal in ProblemProposal.objects.filter(feedback=feedback, decision=ProblemProposal.Decision.OPEN
                                                       ).select_related("problem").order_by("-score"):
            feedback.refresh_from_db(fields=["problem"])
            if issue_of.get(proposal.problem.lead_id) == issue and proposal.problem_id != feedback.problem_id:
                problem_merge(source_id=feedback.problem_id, target_id=proposal.problem_id, actor=actor)
                break
            proposal_reject(proposal_id=proposal.pk, actor=actor)
    except ApplicationError:
        pass  # another team's problem: left for its own agents


def _leads_review(issue_of: dict[int, str], teams: dict[str, Team]) -> None:
    """This week's review of each product's newest release: the team lead opens its problems,
    biggest first, and merges the ones the problem page lists as possibly the same that are (the
    generator's issue again stands for the lead's reading) — fragments of one incident that
    matching and the agents' proposal review left apart."""
    leads = {t.pk: Actor.for_user(t.lead) for t in teams.values() if t.lead_id}
    superuser = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
    admin = Actor.for_user(superuser) if superuser else Actor.system("demo")
    newest = {}
    for release in Release.objects.filter(released_at__isnull=False).order_by("product_id", "released_at"):
        newest[release.product_id] = release  # unknown versions (no release date) are not releases a lead reviews
    for release in newest.values():
        problem_ids = list(Problem.objects.filter(members__release=release, merged_into__isnull=True).distinct()
                           .order_by("-reporter_count", "id").values_list("pk", flat=True))
        for pid in problem_ids:
            problem = Problem.objects.filter(pk=pid, merged_into__isnull=True).select_related("lead").first()
            if problem is None or problem.lead_id is None:
                continue
            actor = leads.get(problem.lead.team_id) or Actor.system("demo")
            for like in problems_like(problem_id=pid, limit=12):
                other = Problem.objects.filter(pk=like.key, merged_into__isnull=True).first()
                if other is None or issue_of.get(other.lead_id) != issue_of.get(problem.lead_id):
                    continue
                for who in (actor, admin):  # another team's reports: the lead asks an administrator
                    try:
                        problem_merge(source_id=other.pk, target_id=pid, actor=who)
                        break
                    except PermissionDeniedError:
                        continue
                    except ApplicationError:
                        break  # merged or moved meanwhile: nothing to do


def _note(name: str) -> str:
    return {"start": "已确认问题，开始排查", "submit": "已提交修复，待验证", "close": "验证通过"}.get(name, "")
