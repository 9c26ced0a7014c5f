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
import heapq
import threading
import time
from dataclasses import dataclass, field


from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback_archive.core.actors import Actor

from .. import matching
from feedback_archive.taxonomy.models import Label

from ..models import Feedback, FeedbackLabel, Problem, ProblemProposal
from .items import _chunks
from .problems import LABEL_DIMENSIONS, Placement, item_terms, member_votes, problem_create, problem_place_many, vote

TERM_HOLDERS = 200  # newest problems read per concept: a concept held by thousands says little
CANDIDATES = 20
MEMBERS_PER_CANDIDATE = 3  # the lead and the newest others
PROPOSALS = 3
# stand-in ids of the problems a job creates, until they are written: above every real id, so they
# sort as the real ones will (the newest holders of a concept, the candidates' tie-break)
NEW_PROBLEM_KEYS = 2 ** 62

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
    docs = [r.doc for cand in _read_candidates(newest).values() for r in _docs(cand)]
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


MEMBER_COLUMNS = "id, title, content, release_id, platform, search_text, received_at, product_id"


@dataclass
class _Candidate:
    """A problem as matching reads it: its own columns, its lead's row and its newest member rows
    (MEMBERS_PER_CANDIDATE - 1 of them, newest first; the lead may be one). A member row:
    (feedback id, title, content, release id, platform, search_text, received_at, product id)."""

    pid: int
    product: int | None
    module: str | None
    type: str | None
    labels_locked: bool
    member_count: int
    lead: tuple | None
    newest: list = field(default_factory=list)


def _read_candidates(problem_ids) -> dict[int, _Candidate]:
    """The live problems among `problem_ids` with their lead and newest members: one query."""
    problem_ids = sorted({int(p) for p in problem_ids})
    if not problem_ids:
        return {}
    cols = MEMBER_COLUMNS
    fcols = ", ".join(f"f.{c}" for c in cols.split(", "))
    select = (f"SELECT p.id, p.product_id, mo.code, ty.code, p.labels_locked, p.member_count, f.k, {fcols}"
              " FROM feedback_problem p LEFT JOIN taxonomy_label mo ON mo.id = p.module_id"
              " LEFT JOIN taxonomy_label ty ON ty.id = p.type_id")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # per problem: its lead by primary key, its newest members by a backward scan of
            # fb_problem_newest that stops after MEMBERS_PER_CANDIDATE - 1 rows
            cur.execute(
                f"{select} CROSS JOIN LATERAL ((SELECT 0 AS k, {cols} FROM feedback_feedback WHERE id = p.lead_id)"
                f" UNION ALL (SELECT 1, {cols} FROM feedback_feedback WHERE problem_id = p.id ORDER BY id DESC LIMIT %s)) f"
                " WHERE p.id = ANY(%s) AND p.merged_into_id IS NULL", [MEMBERS_PER_CANDIDATE - 1, problem_ids])
        else:
            marks = ", ".join(["%s"] * len(problem_ids))
            cur.execute(
                f"{select} JOIN (SELECT 1 AS k, {cols}, problem_id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY"
                f" problem_id ORDER BY id DESC) AS n FROM feedback_feedback WHERE problem_id IN ({marks})) WHERE n < %s"
                f" UNION ALL SELECT 0, {fcols}, l.id FROM feedback_problem l JOIN feedback_feedback f"
                f" ON f.id = l.lead_id WHERE l.id IN ({marks})) f ON f.problem_id = p.id WHERE p.merged_into_id IS NULL",
                [*problem_ids, MEMBERS_PER_CANDIDATE, *problem_ids])
        rows = cur.fetchall()
    out: dict[int, _Candidate] = {}
    for pid, product, module, type_, locked, count, k, *member in rows:
        cand = out.get(pid) or out.setdefault(pid, _Candidate(pid, product, module, type_, bool(locked), count, None))
        member = (*member[:6], _aware(member[6]), member[7])
        if k == 0:
            cand.lead = member
        else:
            cand.newest.append(member)
    for cand in out.values():
        cand.newest.sort(key=lambda m: -m[0])
    return out


