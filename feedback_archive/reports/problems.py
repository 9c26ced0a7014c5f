"""Reports that count problems, not reports.

Every item counts under one **problem key**, computed by the database:

- a member of a problem (`Feedback.problem`) counts under that problem: key = −problem id;
- an item without a problem counts as a problem of its own — together with its near-verbatim
  copies while they still carry only the older duplicate link (`canonical`): key = its canonical
  item's id, or its own id. So nothing disappears from a count before it has been matched.

The **kind** of a problem keeps praise and questions apart from defects. Per item, the first that
applies (`kind_rank`):

1. its intent — confirmed, else (when nothing of its type or intent is confirmed) the classifier's
   suggestion: 表扬 → praise, 提问 → consultation;
2. its problem's type when a person set it (`labels_locked`);
3. its own confirmed type; 4. its problem's type (voted from the members' confirmed labels);
5. its suggested type (again only when nothing of its type or intent is confirmed):
   咨询 → consultation, 性能 / 功能 / 体验 → defect;
6. otherwise unlabelled.

Intent comes first because praise is *typed* by what it praises (画质清楚 → 体验, 消息秒到 → 性能,
docs/classification.md): read from the type alone, every praise is a defect. Suggestions count
because most items carry only the classifier's suggestion until an agent confirms it. A problem
whose members disagree takes the strongest (defect > consultation > praise > unlabelled)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, Mod

from feedback_archive.feedback.duplicates import STOPWORDS
from feedback_archive.feedback.models import Feedback, FeedbackLabel, Problem
from feedback_archive.taxonomy.models import Dimension, Label

DEFECT_TYPES = ("performance", "function", "experience")
KINDS = {3: "defect", 2: "consultation", 1: "praise", 0: "unlabelled"}
CHUNK = 2000  # ids per IN list (SQLite limits bound parameters)


def problem_key(prefix: str = ""):
    """−problem id for members of a problem; the canonical item's (or the item's own) id otherwise.
    `prefix` reaches the feedback from another table (e.g. "feedback__" from a label)."""
    return Case(When(**{f"{prefix}problem_id__isnull": False}, then=F(f"{prefix}problem_id") * -1),
                default=Coalesce(f"{prefix}canonical_id", f"{prefix}id"), output_field=IntegerField())


def key_problem(key: int) -> int | None:
    return -key if key < 0 else None


def _label_ids(dimension: str, codes: Iterable[str]) -> list[int]:
    return list(Label.objects.filter(dimension__code=dimension, code__in=list(codes)).values_list("id", flat=True))


def kind_rank():
    """Per item, in SQL: 3 defect, 2 consultation, 1 praise, 0 unlabelled (see the module text).

    Each applicable rule of the module text gives a candidate `10 × step + rank`; the smallest
    candidate wins and `mod 10` is the rank. So the confirmed labels are read by ONE correlated
    sub-query (the (feedback, dimension) index, both dimensions in one probe) and the suggestions
    by another, each written once in the statement: PostgreSQL evaluates every textual copy of a
    correlated sub-query separately, and a CASE naming the labels in each branch probed them up to
    six times per item. At 1M rows (release of 36k reports) the suggestions are read for the 11k
    items without a confirmed label only (EXPLAIN ANALYZE, docs/benchmarks.md)."""
    praise, question = _label_ids("intent", ["praise"]), _label_ids("intent", ["question"])
    consult, defect = _label_ids("type", ["consultation"]), _label_ids("type", DEFECT_TYPES)
    dims = list(Dimension.objects.filter(code__in=["type", "intent"]).values_list("id", flat=True)) or [0]

    def candidates(intent_step, type_step, other):
        return Case(When(label_id__in=praise or [0], then=10 * intent_step + 1),
                    When(label_id__in=question or [0], then=10 * intent_step + 2),
                    When(label_id__in=consult or [0], then=10 * type_step + 2),
                    When(label_id__in=defect or [0], then=10 * type_step + 3),
                    default=other, output_field=IntegerField())

    def best(qs, intent_step, type_step, other):
        return Subquery(qs.filter(feedback_id=OuterRef("pk"), dimension_id__in=dims).order_by()
                        .values("feedback_id").annotate(m=Min(candidates(intent_step, type_step, other)))
                        .values("m")[:1], output_field=IntegerField())

    from feedback_archive.classification.models import Suggestion

    # NULL only when nothing of its type or intent is confirmed (a neutral confirmed label, e.g.
    # intent 抱怨 alone, gives 90 = no candidate) — and only then does COALESCE, which stops at the
    # first non-NULL argument, read the suggestions: one probe for most items, two for the rest
    confirmed_or_suggested = Coalesce(best(FeedbackLabel.objects.all(), 1, 4, Value(90)),
                                      best(Suggestion.objects.all(), 2, 6, None), Value(90))
    of_problem = Case(When(problem__labels_locked=True, problem__type_id__in=consult or [0], then=32),
                      When(problem__labels_locked=True, problem__type_id__in=defect or [0], then=33),
                      When(problem__type_id__in=consult or [0], then=52),
                      When(problem__type_id__in=defect or [0], then=53),
                      default=None, output_field=IntegerField())
    return Mod(Least(confirmed_or_suggested, Coalesce(of_problem, Value(90))), Value(10),  # 90 → rank 0
               output_field=IntegerField())


def grouped(qs, *, with_kind: bool = True, window_end=None) -> dict[int, dict]:
    """{key: {reports, reporters, channels, kind, early, …}} for the items of `qs` — one GROUP BY.
    Items without a reporter count as distinct reporters (−item id never equals a reporter id).
    `early`: the key has a report before `window_end` (given), else its first report's time."""
    qs = qs.order_by()
    aggs = {
        "reports": Count("*"),
        "reporters": Count(Coalesce("reporter_id", F("id") * -1), distinct=True),
        "channels": Count("channel_id", distinct=True),
        # a flag, not a time, when the window is known: 3,500 timestamps cost more to load than to count
        "early": (Max(Case(When(received_at__lt=window_end, then=1), default=0, output_field=IntegerField()))
                  if window_end is not None else Min("received_at")),
        # of the problem (one per key): its type and first release; whether the key has members
        # elsewhere (a problem, or a duplicate cluster) — a lone report cannot be on another release
        "pfirst": Max("problem__first_release__version_key"),
        "pproduct": Max("problem__first_release__product_id"),
        "linked": Max(Case(When(Q(problem__isnull=False) | Q(canonical__isnull=False) | Q(duplicate_count__gt=0),
                                then=1), default=0, output_field=IntegerField())),
    }
    if with_kind:
        aggs["kind"] = Max(kind_rank())
    out = {}
    for row in qs.annotate(_key=problem_key()).values("_key").annotate(**aggs):
        if with_kind:
            row["kind"] = KINDS[row["kind"] or 0]
        out[row.pop("_key")] = row
    return out


