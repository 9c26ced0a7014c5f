"""Routing: which team — and who inside it — owns a feedback.

`route_feedback` runs after classification and after every re-label (enqueued by the feedback and
classification services as the `workflow.tasks.route_feedback` job). It reads the confirmed labels,
falling back to the classifier's suggestions, tries the active rules by order (the default rule
last), and assigns through `feedback_assign` as the system, so the audit trail records every team
and owner change — hand-offs included. What it did and why is kept as a `RoutingDecision`.

Suggestions are read through `Feedback.suggestions` (the reverse relation), not by importing the
classification app, which sits on the same layer as workflow.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core import segmenter
from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.feedback.choices import Status, Via
from feedback_archive.feedback.models import Channel, Feedback, FeedbackLabel, FieldChange
from feedback_archive.feedback.services import feedback_assign
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Platform, Product

from .models import AssignmentStrategy, RoutingDecision, RoutingOutcome, RoutingRule

# Outcomes that change nothing: logged once, not again on every re-run of the job.
_QUIET_OUTCOMES = {RoutingOutcome.KEPT, RoutingOutcome.KEPT_MANUAL, RoutingOutcome.NO_MATCH}


# --- what we know about the item -------------------------------------------------------------------
@dataclass
class Facts:
    labels: dict[str, str] = field(default_factory=dict)  # dimension code → label code
    suggested: set[str] = field(default_factory=set)  # dimensions whose label is only a suggestion
    product_id: int | None = None
    platform: str = ""
    locale: str = ""
    channel_id: int | None = None
    tokens: frozenset[str] = frozenset()


def feedback_facts(feedback: Feedback) -> Facts:
    confirmed = dict(
        FeedbackLabel.objects.filter(feedback=feedback).values_list("dimension__code", "label__code")
    )
    suggested = {
        dim: code for dim, code in feedback.suggestions.values_list("dimension__code", "label__code")
        if dim not in confirmed
    }
    locale = feedback.locale or (feedback.reporter.locale if feedback.reporter_id else "")
    return Facts(
        labels={**suggested, **confirmed}, suggested=set(suggested), product_id=feedback.product_id,
        platform=(feedback.platform or "").lower(), locale=_norm_locale(locale), channel_id=feedback.channel_id,
        tokens=frozenset(feedback.search_text.split()),
    )


def _norm_locale(value: str) -> str:
    return (value or "").strip().replace("_", "-").lower()


def split_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace("，", ",").replace("\n", ",").split(",") if part.strip()]


def keyword_list(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def keyword_terms(keyword: str) -> list[str]:
    """The words that must all be tokens of the item. jieba's main cut, not the search sub-words:
    文件传输 must not match 文件夹 … 传输速度, which searching for it would."""
    return segmenter.cut(keyword)


# --- rules --------------------------------------------------------------------------------------
@dataclass
class CompiledRule:
    rule: RoutingRule
    labels: dict[str, set[str]]  # dimension code → allowed label codes
    products: set[int]
    channels: set[int]
    platforms: set[str]
    locales: list[str]
    keywords: list[tuple[str, list[str]]]  # (keyword as written, the tokens that must all be present)

    def match(self, facts: Facts) -> list[str] | None:
        """The reasons it matched (one per condition), or None."""
        rule = self.rule
        if rule.is_default:
            return [_("default rule")]
        why = []
        for dim, codes in sorted(self.labels.items()):
            code = facts.labels.get(dim)
            if code not in codes:
                return None
            why.append(_("%(dimension)s=%(label)s (suggested)") % {"dimension": dim, "label": code}
                       if dim in facts.suggested else f"{dim}={code}")
        if self.products:
            if facts.product_id not in self.products:
                return None
            why.append(_("product"))
        if self.platforms:
            if facts.platform not in self.platforms:
                return None
            why.append(f"platform={facts.platform}")
        if self.locales:
            hit = next((p for p in self.locales if facts.locale == p or facts.locale.startswith(p + "-")), None)
            if hit is None:
                return None
            why.append(f"locale={facts.locale}")
        if self.channels:
            if facts.channel_id not in self.channels:
                return None
            why.append(_("channel"))
        if self.keywords:
            hit = next((kw for kw, terms in self.keywords if terms and all(t in facts.tokens for t in terms)), None)
            if hit is None:
                return None
            why.append(_("keyword “%(word)s”") % {"word": hit})
        return why


def compile_rule(rule: RoutingRule) -> CompiledRule:
    labels: dict[str, set[str]] = defaultdict(set)
    for label in rule.labels.all():
        labels[label.dimension.code].add(label.code)
    return CompiledRule(
        rule=rule, labels=dict(labels), products={p.pk for p in rule.products.all()},
        channels={c.pk for c in rule.channels.all()},
        platforms={p.lower() for p in split_list(rule.platforms)},
        locales=[_norm_locale(p) for p in split_list(rule.locales)],
        keywords=[(kw, keyword_terms(kw)) for kw in keyword_list(rule.keywords)],
    )


def active_rules() -> list[CompiledRule]:
    rules = (RoutingRule.objects.filter(is_active=True).select_related("team")
             .prefetch_related("labels__dimension", "products", "channels").order_by("is_default", "order", "id"))
    return [compile_rule(rule) for rule in rules]


def rule_validate(*, platforms: str = "", keywords: str = "", is_default: bool = False, has_conditions: bool = False) -> None:
    """Used by the admin form: refuse what would silently never match."""
    errors = {}
    unknown = [p for p in split_list(platforms) if p.lower() not in {v for v in Platform.values if v}]
    if unknown:
        errors["platforms"] = [_("Unknown platform(s): %(names)s. Use: %(known)s.") % {
            "names": ", ".join(unknown), "known": ", ".join(v for v in Platform.values if v)}]
    empty = [kw for kw in keyword_list(keywords) if not keyword_terms(kw)]
    if empty:
        errors["keywords"] = [_("These keywords contain no word to match: %(words)s") % {"words": ", ".join(empty)}]
    if is_default and has_conditions:
        errors["is_default"] = [_("The default rule matches everything; leave its conditions empty.")]
    if errors:
        raise ApplicationError("invalid routing rule", fields=errors)


def first_match(rules: list[CompiledRule], facts: Facts) -> tuple[CompiledRule, list[str]] | tuple[None, None]:
    for compiled in rules:
        why = compiled.match(facts)
        if why is not None:
            return compiled, why
    return None, None


# --- who inside the team ----------------------------------------------------------------------------
def _members(team: Team):
    return get_user_model().objects.filter(teams=team, is_active=True)


def pick_assignee(*, team: Team, strategy: str):
    """(user or None, why). Least open work counts every unclosed item a person owns, in any team:
    someone drowning in another team's queue is not free."""
    if strategy == AssignmentStrategy.TEAM_ONLY:
        return None, _("team only")
    if strategy == AssignmentStrategy.ROUND_ROBIN:
        members = list(_members(team).order_by("id").values_list("id", flat=True))
        if not members:
            return None, _("the team has no active members")
        last = (RoutingDecision.objects.filter(team=team, strategy=AssignmentStrategy.ROUND_ROBIN, assignee__isnull=False)
                .order_by("-id").values_list("assignee_id", flat=True).first())
        following = [m for m in members if last is not None and m > last]
        user = get_user_model().objects.get(pk=(following or members)[0])
        return user, _("round robin")
    user = (_members(team)
            .annotate(open_count=Count("assigned_feedback", filter=~Q(assigned_feedback__status=Status.CLOSED), distinct=True))
            .order_by("open_count", "id").first())
    if user is None:
        return None, _("the team has no active members")
    return user, _("least open work (%(count)d open)") % {"count": user.open_count}


