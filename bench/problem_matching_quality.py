"""Problem matching on real pairs of user reports (docs/duplicates.md, "Measured on real text").

    .venv/bin/python bench/problem_matching_quality.py                 # dev split: cross-validated table
    .venv/bin/python bench/problem_matching_quality.py --fit           # refit the pair scorer on dev, write it
    .venv/bin/python bench/problem_matching_quality.py --split test    # the test split, once

Pairs: bench/data/real/problem_pairs.jsonl (built by the real-data helper from public issue threads
and reviews; fields a, b, product, module, same, split — see bench/data/real/README). The pair
scorer (feedback/matching.py: logistic regression over pair features, feedback/data/match_model.json)
and the thresholds are fitted and chosen on `dev` only; `test` is read once for the figure in the docs.

- dev figures are **out of fold**: the dev pairs are grouped into connected components (pairs that
  share a text stay together), 5 folds; each pair is scored by a model fitted on the other folds.
  (`--in-sample` scores with the stored model instead: optimistic, for comparison only.)
- Automatic links: a pair is linked when its score ≥ the automatic threshold; precision and recall
  over the split's labelled pairs (positives: two people, one problem; negatives: same product and
  module, shared words, different problems).
- Proposals (top 3): every text of the split is a stored report; positive pairs are joined into
  problems (connected components), every other text is a problem of its own. For each positive
  pair's `a`, the problems are ranked by their best member's score against `a` (a itself left
  out, as it would not be stored yet); a hit when a's own problem is among the top 3 and scores at
  least the proposal threshold. (When a's problem is its best match above the automatic
  threshold, the item joined rather than being proposed: counted as a hit too.)
- The TF-IDF weights are fitted on the split's own texts, unlabelled — as in production, where
  they are fitted on the stored reports being matched against.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from feedback_archive.feedback import matching  # noqa: E402

DEFAULT_PAIRS = ROOT / "bench" / "data" / "real" / "problem_pairs.jsonl"
THRESHOLDS = [round(0.05 + 0.05 * k, 2) for k in range(19)]
PROPOSE_THRESHOLDS = [0.02, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50]
FOLDS = 5
EASY_NEGATIVES = 2  # per labelled pair: texts of other pair groups (see easy_negatives)
C = 1.0  # regularisation of the logistic regression (chosen by the same cross-validation)


def load(path: Path, split: str) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def _report(text: str, row: dict, key) -> matching.Report:
    return matching.Report(text=text, product=row.get("product") or None, module=row.get("module") or None, key=key)


def components(rows) -> tuple[dict[str, int], dict[str, int], dict[str, dict]]:
    """text → problem (components of the positive pairs), text → group (components of all pairs:
    the unit of the folds), text → its first row (context)."""
    def finder():
        parent: dict[str, str] = {}

        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        return parent, find

    p_parent, p_find = finder()
    g_parent, g_find = finder()
    meta = {}
    for r in rows:
        for t in (r["a"], r["b"]):
            p_find(t)
            g_find(t)
            meta.setdefault(t, r)
        g_parent[g_find(r["a"])] = g_find(r["b"])
        if r["same"]:
            p_parent[p_find(r["a"])] = p_find(r["b"])
    p_roots, g_roots = {}, {}
    problem = {t: p_roots.setdefault(p_find(t), len(p_roots)) for t in p_parent}
    group = {t: g_roots.setdefault(g_find(t), len(g_roots)) for t in g_parent}
    return problem, group, meta


THIN_CONCEPTS = 5
_ME_TOO = re.compile(r"同样|同问|我也|\+1|一样的问题|same here|me too|same issue|same problem|also|similar", re.I)


def _thin(report: matching.Report) -> bool:
    """A reply that mostly says "me too" (in its first 40 characters) or a report of a few words."""
    return bool(_ME_TOO.search(report.text[:40])) or len(report.concept_set) <= THIN_CONCEPTS


def easy_negatives(rows, group, meta, per_pair: int = EASY_NEGATIVES) -> list[dict]:
    """Training rows only: each labelled pair's `a` with texts of *other* pair groups, the same
    product first. The labelled negatives are all hard (same product and module, shared words), so
    without these the scorer never sees the ordinary case of a report and an unrelated one and
    gives it a middling probability. Deterministic (seeded)."""
    import random

    rnd = random.Random(13)
    by_product: dict[str, list[str]] = {}
    for t, r in meta.items():
        by_product.setdefault(r.get("product") or "", []).append(t)
    all_texts = sorted(meta)
    out = []
    for r in rows:
        pool = [t for t in by_product.get(r.get("product") or "", []) if group[t] != group[r["a"]]]
        for k in range(per_pair):
            choices = pool if pool and k == 0 else [t for t in all_texts if group[t] != group[r["a"]]]
            b = rnd.choice(sorted(choices))
            out.append({**meta[b], "a": r["a"], "b": b, "same": False, "product": r.get("product"),
                        "module": r.get("module")})
    return out


def fit_model(x: np.ndarray, y: np.ndarray, c: float = C) -> dict:
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = LogisticRegression(C=c, max_iter=2000).fit((x - scaler.mean_) / scale, y)
    return {"features": list(matching.FEATURES), "mean": scaler.mean_.tolist(), "scale": scale.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}


def fold_of(rows, group) -> np.ndarray:
    groups = np.array([group[r["a"]] for r in rows])
    out = np.zeros(len(rows), dtype=int)
    for k, (_, test_idx) in enumerate(GroupKFold(n_splits=FOLDS).split(rows, groups=groups)):
        out[test_idx] = k
    return out


def context_matrix(queries: list[matching.Report], cands: list[matching.Report]) -> tuple[np.ndarray, np.ndarray]:
    delta = np.zeros((len(queries), len(cands)))
    capped = np.zeros((len(queries), len(cands)), dtype=bool)
    for i, q in enumerate(queries):
        for j, c in enumerate(cands):
            d, notes = matching.context_adjustment(q, c)
            delta[i, j] = d
            capped[i, j] = "negation differs" in notes
    return delta, capped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--fit", action="store_true", help="fit the pair scorer on dev and write it")
    parser.add_argument("--in-sample", action="store_true", help="dev scored by the stored model (optimistic)")
    parser.add_argument("--errors", type=int, default=0, help="print the N worst misses each way")
    args = parser.parse_args()
    rows = load(args.pairs, "dev" if args.fit else args.split)
    texts = sorted({t for r in rows for t in (r["a"], r["b"])})
    vec = matching.Vectoriser().fit(texts)
    problem, group, meta = components(rows)
    pos = sum(1 for r in rows if r["same"])
    print(f"split={args.split if not args.fit else 'dev'}: {len(rows)} pairs ({pos} same, {len(rows) - pos} "
          f"different), {len(texts)} texts, {len(set(group.values()))} groups; file {args.pairs.name}")

    qa = [_report(r["a"], r, ("a", n)) for n, r in enumerate(rows)]
    qb = [_report(r["b"], r, ("b", n)) for n, r in enumerate(rows)]
    x = np.stack([matching.pair_features(vec, [a], [b])[0, 0] for a, b in zip(qa, qb)])
    y = np.array([bool(r["same"]) for r in rows])
    extra = easy_negatives(rows, group, meta) if args.split == "dev" or args.fit else []
    x_extra = np.stack([matching.pair_features(vec, [_report(r["a"], r, 0)], [_report(r["b"], r, 0)])[0, 0]
                        for r in extra]) if extra else np.zeros((0, x.shape[1]))
    if args.fit:
        model = fit_model(np.vstack([x, x_extra]), np.concatenate([y, np.zeros(len(extra), dtype=bool)]))
        model["trained_on"] = (f"{args.pairs.name} split dev: {len(rows)} labelled pairs ({pos} same) + "
                               f"{len(extra)} unrelated pairs (easy_negatives); "
                               f"bench/problem_matching_quality.py --fit, C={C}")
        matching.MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {matching.MODEL_FILE.relative_to(ROOT)}")
        for name, coef in sorted(zip(matching.FEATURES, model["coef"]), key=lambda kv: -abs(kv[1])):
            print(f"  {name:22s} {coef:+.3f}")
        return

    cross = args.split == "dev" and not args.in_sample
    folds = fold_of(rows, group) if cross else np.zeros(len(rows), dtype=int)
    if cross:
        folds_extra = np.array([folds[n] for n in range(len(rows)) for _ in range(EASY_NEGATIVES)])
        models = [fit_model(np.vstack([x[folds != k], x_extra[folds_extra != k]]),
                            np.concatenate([y[folds != k], np.zeros(int((folds_extra != k).sum()), dtype=bool)]))
                  for k in range(FOLDS)]
    else:
        models = [matching._model()]
    pair_prob = matching.no_text_in_common(
        x, np.array([matching.probability(x[n], models[folds[n]]) for n in range(len(rows))]))
    delta, capped = context_matrix(qa, qb)
    idx = np.arange(len(rows))
    scores = matching.final_scores(pair_prob, delta[idx, idx], capped[idx, idx], x)
    how = f"out of fold ({FOLDS} folds by pair group)" if cross else "stored model"
    print(f"\nautomatic links (pair linked when score >= threshold; {how})")
    print("| threshold | linked | precision | recall |")
    print("| ---: | ---: | ---: | ---: |")
    for t in THRESHOLDS:
        linked = y[scores >= t]
        prec = linked.mean() if len(linked) else float("nan")
        print(f"| {t:.2f} | {len(linked)} | {prec:.3f} | {linked.sum() / pos:.3f} |")
    # what the missed positives look like: one side a "me too" reply or a few words only (the
    # thread made them one problem, their text says little) — docs/duplicates.md, "the gap"
    thin = np.array([_thin(a) or _thin(b) for a, b in zip(qa, qb)])
    missed = y & (scores < matching.AUTO_THRESHOLD)
    print(f"\nat the automatic threshold {matching.AUTO_THRESHOLD}: {int(missed.sum())} same pairs not linked, "
          f"{int((missed & thin).sum())} of them with a thin side (me-too reply or <= {THIN_CONCEPTS} concepts); "
          f"same pairs with a thin side: {int((y & thin).sum())}/{pos}, different pairs: {int((~y & thin).sum())}/"
          f"{len(rows) - pos}; recall on same pairs with no thin side: "
          f"{(y & ~thin & ~missed).sum() / max((y & ~thin).sum(), 1):.3f}")
    if args.errors:
        order = np.argsort(scores)
        print("\nlowest-scoring same pairs:")
        for n in [n for n in order if y[n]][:args.errors]:
            print(f"  {scores[n]:.2f} {rows[n]['product']} | {rows[n]['a'][:90]} || {rows[n]['b'][:90]}")
        print("highest-scoring different pairs:")
        for n in [n for n in order[::-1] if not y[n]][:args.errors]:
            print(f"  {scores[n]:.2f} {rows[n]['product']} | {rows[n]['a'][:90]} || {rows[n]['b'][:90]}")

    # proposals: every positive pair's a against every stored text
    all_texts = list(problem)
    stored = [_report(t, meta[t], t) for t in all_texts]
    queries = [(n, r) for n, r in enumerate(rows) if r["same"]]
    qrep = [qa[n] for n, _ in queries]
    xq = matching.pair_features(vec, qrep, stored)
    dq, cq = context_matrix(qrep, stored)
    prop_scores = np.zeros((len(queries), len(stored)))
    for i, (n, _r) in enumerate(queries):
        prob = matching.no_text_in_common(xq[i], matching.probability(xq[i], models[folds[n]]))
        prop_scores[i] = matching.final_scores(prob, dq[i], cq[i], xq[i])
    problem_ids = np.array([problem[t] for t in all_texts])
    print(f"\nproposals: top-3 recall of a's problem among all {len(all_texts)} texts' problems "
          f"(auto threshold {matching.AUTO_THRESHOLD}; {how})")
    print("| proposal threshold | hits | recall | proposals shown per item (mean, at most 3) |")
    print("| ---: | ---: | ---: | ---: |")
    ranked = []
    for i, (_n, r) in enumerate(queries):
        best: dict[int, float] = {}
        for j, t in enumerate(all_texts):
            if t != r["a"] and prop_scores[i, j] > best.get(problem_ids[j], -1.0):
                best[problem_ids[j]] = prop_scores[i, j]
        ranked.append((problem[r["a"]], sorted(best.items(), key=lambda kv: -kv[1])))
    for t in PROPOSE_THRESHOLDS:
        hits = 0
        shown = sum(sum(1 for _pid, sc in order[:3] if sc >= t) for _own, order in ranked) / len(ranked)
        for own, order in ranked:
            if order and order[0][0] == own and order[0][1] >= matching.AUTO_THRESHOLD:
                hits += 1
            elif any(pid == own and s >= t for pid, s in order[:3]):
                hits += 1
        print(f"| {t:.2f} | {hits}/{len(queries)} | {hits / len(queries):.3f} | {shown:.2f} |")
    print(f"\ncurrent setting: auto {matching.AUTO_THRESHOLD}, propose {matching.PROPOSE_THRESHOLD}")


if __name__ == "__main__":
    main()