def _docs(cand: _Candidate, newest=None, product=None, module=None, type_=None) -> list[matching.Report]:
    """What a candidate is scored against: its lead, then its newest other members (newest first)."""
    newest = cand.newest if newest is None else newest
    rows = ([cand.lead] if cand.lead else []) + [m for m in newest if not cand.lead or m[0] != cand.lead[0]]
    return [matching.Report(text=f"{title} {content}", tokens=tokens, product=product, module=module, type=type_,
                            release=release, platform=platform, at=at, key=cand.pid)
            for _fid, title, content, release, platform, tokens, at, _product in rows]


def _aware(value):
    # raw rows: SQLite gives naive UTC datetimes (or text), PostgreSQL aware ones
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.timezone.utc)
    return value


def _ranked(concept_of: dict[int, str], holders, exclude, vec) -> list[int]:
    """The best CANDIDATES problems: summed rarity of the concepts shared, then the newest. Summed
    in term order, so a problem's weight does not depend on the order the database returned rows."""
    weight: dict[int, float] = {}
    for term in sorted(concept_of):
        w = vec.weight("w:" + concept_of[term])
        for pid in holders(term):
            if pid not in exclude:
                weight[pid] = weight.get(pid, 0.0) + w
    return heapq.nsmallest(CANDIDATES, weight, key=lambda p: (-weight[p], -p))  # = sorted(...)[:CANDIDATES]


def _concept_terms(report: matching.Report) -> dict[int, str]:
    return dict(zip(matching.term_hashes(report.text, report.tokens),
                    dict.fromkeys(matching.concepts(report.text, report.tokens))))


def candidates_for(report: matching.Report, *, exclude: set[int] = frozenset(),
                   vec=None) -> list[int]:
    """Candidate problem ids for a report, most shared rare concepts first."""
    vec = vec or vectoriser()
    concept_of = _concept_terms(report)
    holders = _term_holders(list(concept_of))
    return _ranked(concept_of, lambda t: holders.get(t, ()), exclude, vec)


def _best(vec, report: matching.Report, docs: list[matching.Report]) -> list[matching.Match]:
    """One match per problem (its best member), best first."""
    best: dict[int, matching.Match] = {}
    for m in matching.score_many(vec, report, docs):
        if m.key not in best:
            best[m.key] = m
    return sorted(best.values(), key=lambda m: -m.score)


def problem_matches(report: matching.Report, *, exclude: set[int] = frozenset(),
                    vec=None) -> list[matching.Match]:
    """Scored candidate problems for one report, best first (key = problem id), one per problem."""
    vec = vec or vectoriser()
    pids = candidates_for(report, exclude=exclude, vec=vec)
    if not pids:
        return []
    found = _read_candidates(pids)
    docs = [d for pid in sorted(found) for d in _docs(found[pid], product=found[pid].product,
                                                         module=found[pid].module, type_=found[pid].type)]
    return _best(vec, report, docs)


ITEM_COLUMNS = ("id", "title", "content", "search_text", "product_id", "release_id", "platform", "received_at",
                "created_at", "canonical_id", "similarity", "reporter_id", "channel_id", "problem_id", "team_id",
                "status")  # django-fsm reads the state of every instance it builds: deferred, a query each


def feedback_match(*, feedback_ids: list[int], hints: dict | None = None) -> None:
    """Link each stored item to a problem or record proposals (see the module docstring), for the
    whole job at once (`_Job`): the same decisions as matching the items one by one in id order,
    with one read per kind of row and one write per table for the job. Items already in a problem
    are left alone, so a retried pipeline step changes nothing."""
    ids = sorted({int(i) for i in feedback_ids})
    if not ids:
        return
    vec = vectoriser()
    with transaction.atomic():
        for _ in range(len(ids) + 1):
            canonical = _Job(ids, hints, vec).run()
            if canonical is None:
                return
            # a near copy whose canonical is in no problem: the canonical becomes one first, as
            # one by one; the rest of the job is read again (the items placed so far are written)
            problem_create(feedback_ids=[canonical], actor=_JOB)


