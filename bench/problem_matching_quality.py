"""Problem matching on real pairs of user reports (docs/duplicates.md, "Measured on real text").

    .venv/bin/python bench/problem_matching_quality.py                 # dev split, the tuning table
    .venv/bin/python bench/problem_matching_quality.py --split test    # the test split, once

Pairs: bench/data/real/problem_pairs.jsonl (built by the real-data helper from public issue threads
and reviews; fields a, b, product, module, same, split — see bench/data/real/README). Thresholds are
tuned on `dev` only; `test` is read once for the figure in the docs.

- Automatic links: a pair is linked when matching.score ≥ the automatic threshold; precision and
  recall over the split's labelled pairs (positives: two people, one problem; negatives: same
  product and module, shared words, different problems).
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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from feedback_archive.feedback import matching  # noqa: E402

DEFAULT_PAIRS = ROOT / "bench" / "data" / "real" / "problem_pairs.jsonl"
THRESHOLDS = [round(0.10 + 0.05 * k, 2) for k in range(16)]


def load(path: Path, split: str) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def _report(text: str, row: dict, key) -> matching.Report:
    return matching.Report(text=text, product=row.get("product") or None, module=row.get("module") or None, key=key)


def pair_scores(rows, vec) -> list[tuple[float, bool]]:
    out = []
    for n, r in enumerate(rows):
        m = matching.score_many(vec, _report(r["a"], r, ("a", n)), [_report(r["b"], r, ("b", n))])[0]
        out.append((m.score, bool(r["same"])))
    return out


class Scorer:
    """All texts vectorised once; score(a, b) = cosine + context, exactly as matching.score_many."""

    def __init__(self, vec, texts, meta):
        from sklearn.metrics.pairwise import cosine_similarity

        self.index = {t: k for k, t in enumerate(texts)}
        self.sims = cosine_similarity(vec.transform(texts))
        self.reports = {t: _report(t, meta[t], t) for t in texts}

    def __call__(self, a: str, b: str, context_of_a: dict | None = None) -> float:
        ra = _report(a, context_of_a, a) if context_of_a else self.reports[a]
        delta, _notes = matching.context_adjustment(ra, self.reports[b])
        return min(1.0, max(0.0, float(self.sims[self.index[a], self.index[b]]) + delta))


def problems_of(rows) -> tuple[dict[str, int], dict[str, dict]]:
    """text → problem number (components of the positive pairs), text → its row (context)."""
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    meta = {}
    for r in rows:
        for t in (r["a"], r["b"]):
            find(t)
            meta.setdefault(t, r)
        if r["same"]:
            parent[find(r["a"])] = find(r["b"])
    roots = {}
    return {t: roots.setdefault(find(t), len(roots)) for t in parent}, meta


def proposal_hits(rows, scorer, problem, propose: float, auto: float) -> tuple[int, int]:
    hits = total = 0
    texts = list(problem)
    for r in rows:
        if not r["same"]:
            continue
        total += 1
        a = r["a"]
        best: dict[int, float] = {}
        for t in texts:
            if t != a:
                s = scorer(a, t, r)
                if s > best.get(problem[t], -1.0):
                    best[problem[t]] = s
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        own = problem[a]
        if ranked and ranked[0][0] == own and ranked[0][1] >= auto:
            hits += 1
        elif any(pid == own and score >= propose for pid, score in ranked[:3]):
            hits += 1
    return hits, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    args = parser.parse_args()
    rows = load(args.pairs, args.split)
    texts = sorted({t for r in rows for t in (r["a"], r["b"])})
    vec = matching.Vectoriser().fit(texts)
    pos = sum(1 for r in rows if r["same"])
    print(f"split={args.split}: {len(rows)} pairs ({pos} same, {len(rows) - pos} different), {len(texts)} texts; "
          f"file {args.pairs.name}")
    scores = pair_scores(rows, vec)
    print("\nautomatic links (pair linked when score >= threshold)")
    print("| threshold | linked | precision | recall |")
    print("| ---: | ---: | ---: | ---: |")
    for t in THRESHOLDS:
        linked = [same for s, same in scores if s >= t]
        tp = sum(linked)
        prec = tp / len(linked) if linked else float("nan")
        print(f"| {t:.2f} | {len(linked)} | {prec:.3f} | {tp / pos:.3f} |")
    print(f"\nproposals: top-3 recall of a's problem among all {len(texts)} texts' problems "
          f"(auto threshold {matching.AUTO_THRESHOLD})")
    print("| proposal threshold | hits | recall |")
    print("| ---: | ---: | ---: |")
    problem, meta = problems_of(rows)
    scorer = Scorer(vec, list(problem), meta)
    for t in [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40]:
        hits, total = proposal_hits(rows, scorer, problem, t, matching.AUTO_THRESHOLD)
        print(f"| {t:.2f} | {hits}/{total} | {hits / total:.3f} |")
    print(f"\ncurrent setting: auto {matching.AUTO_THRESHOLD}, propose {matching.PROPOSE_THRESHOLD}")


if __name__ == "__main__":
    main()
