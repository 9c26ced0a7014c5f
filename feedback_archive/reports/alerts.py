"""Early warning: a problem rising sharply alerts its team within minutes, once per incident.

Every minute (schedule `reports-early-warning`) the problems with reports in the last
REPORTS_ALERT_WINDOW_MINUTES (W, default 60) are tested — problems as in reports/problems.py, so a
cluster of unmatched copies counts too. With x reports of the problem in the window and b reports
over its own baseline (the REPORTS_ALERT_BASELINE_DAYS before the window), the expected count is
λ = max(b · W / baseline span, REPORTS_ALERT_FLOOR_PER_DAY · W / 1 day) · v — the floor stands for
what a problem nobody reported before may get by chance; v ≥ 1 is how much busier this window is than
the baseline's average window (all other reports), so the evening peak does not look like a rise of
every problem — and p = P(X ≥ x | λ), the Poisson upper tail (scipy.stats.poisson.sf). An alert
fires on

- **count**: x ≥ REPORTS_ALERT_COUNT (its 5th report within the hour) and p < REPORTS_ALERT_COUNT_ALPHA
  (0.001): that many is not its ordinary rate (a problem that always gets a dozen reports an hour
  is not an incident);
- **jump**: x ≥ REPORTS_ALERT_MIN_JUMP and p < REPORTS_ALERT_ALPHA (1e-6): a significant jump against
  its own baseline, also when a team set the count higher.

With the defaults a problem nobody reported before alerts at its 5th report in the hour (count),
one with 24 reports a day at its 6th, one with 6 an hour not before its 16th.

A trigger opens an **incident** and alerts once: while the trigger keeps holding (re-tested every
minute) the incident stays open and nothing is sent again; REPORTS_ALERT_QUIET_HOURS after it last
held, the incident is over and the next rise alerts anew. Two workers testing the same problem at the
same moment serialise on the problem's (or lead item's) row, so one incident gets one alert.

The alert goes through the workflow's team alert outbox (workflow/alerts.py: rows written with the
incident, sent after the commit, retried with the outbox backoff, dead letters the admin can send
again): e-mail to the owning team's lead and to every active AlertEndpoint of the team — e-mail or a
Feishu, DingTalk or WeCom group bot (workflow/bots.py).
The owning team is the team of the problem's lead item, else the team most of the window's
reports are assigned to; problems nobody owns go to the endpoints without a team."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from feedback_archive.feedback.models import Feedback, Problem
from feedback_archive.workflow.alerts import alert_enqueue, team_endpoints

from . import conf, hotspots, problems
from .models import ProblemIncident

def _params() -> dict:
    return {k: conf.get(f"REPORTS_ALERT_{k}") for k in
            ("COUNT", "COUNT_ALPHA", "WINDOW_MINUTES", "ALPHA", "MIN_JUMP", "BASELINE_DAYS", "FLOOR_PER_DAY",
             "QUIET_HOURS")}


def trigger(x: int, baseline: int, p: dict, volume: float = 1.0) -> tuple[str, float, float] | None:
    """(rule, λ, p-value) when x reports in the window against `baseline` reports in the baseline
    span trigger an alert, else None. `volume`: how busy the hour is against the baseline's average
    hour (all other reports), so the evening peak does not look like a rise of every problem."""
    from scipy.stats import poisson

    window = dt.timedelta(minutes=p["WINDOW_MINUTES"])
    span = dt.timedelta(days=p["BASELINE_DAYS"])
    lam = max(baseline * (window / span), p["FLOOR_PER_DAY"] * (window / dt.timedelta(days=1))) * volume
    pv = float(poisson.sf(x - 1, lam))  # P(X ≥ x)
    if x >= p["COUNT"] and pv < p["COUNT_ALPHA"]:
        return "count", lam, pv
    if x >= p["MIN_JUMP"] and pv < p["ALPHA"]:
        return "jump", lam, pv
    return None


def candidates(now, p: dict | None = None) -> dict[int, dict]:
    """Problem keys whose reports in the window trigger an alert: {key: {count, expected, p, rule, first}}."""
    p = p or _params()
    start = now - dt.timedelta(minutes=p["WINDOW_MINUTES"])
    recent = Feedback.objects.filter(received_at__gt=start, received_at__lte=now)
    rows = {r["_key"]: r for r in recent.order_by().annotate(_key=problems.problem_key()).values("_key")
            .annotate(n=Count("*"), first=Min("received_at")).filter(n__gte=min(p["COUNT"], p["MIN_JUMP"]))}
    if not rows:
        return {}
    baseline = Feedback.objects.filter(received_at__gte=start - dt.timedelta(days=p["BASELINE_DAYS"]),
                                       received_at__lte=start)
    base = hotspots._count_keys(baseline, list(rows))
    # the hour's volume against the baseline's average hour, never below 1: a busy hour raises every
    # problem's expectation, a quiet night does not lower it (few reports make noisy ratios)
    per_window = baseline.count() * (dt.timedelta(minutes=p["WINDOW_MINUTES"]) / dt.timedelta(days=p["BASELINE_DAYS"]))
    total = recent.count()
    out = {}
    for key, row in rows.items():
        volume = max(1.0, (total - row["n"]) / per_window) if per_window else 1.0
        hit = trigger(row["n"], base.get(key, 0), p, volume)
        if hit:
            out[key] = {"count": row["n"], "rule": hit[0], "expected": hit[1], "p_value": hit[2], "first": row["first"]}
    return out


def _owner(key: int, lead_team_id, window_items) -> int | None:
    if lead_team_id:
        return lead_team_id
    teams = Counter(t for t in window_items.values_list("team_id", flat=True) if t)
    return teams.most_common(1)[0][0] if teams else None


def _link(problem_id, lead_id) -> str:
    base = settings.SITE_URL.rstrip("/")
    if problem_id:
        try:
            return base + reverse("admin:feedback_problem_change", args=[problem_id])
        except NoReverseMatch:
            pass
    return base + reverse("admin:feedback_feedback_change", args=[lead_id]) if lead_id else base


def _message(incident: ProblemIncident, examples: list[str], link: str, p: dict) -> tuple[str, str]:
    name = f"问题 #{incident.problem_id}" if incident.problem_id else f"反馈 #{incident.lead_id}"
    why = (f"{p['WINDOW_MINUTES']} 分钟内第 {incident.count} 条反馈" if incident.rule == "count" else
           f"{p['WINDOW_MINUTES']} 分钟内 {incident.count} 条，远超其平常水平（预期 {incident.expected:.2f} 条，p={incident.p_value:.1e}）")
    subject = f"[反馈归档] 预警：{name} {incident.title}"[:200]
    lines = [f"{name}：{incident.title}", f"触发：{why}", "最近的反馈："] + [f"- {e}" for e in examples] + [f"查看：{link}"]
    return subject, "\n".join(lines)


def _open(key: int, hit: dict, now, p: dict) -> ProblemIncident | None:
    """Open the incident and write its outbox rows, unless one is already open (checked under the
    row lock of the problem, or of the lead item for a problem key without a problem)."""
    pid = problems.key_problem(key)
    quiet = now - dt.timedelta(hours=p["QUIET_HOURS"])
    with transaction.atomic():
        if pid:
            row = Problem.objects.select_for_update(of=("self",)).filter(pk=pid).values("title", "lead_id", "lead__team_id").first()
            if row is None:
                return None
            title, lead_id, lead_team = row["title"], row["lead_id"], row["lead__team_id"]
        else:
            row = Feedback.objects.select_for_update().filter(pk=key).values("title", "content", "team_id").first()
            if row is None:
                return None
            title, lead_id, lead_team = (row["title"] or row["content"])[:120], key, row["team_id"]
        if ProblemIncident.objects.filter(key=key, last_triggered_at__gte=quiet).exists():
            ProblemIncident.objects.filter(key=key, last_triggered_at__gte=quiet).update(last_triggered_at=now)
            return None
        window_items = (Feedback.objects.filter(received_at__gt=now - dt.timedelta(minutes=p["WINDOW_MINUTES"]),
                                                received_at__lte=now)
                        .filter(hotspots._key_filter([key])).order_by("-received_at"))
        team_id = _owner(key, lead_team, window_items)
        incident = ProblemIncident.objects.create(
            key=key, problem_id=pid, lead_id=lead_id, team_id=team_id, title=title[:200], rule=hit["rule"],
            count=hit["count"], expected=hit["expected"], p_value=hit["p_value"], first_report_at=hit["first"],
            opened_at=now, last_triggered_at=now)
        examples = [(t or c)[:80] for t, c in window_items.values_list("title", "content")[:3]]
        subject, body = _message(incident, examples, _link(pid, lead_id), p)
        incident.alerts.add(*alert_enqueue(recipients=team_endpoints(team_id), subject=subject, body=body,
                                               feedback_id=lead_id, now=now))
    return incident


def early_warning_run(*, now=None) -> list[ProblemIncident]:
    """Test the problems with recent reports; open (and alert) the new incidents, keep the open
    ones open. Returns the incidents opened by this run."""
    now = now or timezone.now()
    p = _params()
    hits = candidates(now, p)
    if not hits:
        return []
    quiet = now - dt.timedelta(hours=p["QUIET_HOURS"])
    ongoing = set(ProblemIncident.objects.filter(key__in=list(hits), last_triggered_at__gte=quiet)
                  .values_list("key", flat=True))
    if ongoing:
        ProblemIncident.objects.filter(key__in=list(ongoing), last_triggered_at__gte=quiet).update(last_triggered_at=now)
    opened = []
    for key in sorted(set(hits) - ongoing):
        incident = _open(key, hits[key], now, p)
        if incident is not None:
            opened.append(incident)
    return opened