class _Job:
    """Matching of one job's items in id order, each seeing the problems the items before it
    created or joined, all in memory: the candidate look-up is the database's concept index plus
    what this job added (the newest TERM_HOLDERS per concept of both), a candidate's members are
    read once and the job's own joiners added to them, and a problem joined in this job re-votes
    its labels as its row would have been re-voted. The writes are one `problem_place_many`."""

    def __init__(self, ids: list[int], hints: dict | None, vec):
        self.ids, self.hints, self.vec = ids, hints or {}, vec
        self.cands: dict[int, _Candidate] = {}  # problems read (and those this job creates)
        self.joined: dict[int, list] = {}  # problem key → the member rows this job put in it, in order
        self.added_terms: dict[int, set[int]] = {}  # concept → problems this job indexed under it
        self.old_votes: dict[int, dict] = {}
        self.codes: dict[int, str] = {}  # label id → code
        self.next_key = NEW_PROBLEM_KEYS
        self.placements: list[Placement] = []
        self.proposals: list[tuple] = []
        self.placed: dict[int, int] = {}  # feedback id → problem key

    def run(self) -> int | None:
        """Place every item; returns the canonical of a near copy that must first become a
        problem of its own (the items before it are written), else None."""
        # the items' rows are locked first, in id order: two workers matching the same items take
        # turns, and the second finds them placed (an item in no problem is no member a merge moves)
        items = list(Feedback.objects.select_for_update(of=("self",)).filter(pk__in=self.ids).order_by("id")
                     .only(*ITEM_COLUMNS))
        pending = [f for f in items if f.problem_id is None]
        if not pending:
            return None
        in_problem = {f.pk: f.problem_id for f in items if f.problem_id is not None}
        pids = [f.pk for f in pending]
        self.item_codes = {fid: dict(self.hints.get(fid) or {}) for fid in pids}
        self.item_labels: dict[int, dict[str, int]] = {}
        for fid, dim, label_id, code in FeedbackLabel.objects.filter(
                feedback_id__in=pids, dimension__code__in=LABEL_DIMENSIONS).values_list(
                "feedback_id", "dimension__code", "label_id", "label__code"):
            self.item_labels.setdefault(fid, {})[dim] = label_id
            self.codes[label_id] = code
            if dim in ("module", "type"):
                self.item_codes[fid][dim] = code
        rejected: dict[int, set[int]] = {}
        for fid, pid in ProblemProposal.objects.filter(
                feedback_id__in=pids, decision=ProblemProposal.Decision.REJECTED).values_list("feedback_id", "problem_id"):
            rejected.setdefault(fid, set()).add(pid)
        outside = {f.canonical_id for f in pending if f.canonical_id} - {f.pk for f in items}
        canonical_problem = dict(Feedback.objects.filter(pk__in=outside).values_list("id", "problem_id")) if outside else {}
        canonical_problem.update(in_problem)
        self.terms = {f.pk: item_terms(f) for f in pending}
        reports, concept_of = {}, {}
        for f in pending:
            if f.canonical_id:
                continue
            labels = self.item_codes[f.pk]
            reports[f.pk] = matching.Report(
                text=f"{f.title} {f.content}", tokens=f.search_text, product=f.product_id, module=labels.get("module"),
                type=labels.get("type"), release=f.release_id, platform=f.platform, at=f.received_at, key=f.pk)
            concept_of[f.pk] = _concept_terms(reports[f.pk])
        db_holders = _term_holders([t for c in concept_of.values() for t in c])
        self.db_holders = db_holders
        # what the database alone proposes for every item: read in one query (what the job adds
        # later is read when first needed), their vectors computed in one call
        first = {pid for fid, c in concept_of.items()
                 for pid in _ranked(c, lambda t: db_holders.get(t, ()), rejected.get(fid, set()), self.vec)}
        self.cands.update(_read_candidates(first))
        docs = [r.doc for r in reports.values()] + [d.doc for cand in self.cands.values() for d in _docs(cand)]
        if docs:
            self.vec.transform_blocks(docs)
        for f in pending:
            if f.canonical_id:
                target = self.placed.get(f.canonical_id, canonical_problem.get(f.canonical_id))
                if target is None:
                    self._write()
                    return f.canonical_id
                self._place(f, target, score=f.similarity, evidence=["near copy"])
                continue
            report = reports[f.pk]
            ranked = _ranked(concept_of[f.pk], self._holders, rejected.get(f.pk, set()), self.vec)
            missing = [p for p in ranked if p not in self.cands]
            if missing:
                self.cands.update(_read_candidates(missing))
                for p in missing:
                    self.cands.setdefault(p, None)  # merged or gone: nothing to score
            docs = [d for pid in sorted(ranked) for d in self._view(pid)]
            found = _best(self.vec, report, docs) if docs else []
            if found and matching.decide(found[0].score) == "join":
                self._place(f, found[0].key, score=found[0].score, evidence=found[0].evidence)
                continue
            self._place(f, None)
            self.proposals += [(f.pk, m.key, m.score, m.evidence) for m in found[:PROPOSALS]
                               if matching.decide(m.score) != "new"]
        self._write()
        return None

    def _holders(self, term: int) -> list[int]:
        # the newest TERM_HOLDERS of what the database holds (its newest TERM_HOLDERS) and what
        # this job indexed: the same as reading the index after this job's writes
        db = self.db_holders.get(term, ())
        extra = self.added_terms.get(term)
        if not extra:
            return db
        return sorted(set(db) | extra, reverse=True)[:TERM_HOLDERS]

    def _row(self, f: Feedback) -> tuple:
        return (f.pk, f.title, f.content, f.release_id, f.platform, f.search_text, f.received_at, f.product_id)

    def _place(self, f: Feedback, key: int | None, *, score=None, evidence=None) -> int:
        if key is None:  # a problem of its own: a stand-in id above every real one, in creation order
            key = self.next_key
            self.next_key += 1
            self.cands[key] = _Candidate(key, None, None, None, False, 0, self._row(f))
            self.placements.append(Placement(item=f, key=key, new=True))
        else:
            self.placements.append(Placement(item=f, key=key, score=score, evidence=list(evidence or [])))
        self.joined.setdefault(key, []).append(f)
        self.placed[f.pk] = key
        for t in self.terms[f.pk]:
            self.added_terms.setdefault(t, set()).add(key)
        return key

    def _view(self, pid: int) -> list[matching.Report]:
        """The candidate's documents as the database would show them after this job's writes so
        far: its newest members with the joiners, the product of its lead, its labels re-voted."""
        cand = self.cands.get(pid)
        if cand is None:
            return []
        joined = self.joined.get(pid)
        if not joined:
            return _docs(cand, product=cand.product, module=cand.module, type_=cand.type)
        newest = sorted(cand.newest + [self._row(f) for f in joined], key=lambda m: -m[0])[:MEMBERS_PER_CANDIDATE - 1]
        if cand.lead is None:  # a problem without a lead takes its earliest joiner (as _add_members)
            lead = min(joined, key=lambda f: (f.received_at, f.pk))
            cand.lead = self._row(lead)
        module, type_ = cand.module, cand.type
        if not cand.labels_locked:
            counts: dict = {}
            if cand.member_count > 0:
                if pid not in self.old_votes:
                    self._read_votes([p for p, c in self.cands.items() if c is not None and p in self.joined
                                      and c.member_count > 0 and p not in self.old_votes])
                counts = dict(self.old_votes[pid])
                voters = joined[:-1]
            else:
                voters = joined[:max(1, len(joined) - 1)]
            for f in voters:
                for dim, label_id in (self.item_labels.get(f.pk) or {}).items():
                    counts[(dim, label_id)] = counts.get((dim, label_id), 0) + 1
            chosen = vote(counts)
            module, type_ = (self.codes.get(chosen.get(d)) for d in ("module", "type"))
        return _docs(cand, newest=newest, product=cand.lead[7], module=module, type_=type_)

    def _read_votes(self, pids: list[int]) -> None:
        votes = member_votes(pids)
        self.old_votes.update(votes)
        ids = {label_id for counts in votes.values() for _dim, label_id in counts} - set(self.codes)
        if ids:
            self.codes.update(Label.objects.filter(pk__in=ids).values_list("id", "code"))

    def _write(self) -> None:
        if self.placements:
            placed = problem_place_many(placements=self.placements, actor=_JOB, item_labels=self.item_labels,
                                        terms=self.terms, proposals=self.proposals)
            self.placements, self.proposals = [], []
            for fid, key in self.placed.items():
                self.placed[fid] = placed.get(key, key)


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
