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
from .problems import problem_create, problem_place

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
            vec = matching.Vectoriser().fit(texts)
            _warm(vec)
            _state["vectoriser"] = vec
            _state["fitted_at"] = time.monotonic()
        return _state["vectoriser"]


def _warm(vec: matching.Vectoriser) -> None:
    """Fill the kept vectors with what matching scores most: the lead and newest members of the
    newest problems (candidates are the newest holders of each concept), so the first items after
    a refit do not each hash sixty texts."""
    newest = list(Problem.objects.filter(merged_into__isnull=True).order_by("-id")
                  .values_list("id", flat=True)[:vec.ROW_CACHE // MEMBERS_PER_CANDIDATE])
    docs = [matching.Report(text=f"{title} {content}", tokens=tokens).doc
            for _pid, _fid, title, content, _r, _p, tokens, *_ in _members(newest)]
    for start in range(0, len(docs), 2000):
        vec.transform_blocks(docs[start:start + 2000])


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
    """(problem id, feedback id, title, content, release id, platform, search_text, received_at,
    product id, module code, type code) of each live problem's lead and newest other members, the
    problem's own columns on every row: one query for all candidates."""
    if not problem_ids:
        return []
    cols = "id, title, content, release_id, platform, search_text, received_at"
    fcols = ", ".join(f"f.{c}" for c in cols.split(", "))
    select = (f"SELECT p.id, {fcols}, p.product_id, mo.code, ty.code FROM feedback_problem p"
              " LEFT JOIN taxonomy_label mo ON mo.id = p.module_id LEFT JOIN taxonomy_label ty ON ty.id = p.type_id")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # per problem: its lead by primary key, its newest members by a backward scan of
            # fb_problem_newest that stops after MEMBERS_PER_CANDIDATE - 1 rows
            cur.execute(
                f"{select} CROSS JOIN LATERAL ((SELECT {cols} FROM feedback_feedback WHERE id = p.lead_id)"
                f" UNION ALL (SELECT {cols} FROM feedback_feedback WHERE problem_id = p.id ORDER BY id DESC LIMIT %s)) f"
                " WHERE p.id = ANY(%s) AND p.merged_into_id IS NULL", [MEMBERS_PER_CANDIDATE - 1, problem_ids])
        else:
            marks = ", ".join(["%s"] * len(problem_ids))
            cur.execute(
                f"{select} JOIN (SELECT {cols}, problem_id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY problem_id"
                f" ORDER BY id DESC) AS n FROM feedback_feedback WHERE problem_id IN ({marks})) WHERE n < %s"
                f" UNION ALL SELECT {fcols}, l.id FROM feedback_problem l JOIN feedback_feedback f"
                f" ON f.id = l.lead_id WHERE l.id IN ({marks})) f ON f.problem_id = p.id WHERE p.merged_into_id IS NULL",
                [*problem_ids, MEMBERS_PER_CANDIDATE, *problem_ids])
        rows = cur.fetchall()
    # the lead can be one of the newest too: once per problem and member
    seen, out = set(), []
    for row in rows:
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            out.append((*row[:7], _aware(row[7]), *row[8:11]))
    return out


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


def candidates_for(report: matching.Report, *, exclude: set[int] = frozenset(),
                   vec=None) -> list[int]:
    """Candidate problem ids for a report, most shared rare concepts first."""
    vec = vec or vectoriser()
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


def problem_matches(report: matching.Report, *, exclude: set[int] = frozenset(),
                    vec=None) -> list[matching.Match]:
    """Scored candidate problems for one report, best first (key = problem id), one per problem."""
    vec = vec or vectoriser()
    pids = candidates_for(report, exclude=exclude, vec=vec)
    if not pids:
        return []
    docs = [matching.Report(text=f"{title} {content}", tokens=tokens, product=product, module=module, type=type_,
                            release=release, platform=platform, at=at, key=pid)
            for pid, _fid, title, content, release, platform, tokens, at, product, module, type_ in _members(pids)]
    best: dict[int, matching.Match] = {}
    for m in matching.score_many(vec, report, docs):
        if m.key not in best:
            best[m.key] = m
    return sorted(best.values(), key=lambda m: -m.score)


def feedback_match(*, feedback_ids: list[int], hints: dict | None = None) -> None:
    """Link each stored item to a problem or record proposals (see the module docstring). Items
    already in a problem are left alone, so a retried pipeline step changes nothing. What does
    not depend on the items before it in the job is read once for the job: labels, rejections,
    the fitted weights."""
    ids = sorted({int(i) for i in feedback_ids})
    labels = _item_labels(ids, hints)
    rejected: dict[int, set[int]] = {}
    for fid, pid in ProblemProposal.objects.filter(
            feedback_id__in=ids, decision=ProblemProposal.Decision.REJECTED).values_list("feedback_id", "problem_id"):
        rejected.setdefault(fid, set()).add(pid)
    vec = vectoriser()
    for fid in ids:
        with transaction.atomic():
            _match_one(fid, labels.get(fid, {}), rejected.get(fid, set()), vec)


def _match_one(fid: int, labels: dict, rejected: set[int], vec) -> None:
    # the item's row is locked first: two workers matching the same item take turns, and the
    # second finds it placed (an item in no problem is no member a merge could be moving)
    item = Feedback.objects.select_for_update(of=("self",)).filter(pk=fid).first()
    if item is None or item.problem_id is not None:
        return
    if item.canonical_id:  # a near copy intake linked: it joins the copy's problem
        target = Feedback.objects.filter(pk=item.canonical_id).values_list("problem_id", flat=True).first()
        if target is None:
            target = problem_create(feedback_ids=[item.canonical_id], actor=_JOB).pk
        problem_place(feedback=item, problem_id=target, actor=_JOB, score=item.similarity, evidence=["near copy"])
        return
    # the tokens stage ran before this one: its search_text is the item's cut, not redone here
    report = matching.Report(text=f"{item.title} {item.content}", tokens=item.search_text, product=item.product_id,
                             module=labels.get("module"), type=labels.get("type"), release=item.release_id,
                             platform=item.platform, at=item.received_at, key=item.pk)
    found = problem_matches(report, exclude=rejected, vec=vec)
    if found and matching.decide(found[0].score) == "join":
        problem_place(feedback=item, problem_id=found[0].key, actor=_JOB, score=found[0].score,
                      evidence=found[0].evidence)
        return
    problem_place(feedback=item, problem_id=None, actor=_JOB)
    proposals = [ProblemProposal(feedback_id=fid, problem_id=m.key, score=m.score, evidence=m.evidence)
                 for m in found[:PROPOSALS] if matching.decide(m.score) != "new"]
    if proposals:
        ProblemProposal.objects.bulk_create(proposals, ignore_conflicts=True)


def problems_like(*, problem_id: int, limit: int = 5) -> list[matching.Match]:
    """Other open problems that may be the same as this one: its lead scored as a new report would
    be (read only). Fragments of one incident arise when a report's proposals missed the problem it
    belonged to and later reports joined the fragment; the problem page lists these for a merge."""
    problem = Problem.objects.select_related("lead").filter(pk=problem_id, merged_into__isnull=True).first()
    if problem is None or problem.lead is None:
        return []
    lead = problem.lead
    report = matching.Report(text=f"{lead.title} {lead.content}", tokens=lead.search_text, product=lead.product_id,
                             release=lead.release_id, platform=lead.platform, at=lead.received_at, key=lead.pk)
    found = problem_matches(report, exclude={problem.pk})
    return [m for m in found if matching.decide(m.score) != "new"][:limit]
