"""`feedback_match`: put each stored item into a problem, or propose one to the agent.

Called by the worker pipeline (intake/pipeline.py) after an item is stored. Per item:

1. An item intake already linked as a near copy (`canonical`) joins its canonical's problem.
2. Otherwise candidate problems come from the concept index (ProblemTerm): the newest
   `TERM_HOLDERS` problems holding each of the item's concepts, ranked by the summed rarity of the
   concepts they share; problems the item was rejected from are never candidates again.
3. The best `CANDIDATES` are scored (feedback/matching.py) against their lead and newest members:
   at or above AUTO_THRESHOLD the item joins the best; otherwise it becomes a problem of its own and
   up to `PROPOSALS` candidates at or above PROPOSE_THRESHOLD are proposed to the agent.
Every link and proposal keeps its score and evidence (the shared words)."""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback_archive.core.actors import Actor

from .. import matching
from ..models import Feedback, FeedbackLabel, Problem, ProblemProposal
from .items import _chunks
from .problems import problem_create, problem_move_item

TERM_HOLDERS = 200  # newest problems read per concept: a concept held by thousands says little
CANDIDATES = 20
MEMBERS_PER_CANDIDATE = 3  # the lead and the newest others
PROPOSALS = 3

_JOB = Actor.system("job")
_lock = threading.Lock()
_state: dict = {"vectoriser": None, "fitted_at": 0.0}


def vectoriser() -> matching.Vectoriser:
    """The process's fitted weights: refitted on the newest stored reports every REFIT seconds."""
    refit = settings.PROBLEM_MATCH_REFIT_SECONDS
    sample = settings.PROBLEM_MATCH_FIT_SAMPLE
    with _lock:
        if _state["vectoriser"] is None or time.monotonic() - _state["fitted_at"] > refit:
            # the stored tokens, so fitting cuts no text either (only rows not indexed yet are cut)
            texts = [(f"{t} {c}", s or None) for t, c, s in
                     Feedback.objects.order_by("-id").values_list("title", "content", "search_text")[:sample]]
            _state["vectoriser"] = matching.Vectoriser().fit(texts)
            _state["fitted_at"] = time.monotonic()
        return _state["vectoriser"]


def vectoriser_reset() -> None:
    with _lock:
        _state["vectoriser"] = None


def _term_holders(terms: list[int]) -> dict[int, list[int]]:
    terms = sorted(set(terms))
    out: dict[int, list[int]] = {}
    if not terms:
        return out
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT v.term, h.problem_id FROM unnest(%s::bigint[]) AS v(term) CROSS JOIN LATERAL ("
                " SELECT problem_id FROM feedback_problemterm WHERE term = v.term"
                " ORDER BY problem_id DESC LIMIT %s) h", [terms, TERM_HOLDERS])
            rows = cur.fetchall()
        else:
            rows = []
            for chunk in _chunks(terms, 900):
                cur.execute(
                    "SELECT term, problem_id FROM (SELECT term, problem_id, ROW_NUMBER() OVER "
                    "(PARTITION BY term ORDER BY problem_id DESC) AS n FROM feedback_problemterm "
                    f"WHERE term IN ({', '.join(['%s'] * len(chunk))})) WHERE n <= %s", [*chunk, TERM_HOLDERS])
                rows += cur.fetchall()
    for term, pid in rows:
        out.setdefault(term, []).append(pid)
    return out


def _members(problem_ids: list[int]) -> list[tuple]:
    """(problem id, feedback id, title, content, release id, platform, search_text, received_at) of
    each problem's lead and newest other members."""
    if not problem_ids:
        return []
    cols = "f.problem_id, f.id, f.title, f.content, f.release_id, f.platform, f.search_text, f.received_at"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"SELECT {cols} FROM unnest(%s::bigint[]) AS p(id) CROSS JOIN LATERAL ("
                " SELECT * FROM feedback_feedback WHERE problem_id = p.id ORDER BY id DESC LIMIT %s) f"
                f" UNION SELECT {cols} FROM feedback_problem p JOIN feedback_feedback f ON f.id = p.lead_id"
                " WHERE p.id = ANY(%s)", [problem_ids, MEMBERS_PER_CANDIDATE - 1, problem_ids])
        else:
            marks = ", ".join(["%s"] * len(problem_ids))
            cur.execute(
                f"SELECT {cols.replace('f.', '')} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY problem_id "
                f"ORDER BY id DESC) AS n FROM feedback_feedback WHERE problem_id IN ({marks})) f WHERE n < %s"
                f" UNION SELECT {cols} FROM feedback_problem p JOIN feedback_feedback f ON f.id = p.lead_id"
                f" WHERE p.id IN ({marks})", [*problem_ids, MEMBERS_PER_CANDIDATE, *problem_ids])
        rows = cur.fetchall()
    return [(*row[:7], _aware(row[7])) for row in rows]


