"""How the demo corpus's reports group into problems, end to end, without a database.

    .venv/bin/python bench/demo_grouping.py [--count 3000] [--threshold T]

The demo generator (triage/demo) knows which of its issues each report renders; that is a ground
truth for grouping — of text WE generated, so it is a guard against over-merging and a picture of
the demo's reviews, never a quality figure (real pairs: bench/problem_matching_quality.py).

Production's placement is simulated: reports in arrival order; each is scored (matching.score_many)
against every open problem of its product (its lead and two newest members, as
services.matching reads them); at or above the automatic threshold it joins the best, else it
starts a problem. Printed: pairwise precision (two reports in one problem render the same issue)
and recall, per intent, and how the hot-spot incident on the newest meeting release is split.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from feedback_archive.feedback import matching  # noqa: E402
from feedback_archive.triage.demo import corpus  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--threshold", type=float, default=None, help="automatic threshold (default: matching's)")
    args = ap.parse_args()
    auto = args.threshold if args.threshold is not None else matching.AUTO_THRESHOLD
    items = sorted(corpus.generate(args.count, seed=7, now=NOW), key=lambda i: i["received_at"])
    texts = [f"{i['title']} {i['content']}" for i in items]
    vec = matching.Vectoriser().fit(texts)
    problems: list[list[int]] = []  # member indexes, lead first
    product_of: list[str] = []
    reports = [matching.Report(text=t, product=i["product"], platform=i["platform"], at=i["received_at"], key=n)
               for n, (t, i) in enumerate(zip(texts, items))]
    placed: dict[int, int] = {}
    for n, item in enumerate(items):
        docs = []
        for p, members in enumerate(problems):
            if product_of[p] != item["product"]:
                continue
            for m in dict.fromkeys([members[0], *members[-2:]]):
                r = reports[m]
                docs.append(matching.Report(text=r.text, product=r.product, platform=r.platform, at=r.at, key=p))
        best = matching.score_many(vec, reports[n], docs)[:1] if docs else []
        if best and best[0].score >= auto:
            problems[best[0].key].append(n)
            placed[n] = best[0].key
        else:
            problems.append([n])
            product_of.append(item["product"])
            placed[n] = len(problems) - 1
    issue = [i["issue"] for i in items]
    intent = [i["truth"]["intent"] for i in items]
    together = same = both = 0
    by_intent = defaultdict(lambda: [0, 0, 0])
    for a, b in itertools.combinations(range(len(items)), 2):
        t = placed[a] == placed[b]
        s = issue[a] == issue[b]
        together += t
        same += s
        both += t and s
        if intent[a] == intent[b]:
            k = by_intent[intent[a]]
            k[0] += t
            k[1] += s
            k[2] += t and s
    print(f"{len(items)} reports → {len(problems)} problems ({len(set(issue))} demo issues); automatic threshold {auto}")
    print(f"pairwise precision {both / max(together, 1):.3f}  recall {both / max(same, 1):.3f}")
    for k, (t, s, b) in sorted(by_intent.items()):
        print(f"  {k:12} precision {b / max(t, 1):.3f}  recall {b / max(s, 1):.3f}")
    hot = corpus.HOTSPOT_ISSUE
    newest = [r for r in corpus.releases_for(NOW) if r["product"] == "meeting"][-1]["version"]
    hot_items = [n for n, i in enumerate(items) if issue[n] == hot and i["app_version"].startswith(newest)]
    split = Counter(placed[n] for n in hot_items)
    print(f"hot spot {hot} on meeting {newest}: {len(hot_items)} reports in {len(split)} problems {split.most_common(8)}")
    impure = sorted(((len(m), Counter(issue[x] for x in m).most_common(3)) for m in problems
                     if len({issue[x] for x in m}) > 1), key=lambda r: -r[0])[:10]
    print("largest mixed problems (size, issues):")
    for size, mix in impure:
        print("  ", size, mix)


if __name__ == "__main__":
    main()