def keys_in(qs) -> set[int]:
    """The problem keys of the items of `qs` (one GROUP BY)."""
    return set(qs.order_by().annotate(_key=problem_key()).values_list("_key", flat=True).distinct())


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def keys_with_items(qs, keys: Iterable[int]) -> set[int]:
    """The keys among `keys` that have at least one item in `qs` (an anti-join done in chunks of
    ids: the problem and canonical indexes answer each chunk)."""
    keys = list(keys)
    problems = [-k for k in keys if k < 0]
    clusters = [k for k in keys if k > 0]
    found: set[int] = set()
    base = qs.order_by()
    for chunk in _chunks(problems):
        found.update(-p for p in base.filter(problem_id__in=chunk).values_list("problem_id", flat=True).distinct())
    for chunk in _chunks(clusters):
        rows = base.filter(Q(canonical_id__in=chunk) | Q(pk__in=chunk), problem__isnull=True).values_list(
            "canonical_id", "id")
        found.update(c or i for c, i in rows.distinct())
    return found & set(keys)


def problem_rows(keys: list[int], qs=None) -> dict[int, dict]:
    """What a person reads about each key: title, severity, overall counts, fix and regression;
    `qs` (the items in scope, e.g. of one release) gives the channels the key was reported through."""
    pids = [-k for k in keys if k < 0]
    fids = [k for k in keys if k > 0]
    out: dict[int, dict] = {}
    for chunk in _chunks(pids):
        for p in Problem.objects.filter(pk__in=chunk).values(
                "id", "title", "severity__code", "severity__name_zh", "reporter_count", "member_count",
                "channel_count", "lead_id", "fixed_in__version", "regressed_at", "first_seen_at"):
            out[-p["id"]] = {
                "key": -p["id"], "problem": p["id"], "lead": p["lead_id"], "title": p["title"],
                "severity": p["severity__code"], "severity_name": p["severity__name_zh"],
                "reporters_total": p["reporter_count"], "reports_total": p["member_count"],
                "fixed_in": p["fixed_in__version"], "regressed_at": p["regressed_at"],
            }
    sev_dim = Dimension.objects.filter(code="severity").values_list("id", flat=True).first()
    for chunk in _chunks(fids):
        sev = {r["feedback_id"]: r for r in FeedbackLabel.objects.filter(feedback_id__in=chunk, dimension_id=sev_dim)
               .values("feedback_id", "label__code", "label__name_zh")}
        for f in Feedback.objects.filter(pk__in=chunk).values("id", "title", "content", "duplicate_count", "fixed_in__version"):
            s = sev.get(f["id"], {})
            out[f["id"]] = {
                "key": f["id"], "problem": None, "lead": f["id"], "title": (f["title"] or f["content"])[:120],
                "severity": s.get("label__code"), "severity_name": s.get("label__name_zh"),
                "reporters_total": None, "reports_total": f["duplicate_count"] + 1,
                "fixed_in": f["fixed_in__version"], "regressed_at": None,
            }
    if qs is not None and keys:
        channels: dict[int, set] = {}
        scope = qs.order_by().filter(Q(problem_id__in=pids) | Q(problem__isnull=True, canonical_id__in=fids)
                                     | Q(problem__isnull=True, canonical__isnull=True, pk__in=fids))
        for key, name in scope.annotate(_key=problem_key()).values_list("_key", "channel__name").distinct():
            channels.setdefault(key, set()).add(name)
        for key, row in out.items():
            row["channel_names"] = sorted(channels.get(key, ()))
    return out