def _aware(value):
    # raw rows: SQLite gives naive UTC datetimes (or text), PostgreSQL aware ones
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.timezone.utc)
    return value


def _item_labels(feedback_ids, hints) -> dict[int, dict[str, str]]:
    """module/type of each item: confirmed labels, else the pipeline's hints (label codes)."""
    out = {fid: dict((hints or {}).get(fid) or {}) for fid in feedback_ids}
    for fid, dim, code in FeedbackLabel.objects.filter(
            feedback_id__in=feedback_ids, dimension__code__in=("module", "type")).values_list(
            "feedback_id", "dimension__code", "label__code"):
        out[fid][dim] = code
    return out


def candidates_for(report: matching.Report, *, exclude: set[int] = frozenset()) -> list[int]:
    """Candidate problem ids for a report, most shared rare concepts first."""
    vec = vectoriser()
    concept_of = dict(zip(matching.term_hashes(report.text, report.tokens),
                          dict.fromkeys(matching.concepts(report.text, report.tokens))))
    holders = _term_holders(list(concept_of))
    weight: dict[int, float] = {}
    for term, pids in holders.items():
        w = vec.weight("w:" + concept_of[term])
        for pid in pids:
            if pid not in exclude:
                weight[pid] = weight.get(pid, 0.0) + w
    return sorted(weight, key=lambda p: (-weight[p], -p))[:CANDIDATES]


def problem_matches(report: matching.Report, *, exclude: set[int] = frozenset()) -> list[matching.Match]:
    """Scored candidate problems for one report, best first (key = problem id), one per problem."""
    pids = candidates_for(report, exclude=exclude)
    if not pids:
        return []
    problems = {p.pk: p for p in Problem.objects.filter(pk__in=pids, merged_into__isnull=True).select_related(
        "module", "type")}
    docs = []
    for pid, _fid, title, content, release, platform, tokens, at in _members(list(problems)):
        p = problems[pid]
        docs.append(matching.Report(
            text=f"{title} {content}", tokens=tokens, product=p.product_id, module=p.module.code if p.module else None,
            type=p.type.code if p.type else None, release=release, platform=platform, at=at, key=pid))
    best: dict[int, matching.Match] = {}
    for m in matching.score_many(vectoriser(), report, docs):
        if m.key not in best:
            best[m.key] = m
    return sorted(best.values(), key=lambda m: -m.score)


def feedback_match(*, feedback_ids: list[int], hints: dict | None = None) -> None:
    """Link each stored item to a problem or record proposals (see the module docstring). Items
    already in a problem are left alone, so a retried pipeline step changes nothing."""
    ids = sorted({int(i) for i in feedback_ids})
    labels = _item_labels(ids, hints)
    for fid in ids:
        with transaction.atomic():
            _match_one(fid, labels.get(fid, {}))


def _match_one(fid: int, labels: dict) -> None:
    # the item's row is locked first: two workers matching the same item take turns, and the
    # second finds it placed (an item in no problem is no member a merge could be moving)
    item = Feedback.objects.select_for_update(of=("self",)).filter(pk=fid).first()
    if item is None or item.problem_id is not None:
        return
    if item.canonical_id:  # a near copy intake linked: it joins the copy's problem
        canonical = Feedback.objects.get(pk=item.canonical_id)
        if canonical.problem_id is None:
            problem_create(feedback_ids=[canonical.pk], actor=_JOB)
            canonical.refresh_from_db(fields=["problem"])
        problem_move_item(feedback_id=item.pk, problem_id=canonical.problem_id, actor=_JOB,
                          score=item.similarity, evidence=["near copy"])
        return
    # the tokens stage ran before this one: its search_text is the item's cut, not redone here
    report = matching.Report(text=f"{item.title} {item.content}", tokens=item.search_text, product=item.product_id,
                             module=labels.get("module"), type=labels.get("type"), release=item.release_id,
                             platform=item.platform, at=item.received_at, key=item.pk)
    rejected = set(ProblemProposal.objects.filter(feedback_id=fid, decision=ProblemProposal.Decision.REJECTED)
                   .values_list("problem_id", flat=True))
    found = problem_matches(report, exclude=rejected)
    if found and matching.decide(found[0].score) == "join":
        problem_move_item(feedback_id=fid, problem_id=found[0].key, actor=_JOB, score=found[0].score,
                          evidence=found[0].evidence)
        return
    problem_create(feedback_ids=[fid], actor=_JOB)
    ProblemProposal.objects.bulk_create([
        ProblemProposal(feedback_id=fid, problem_id=m.key, score=m.score, evidence=m.evidence)
        for m in found[:PROPOSALS] if matching.decide(m.score) != "new"
    ], ignore_conflicts=True)