# --- the service -----------------------------------------------------------------------------------
def assigned_by_a_person(feedback: Feedback) -> bool:
    """Any team or owner change not made by a job counts as a human decision routing must respect."""
    return FieldChange.objects.filter(feedback=feedback, field__in=("team", "assignee")).exclude(via=Via.JOB).exists()


def route_feedback(*, feedback_id: int, now=None, rules: list[CompiledRule] | None = None) -> RoutingDecision | None:
    """Route one feedback. Idempotent: running it again with nothing changed changes nothing and
    logs nothing new. Returns the decision written, or None (closed item, nothing new to say)."""
    now = now or timezone.now()
    with transaction.atomic():
        feedback = (Feedback.objects.select_for_update(of=("self",)).select_related("team", "assignee", "reporter")
                    .filter(pk=feedback_id).first())
        if feedback is None or feedback.status == Status.CLOSED:
            return None
        rules = active_rules() if rules is None else rules
        before = feedback.team
        facts = feedback_facts(feedback)
        compiled, why = first_match(rules, facts)
        if compiled is None:
            if not rules:
                return None  # no routing configured: nothing to explain
            return _log(feedback, rule=None, outcome=RoutingOutcome.NO_MATCH, team=feedback.team,
                        assignee=feedback.assignee, reason=_("No rule matched."), now=now)
        rule = compiled.rule
        matched = _("Rule “%(rule)s” matched: %(why)s.") % {"rule": rule.name, "why": ", ".join(why)}
        if assigned_by_a_person(feedback):
            return _log(feedback, rule=rule, outcome=RoutingOutcome.KEPT_MANUAL, team=feedback.team, assignee=feedback.assignee,
                        reason=f"{matched} " + _("Kept: a person assigned this item."), now=now)
        if feedback.team_id == rule.team_id and (feedback.assignee_id or rule.strategy == AssignmentStrategy.TEAM_ONLY):
            return None  # already where the rule would put it
        if feedback.team_id is None or feedback.team_id == rule.team_id:
            outcome = RoutingOutcome.ROUTED
        elif feedback.team_id != rule.team_id and rule.reroute_on_relabel:
            outcome = RoutingOutcome.REROUTED
        else:
            return _log(feedback, rule=rule, outcome=RoutingOutcome.KEPT, team=feedback.team, assignee=feedback.assignee,
                        reason=f"{matched} " + _("Kept: already owned by %(team)s.") % {"team": feedback.team}, now=now)
        # One routing at a time per team, so round robin and least-open counts see each other's picks.
        team = Team.objects.select_for_update().get(pk=rule.team_id)
        assignee, how = pick_assignee(team=team, strategy=rule.strategy)
        feedback_assign(feedback=feedback, actor=Actor.system("job"), team=team, assignee=assignee)
        reason = f"{matched} " + _("Assigned to %(team)s / %(who)s (%(how)s).") % {
            "team": team, "who": assignee.get_username() if assignee else "—", "how": how}
        return _log(feedback, rule=rule, outcome=outcome, team=team, assignee=assignee, reason=reason, now=now,
                    previous_team=before)