def evidence_words(keys: list[int], qs, top: int = 8, per_key: int = 200) -> dict[int, list[str]]:
    """The words most members of each key share (their stored jieba tokens), for a person to see
    why they are one row: the top `top` words by number of members, among at most `per_key` members."""
    out: dict[int, list[str]] = {}
    pids = [-k for k in keys if k < 0]
    fids = [k for k in keys if k > 0]
    if not keys:
        return out
    scope = qs.order_by().filter(Q(problem_id__in=pids) | Q(problem__isnull=True, canonical_id__in=fids)
                                 | Q(problem__isnull=True, pk__in=fids))
    counts: dict[int, Counter] = {}
    seen: Counter = Counter()
    for key, text in scope.annotate(_key=problem_key()).order_by("-received_at").values_list("_key", "search_text"):
        if seen[key] >= per_key:
            continue
        seen[key] += 1
        counts.setdefault(key, Counter()).update(
            w for w in set((text or "").split()) if len(w) >= 2 and w not in STOPWORDS and not w.isdigit())
    for key, c in counts.items():
        need = max(1, seen[key] // 2)  # shared: in at least half of the members read
        # most shared first; among equals the longer (more specific) word, then by the word, so the
        # evidence does not depend on hash order
        ranked = sorted(c.items(), key=lambda wn: (-wn[1], -len(wn[0]), wn[0]))
        out[key] = [w for w, n in ranked if n >= need][:top] or [w for w, _n in ranked[:top]]
    return out


def top_problems(*, filters: dict | None = None, start=None, end=None, page: int = 1, page_size: int = 50) -> dict:
    """Problems by distinct reporters, most first: in a period [start, end) counted from the period's
    items (one GROUP BY by problem key: unmatched reports count as their own problems), or all-time.
    All-time without item filters reads the problems' stored counts (kept by the problem services;
    `problem_product_reporters` index); with a platform, team or channel filter it counts items."""
    from .selectors import scope_q

    filters = {k: v for k, v in (filters or {}).items() if v}
    page = max(1, page)
    if start is None and not set(filters) - {"product"}:
        qs = Problem.objects.filter(member_count__gt=0)
        if filters.get("product"):
            qs = qs.filter(product__slug=filters["product"])
        count = qs.count()
        ids = list(qs.order_by("-reporter_count", "-member_count", "id")
                   .values_list("id", "reporter_count", "member_count", "channel_count")[(page - 1) * page_size: page * page_size])
        ranked = [(-pid, {"reporters": r, "reports": m, "channels": c}) for pid, r, m, c in ids]
        scope = None
    else:
        scope = Feedback.objects.filter(scope_q(filters))
        if start is not None:
            scope = scope.filter(received_at__gte=start, received_at__lt=end)
        rows = grouped(scope, with_kind=False)
        count = len(rows)
        ordered = sorted(rows.items(), key=lambda kv: (-kv[1]["reporters"], -kv[1]["reports"], kv[0]))
        ranked = ordered[(page - 1) * page_size: page * page_size]
    info = problem_rows([k for k, _r in ranked], scope)
    results = []
    for rank, (key, row) in enumerate(ranked, start=(page - 1) * page_size + 1):
        i = info.get(key, {})
        results.append({"rank": rank, "key": key, "problem": key_problem(key), "id": i.get("lead"),
                        "title": i.get("title", ""), "severity": i.get("severity"), "severity_name": i.get("severity_name"),
                        "reporters": row["reporters"], "reports": row["reports"], "channels": row["channels"],
                        "channel_names": i.get("channel_names", []), "fixed_in": i.get("fixed_in")})
    pages = max(1, -(-count // page_size))
    return {"count": count, "page": page, "pages": pages, "page_size": page_size, "results": results}