def _log(feedback, *, rule, outcome, team, assignee, reason, now, previous_team=...) -> RoutingDecision | None:
    if outcome in _QUIET_OUTCOMES:
        last = RoutingDecision.objects.filter(feedback=feedback).order_by("-at", "-id").first()
        if last and (last.outcome, last.rule_id, last.team_id, last.assignee_id) == (
                outcome, getattr(rule, "pk", None), getattr(team, "pk", None), getattr(assignee, "pk", None)):
            return None
    return RoutingDecision.objects.create(
        feedback=feedback, rule=rule, rule_name=rule.name if rule else "", outcome=outcome,
        previous_team=team if previous_team is ... else previous_team,
        team=team, assignee=assignee, strategy=rule.strategy if rule and outcome not in _QUIET_OUTCOMES else "",
        reason=reason[:2000], at=now,
    )


ROUTE_TASK = "feedback_archive.workflow.tasks.route_feedback"


def route_after_relabel(*, feedback_id: int) -> None:
    """A person confirmed labels: rules that match on labels (and re-route on relabel) decide
    again once the change commits, in a job — never inside the person's request."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(ROUTE_TASK, feedback_id))


def route_many(*, feedback_ids: list[int], now=None) -> dict[str, int]:
    """Route several items with the rules loaded once (admin action "route again", backfills)."""
    rules = active_rules()
    counts: dict[str, int] = defaultdict(int)
    for fid in feedback_ids:
        decision = route_feedback(feedback_id=fid, now=now, rules=rules)
        counts[decision.outcome if decision else "unchanged"] += 1
    return dict(counts)


def routing_rule_ensure(*, name: str, team: str, order: int = 100, labels: dict[str, list[str]] | None = None,
                        products: list[str] = (), channels: list[str] = (), platforms: str = "", locales: str = "",
                        keywords: list[str] = (), strategy: str = AssignmentStrategy.LEAST_OPEN,
                        reroute_on_relabel: bool = False, is_default: bool = False, description: str = "") -> RoutingRule:
    """Create or update a rule by name from plain codes (team slug, {dimension: [label codes]},
    product and channel slugs) — for demo data, fixtures and setup scripts. Idempotent."""
    team_obj = Team.objects.filter(slug=team).first()
    if team_obj is None:
        raise ApplicationError("unknown team", fields={"team": [_("Unknown team '%(team)s'.") % {"team": team}]})
    wanted = [(dim, code) for dim, codes in (labels or {}).items() for code in codes]
    label_objs = [lab for lab in Label.objects.select_related("dimension").filter(dimension__code__in=[d for d, _c in wanted])
                  if (lab.dimension.code, lab.code) in set(wanted)]
    if len(label_objs) != len(set(wanted)):
        raise ApplicationError("unknown labels", fields={"labels": [_("Unknown label among %(labels)s.") % {"labels": wanted}]})
    keyword_text = "\n".join(keywords)
    rule_validate(platforms=platforms, keywords=keyword_text, is_default=is_default,
                  has_conditions=bool(wanted or products or channels or platforms or locales or keywords))
    with transaction.atomic():
        rule, _created = RoutingRule.objects.update_or_create(name=name, defaults={
            "team": team_obj, "order": order, "platforms": platforms, "locales": locales, "keywords": keyword_text,
            "strategy": strategy, "reroute_on_relabel": reroute_on_relabel, "is_default": is_default,
            "description": description, "is_active": True,
        })
        rule.labels.set(label_objs)
        rule.products.set(Product.objects.filter(slug__in=list(products)))
        rule.channels.set(Channel.objects.filter(slug__in=list(channels)))
    return rule


# Example rules for the four demo teams (docs/workflow-routing-sla.md); the demo loader may pass
# each to `routing_rule_ensure(**spec)`. Not seeded by a migration: teams are customer data.
EXAMPLE_RULES = [
    {"name": "海外用户 → 海外本地化支持组", "team": "overseas", "order": 10, "locales": "en, ja, ko",
     "strategy": AssignmentStrategy.LEAST_OPEN},
    {"name": "AI 功能关键词 → 对话式AI 算法组", "team": "ai", "order": 20,
     "keywords": ["智能助手", "机器人", "会议纪要", "智能摘要", "翻译"], "strategy": AssignmentStrategy.ROUND_ROBIN},
    {"name": "语音 / 视频 → 音视频引擎组", "team": "av-engine", "order": 30, "labels": {"module": ["voice", "video"]},
     "strategy": AssignmentStrategy.LEAST_OPEN, "reroute_on_relabel": True},
    {"name": "消息 / 群组 / 文件 → 即时消息组", "team": "im", "order": 40,
     "labels": {"module": ["message", "group", "file"]}, "strategy": AssignmentStrategy.LEAST_OPEN,
     "reroute_on_relabel": True},
    {"name": "其余 → 即时消息组（兜底）", "team": "im", "is_default": True, "strategy": AssignmentStrategy.LEAST_OPEN},
]


# --- the pipeline's batch ---------------------------------------------------------------------------
class _Picker:
    """pick_assignee for a whole batch: the team's members and their open counts (or the last
    round-robin pick) read once, then advanced in memory as the batch assigns, so item k sees
    the picks of items 1…k-1 exactly as the one-by-one path (which re-reads them) did."""

    def __init__(self, team: Team, strategy: str):
        self.strategy = strategy
        self.users: dict[int, object] = {}
        self.open: dict[int, int] = {}
        self.last = None
        if strategy == AssignmentStrategy.ROUND_ROBIN:
            self.members = list(_members(team).order_by("id"))
            self.last = (RoutingDecision.objects.filter(team=team, strategy=AssignmentStrategy.ROUND_ROBIN,
                                                        assignee__isnull=False)
                         .order_by("-id").values_list("assignee_id", flat=True).first())
        elif strategy != AssignmentStrategy.TEAM_ONLY:
            self.members = list(_members(team).annotate(open_count=Count(
                "assigned_feedback", filter=~Q(assigned_feedback__status=Status.CLOSED), distinct=True)).order_by("id"))
            self.open = {u.pk: u.open_count for u in self.members}

    def pick(self, previous_assignee_id: int | None):
        if self.strategy == AssignmentStrategy.TEAM_ONLY:
            return None, _("team only")
        if not self.members:
            return None, _("the team has no active members")
        if self.strategy == AssignmentStrategy.ROUND_ROBIN:
            following = [u for u in self.members if self.last is not None and u.pk > self.last]
            user = (following or self.members)[0]
            self.last = user.pk
            return user, _("round robin")
        user = min(self.members, key=lambda u: (self.open[u.pk], u.pk))
        how = _("least open work (%(count)d open)") % {"count": self.open[user.pk]}
        self.open[user.pk] += 1
        if previous_assignee_id in self.open:
            self.open[previous_assignee_id] -= 1
        return user, how


def route_batch(*, feedback_ids: list[int], now=None, rules: list[CompiledRule] | None = None) -> dict[str, int]:
    """Route a batch the way route_feedback routes one item (same outcomes, reasons and audit),
    in a few statements: the rows, their labels and suggestions, who was assigned by a person and
    the last decisions read once each; quiet decisions written with one bulk insert. Assignments
    lock each team once, in id order (the one-by-one path locks it per item), and go through
    feedback_assign so the audit trail is the same. Call inside a transaction holding the rows.
    Returns {outcome: n}."""
    now = now or timezone.now()
    rules = active_rules() if rules is None else rules
    counts: dict[str, int] = defaultdict(int)
    if not rules:
        return dict(counts)  # no routing configured: nothing to explain
    rows = list(Feedback.objects.select_related("team", "assignee", "reporter").filter(pk__in=list(feedback_ids))
                .exclude(status=Status.CLOSED).order_by("id"))
    ids = [f.pk for f in rows]
    confirmed: dict[int, dict[str, str]] = defaultdict(dict)
    for fid, dim, code in FeedbackLabel.objects.filter(feedback_id__in=ids).values_list(
            "feedback_id", "dimension__code", "label__code"):
        confirmed[fid][dim] = code
    suggested: dict[int, dict[str, str]] = defaultdict(dict)
    for fid, dim, code in Feedback.objects.filter(pk__in=ids, suggestions__isnull=False).values_list(
            "pk", "suggestions__dimension__code", "suggestions__label__code"):
        if dim not in confirmed[fid]:
            suggested[fid][dim] = code
    manual = set(FieldChange.objects.filter(feedback_id__in=ids, field__in=("team", "assignee"))
                 .exclude(via=Via.JOB).values_list("feedback_id", flat=True))
    last: dict[int, tuple] = {}
    for fid, *key in (RoutingDecision.objects.filter(feedback_id__in=ids).order_by("at", "id")
                      .values_list("feedback_id", "outcome", "rule_id", "team_id", "assignee_id")):
        last[fid] = tuple(key)
    quiet: list[RoutingDecision] = []
    to_assign: list[tuple[Feedback, CompiledRule, str]] = []

    def log_quiet(feedback, rule, outcome, reason):
        team, assignee = feedback.team, feedback.assignee
        key = (outcome, getattr(rule, "pk", None), getattr(team, "pk", None), getattr(assignee, "pk", None))
        if last.get(feedback.pk) == key:
            counts["unchanged"] += 1
            return
        quiet.append(RoutingDecision(feedback=feedback, rule=rule, rule_name=rule.name if rule else "", outcome=outcome,
                                     previous_team=team, team=team, assignee=assignee, strategy="",
                                     reason=reason[:2000], at=now))
        counts[outcome] += 1

    for feedback in rows:
        locale = feedback.locale or (feedback.reporter.locale if feedback.reporter_id else "")
        sug, conf = suggested.get(feedback.pk, {}), confirmed.get(feedback.pk, {})
        facts = Facts(labels={**sug, **conf}, suggested=set(sug), product_id=feedback.product_id,
                      platform=(feedback.platform or "").lower(), locale=_norm_locale(locale),
                      channel_id=feedback.channel_id, tokens=frozenset(feedback.search_text.split()))
        compiled, why = first_match(rules, facts)
        if compiled is None:
            log_quiet(feedback, None, RoutingOutcome.NO_MATCH, _("No rule matched."))
            continue
        rule = compiled.rule
        matched = _("Rule “%(rule)s” matched: %(why)s.") % {"rule": rule.name, "why": ", ".join(why)}
        if feedback.pk in manual:
            log_quiet(feedback, rule, RoutingOutcome.KEPT_MANUAL, f"{matched} " + _("Kept: a person assigned this item."))
        elif feedback.team_id == rule.team_id and (feedback.assignee_id or rule.strategy == AssignmentStrategy.TEAM_ONLY):
            counts["unchanged"] += 1  # already where the rule would put it
        elif feedback.team_id is None or feedback.team_id == rule.team_id:
            to_assign.append((feedback, compiled, RoutingOutcome.ROUTED, matched))
        elif rule.reroute_on_relabel:
            to_assign.append((feedback, compiled, RoutingOutcome.REROUTED, matched))
        else:
            log_quiet(feedback, rule, RoutingOutcome.KEPT,
                      f"{matched} " + _("Kept: already owned by %(team)s.") % {"team": feedback.team})
    decisions = list(quiet)
    if to_assign:
        # one routing at a time per team (round robin and least-open see each other's picks)
        teams = {t.pk: t for t in Team.objects.select_for_update().filter(
            pk__in=sorted({c.rule.team_id for _f, c, _o, _m in to_assign})).order_by("id")}
        pickers: dict[tuple[int, str], _Picker] = {}
        actor = Actor.system("job")
        for feedback, compiled, outcome, matched in to_assign:
            rule, team, before = compiled.rule, teams[compiled.rule.team_id], feedback.team
            picker = pickers.get((team.pk, rule.strategy))
            if picker is None:
                picker = pickers[(team.pk, rule.strategy)] = _Picker(team, rule.strategy)
            previous = feedback.assignee_id
            assignee, how = picker.pick(previous)
            for other in pickers.values():  # the same person may be counted by another strategy's picker
                if other is not picker and assignee is not None and assignee.pk in other.open:
                    other.open[assignee.pk] += 1
            feedback_assign(feedback=feedback, actor=actor, team=team, assignee=assignee)
            reason = f"{matched} " + _("Assigned to %(team)s / %(who)s (%(how)s).") % {
                "team": team, "who": assignee.get_username() if assignee else "—", "how": how}
            decisions.append(RoutingDecision(feedback=feedback, rule=rule, rule_name=rule.name, outcome=outcome,
                                             previous_team=before, team=team, assignee=assignee, strategy=rule.strategy,
                                             reason=reason[:2000], at=now))
            counts[outcome] += 1
    decisions.sort(key=lambda d: d.feedback_id)
    RoutingDecision.objects.bulk_create(decisions, batch_size=500)
    return dict(counts)
