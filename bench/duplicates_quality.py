"""Precision and recall of near-duplicate detection at ingest, on the real reviews in ../shared/data.

    .venv/bin/python bench/duplicates_quality.py --sample 240 > /tmp/pairs.txt   # draw pairs to label
    .venv/bin/python bench/duplicates_quality.py                                # score the settings

Ingest tokenises `title + content` with segmenter.search_tokens, drops STOPWORDS, fingerprints
texts of at least MIN_TOKENS tokens into BANDS×ROWS MinHash bands, and links a new item to an
earlier one sharing a band when their token Jaccard is ≥ DUPLICATE_THRESHOLD. A pair is "predicted
duplicate" under a setting when all three hold.

Population: every pair of texts (both files) whose token Jaccard is ≥ POOL_MIN, found exactly with
prefix filtering (no sampling there), plus a probe stratum of pairs with low token Jaccard but high
character-bigram overlap (duplicates that token Jaccard misses). The pairs are stratified by
Jaccard; a sample from each stratum is labelled by hand (bench/data/duplicate_pairs_labelled.jsonl:
row numbers only, never the texts) and precision/recall are the stratum-weighted estimates.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import struct
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_archive.core import segmenter  # noqa: E402
from feedback_archive.feedback import duplicates  # noqa: E402

# ../shared from the main checkout; a git worktree elsewhere reads the same files
DATA = next((d for d in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if d.exists()), ROOT.parent / "shared" / "data")
FILES = ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv")
LABELS = ROOT / "bench" / "data" / "duplicate_pairs_labelled.jsonl"
POOL_MIN = 0.2
STRATA = [(0.2, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.85), (0.85, 1.0), (1.0, 1.01)]
PROBE = "low_token_high_char"
NEGATION = frozenset({"不", "没"})
# The stop list the sample was drawn with (it still held 不/没); pinned so the study reproduces
# after duplicates.STOPWORDS adopted its recommendation.
STUDY_STOPWORDS = duplicates.STOPWORDS | NEGATION
SETTINGS = {  # name: (bands, rows, min_tokens, threshold, stopwords)
    "study baseline 12x2 min4 t0.5": (12, 2, 4, 0.5, STUDY_STOPWORDS),
    "12x2 min4 t0.4": (12, 2, 4, 0.4, STUDY_STOPWORDS),
    "12x2 min4 t0.6": (12, 2, 4, 0.6, STUDY_STOPWORDS),
    "12x2 min4 t0.7": (12, 2, 4, 0.7, STUDY_STOPWORDS),
    "12x2 min3 t0.5": (12, 2, 3, 0.5, STUDY_STOPWORDS),
    "12x2 min2 t0.6": (12, 2, 2, 0.6, STUDY_STOPWORDS),
    "12x2 min4 t0.5, keep 不/没": (12, 2, 4, 0.5, STUDY_STOPWORDS - NEGATION),
    "12x2 min3 t0.5, keep 不/没": (12, 2, 3, 0.5, STUDY_STOPWORDS - NEGATION),
    "12x2 min4 t0.4, keep 不/没": (12, 2, 4, 0.4, STUDY_STOPWORDS - NEGATION),
}


def load() -> dict[str, str]:
    texts = {}
    for name in FILES:
        with open(DATA / name, encoding="utf-8") as fh:
            for number, row in enumerate(csv.DictReader(fh), start=1):
                texts[f"{name}:{number}"] = (row.get("review") or "").strip()
    return texts


def token_sets(texts: dict[str, str]) -> dict[str, frozenset]:
    # the same path as feedback_create: title is empty for a review, hence the leading space
    return {k: frozenset(t for t in segmenter.search_tokens(f" {x}") if t not in STUDY_STOPWORDS) for k, x in texts.items()}


def jaccard(a, b) -> float:
    return duplicates.jaccard(a, b)


def all_pairs(sets: dict[str, frozenset], threshold: float) -> dict[tuple[str, str], float]:
    """Every pair with Jaccard ≥ threshold: a pair that reaches it must share a token among the
    rarest |x| - ceil(t|x|) + 1 of each side (prefix filtering), so common words are never probed."""
    freq = Counter(t for s in sets.values() for t in s)
    order = {k: sorted(s, key=lambda t: (freq[t], t)) for k, s in sets.items() if len(s) >= 2}
    index: dict[str, list[str]] = defaultdict(list)
    found = {}
    for key in sorted(order, key=lambda k: len(order[k])):
        toks = order[key]
        size = len(toks)
        prefix = size - math.ceil(threshold * size) + 1
        seen = set()
        for tok in toks[:prefix]:
            for other in index[tok]:
                if other in seen:
                    continue
                seen.add(other)
                if len(order[other]) < threshold * size:
                    continue
                score = jaccard(sets[key], sets[other])
                if score >= threshold:
                    found[tuple(sorted((key, other)))] = score
            index[tok].append(key)
    return found


def bigrams(text: str) -> frozenset:
    text = "".join(ch for ch in text if ch.isalnum())
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def probe_pairs(texts, sets, pool, rng, limit=3000) -> dict[tuple[str, str], float]:
    """Pairs with character-bigram Jaccard ≥ 0.5 yet token Jaccard < POOL_MIN, among texts that
    share a rare bigram: what a token method could never link."""
    grams = {k: bigrams(t) for k, t in texts.items() if len(t) >= 6}
    found = all_pairs(grams, 0.5)
    out = {}
    for pair, _score in found.items():
        if pair not in pool and jaccard(sets[pair[0]], sets[pair[1]]) < POOL_MIN:
            out[pair] = jaccard(sets[pair[0]], sets[pair[1]])
    return out


def stratum(score: float) -> str:
    for lo, hi in STRATA:
        if lo <= score < hi:
            return f"{lo:.2f}-{min(hi, 1.0):.2f}"
    return f"{STRATA[-1][0]:.2f}-1.00"


def population(texts, sets):
    """Cached in /tmp (ids only) because the exact all-pairs pass takes minutes."""
    cache = Path(tempfile.gettempdir()) / "fa_duplicates_population.json"  # 22 MB: not for the repo
    if cache.exists():
        data = json.loads(cache.read_text())
        strata = {k: [tuple(p) for p in v] for k, v in data.items()}
        return strata, {p: jaccard(sets[p[0]], sets[p[1]]) for pairs in strata.values() for p in pairs}
    strata, scores = _population(texts, sets)
    cache.write_text(json.dumps(strata))
    return strata, scores


def _population(texts, sets):
    pool = all_pairs(sets, POOL_MIN)
    probe = probe_pairs(texts, sets, pool, random.Random(1))
    strata: dict[str, list] = defaultdict(list)
    for pair, score in pool.items():
        strata[stratum(score)].append(pair)
    strata[PROBE] = sorted(probe)
    for pairs in strata.values():
        pairs.sort()
    return strata, {**pool, **probe}


# --- the ingest rule under a setting -----------------------------------------------------------
def _perms(bands, rows):
    rng = random.Random(20261124)  # duplicates.py's seed: the current setting reproduces exactly
    return [(rng.randrange(1, duplicates._PRIME), rng.randrange(0, duplicates._PRIME)) for _ in range(bands * rows)]


def band_values(tokens, bands, rows, min_tokens, perms):
    if len(tokens) < min_tokens:
        return set()
    hashes = [duplicates._h(t) for t in tokens]
    mins = [min((a * h + b) % duplicates._PRIME for h in hashes) for a, b in perms]
    return {(band, hashlib.blake2b(struct.pack(f"<{rows}Q", *mins[band * rows:(band + 1) * rows]), digest_size=8).digest())
            for band in range(bands)}


def predicted(a, b, setting, cache, raw) -> bool:
    bands, rows, min_tokens, threshold, stopwords = setting
    if stopwords is not STUDY_STOPWORDS:
        a = (a[0], frozenset(t for t in raw[a[0]] if t not in stopwords))
        b = (b[0], frozenset(t for t in raw[b[0]] if t not in stopwords))
    perms = cache.setdefault(("perms", bands, rows), _perms(bands, rows))
    va = cache.setdefault((setting, a[0]), band_values(a[1], bands, rows, min_tokens, perms))
    vb = cache.setdefault((setting, b[0]), band_values(b[1], bands, rows, min_tokens, perms))
    return bool(va & vb) and jaccard(a[1], b[1]) >= threshold


# --- commands ----------------------------------------------------------------------------------
def draw_sample(n: int) -> None:
    texts = load()
    sets = token_sets(texts)
    strata, scores = population(texts, sets)
    rng = random.Random(20261201)
    per = max(1, n // len(strata))
    for name in sorted(strata):
        pairs = strata[name]
        print(f"## stratum {name}: {len(pairs)} pairs", file=sys.stderr)
        for a, b in rng.sample(pairs, min(per, len(pairs))):
            print(json.dumps({"a": a, "b": b, "jaccard": round(scores[(a, b)], 3), "stratum": name}))
            print("   A:", texts[a][:220].replace("\n", " "))
            print("   B:", texts[b][:220].replace("\n", " "))


def score() -> None:
    texts = load()
    sets = token_sets(texts)
    strata, _scores = population(texts, sets)
    raw = {k: frozenset(segmenter.search_tokens(f" {texts[k]}")) for k in texts}
    sizes = {name: len(pairs) for name, pairs in strata.items()}
    labelled = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    by_stratum = defaultdict(list)
    for item in labelled:
        by_stratum[item["stratum"]].append(item)
    print(f"{len(labelled)} labelled pairs; population by stratum (pairs / labelled / duplicates in sample):")
    for name in sorted(sizes):
        sample = by_stratum.get(name, [])
        print(f"  {name:>22}: {sizes[name]:>7} / {len(sample):>3} / {sum(i['duplicate'] for i in sample):>3}")
    cache: dict = {}
    current = next(iter(SETTINGS.values()))
    for item in labelled:  # the re-implementation must agree with duplicates.py on the current setting
        same = bool(set(duplicates.band_values(sets[item["a"]])) & set(duplicates.band_values(sets[item["b"]])))
        assert same == bool(band_values(sets[item["a"]], *current[:3], _perms(*current[:2]))
                            & band_values(sets[item["b"]], *current[:3], _perms(*current[:2]))), item
    print("\n| setting | precision | recall (all) | recall (J ≥ 0.4) | F1 (all) | predicted pairs (est.) | labelled pairs predicted |\n"
          "| --- | --- | --- | --- | --- | --- | --- |")
    high = {name for name in by_stratum if name != PROBE and float(name.split("-")[0]) >= 0.4}
    for label, setting in SETTINGS.items():
        tp = pred = dup = tp_high = dup_high = 0.0
        n_pred = 0
        for name, sample in by_stratum.items():
            if not sample:
                continue
            weight = sizes.get(name, 0) / len(sample)
            for item in sample:
                hit = predicted((item["a"], sets[item["a"]]), (item["b"], sets[item["b"]]), setting, cache, raw)
                pred += weight * hit
                dup += weight * item["duplicate"]
                tp += weight * (hit and item["duplicate"])
                n_pred += hit
                if name in high:
                    dup_high += weight * item["duplicate"]
                    tp_high += weight * (hit and item["duplicate"])
        precision = tp / pred if pred else float("nan")
        recall = tp / dup if dup else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        recall_high = tp_high / dup_high if dup_high else float("nan")
        print(f"| {label} | {precision:.2f} | {recall:.2f} | {recall_high:.2f} | {f1:.2f} | {pred:,.0f} | {n_pred} |")


# --- ingest replayed: clusters, not pairs ------------------------------------------------------
def ingest_clusters(texts, leader: bool, holders_cap: int | None, hot: int | None = None,
                    cluster_new: bool = False) -> dict[str, str]:
    """Feed every text through the ingest rule in file order, as intake would receive them, and
    return each text's canonical. `leader`: only canonical items store bands (intake now);
    otherwise every item does and a candidate that is itself a duplicate stands for its canonical
    (intake before). `holders_cap`: newest holders read per band value (services.BAND_HOLDERS);
    `hot`: a holder sharing only one band value held by ≥ this many items is no candidate
    (services.HOT_BAND). `cluster_new` (with leader): a linked item stores the band values its
    cluster does not hold yet (intake now)."""
    holders: dict[int, list[str]] = defaultdict(list)
    held: dict[str, set] = defaultdict(set)  # canonical → band values its cluster holds
    canonical_of: dict[str, str] = {}
    token_of: dict[str, frozenset] = {}
    order = {key: n for n, key in enumerate(texts)}  # ingest order stands for the feedback id
    for key, text in texts.items():
        tokens = duplicates.dedup_tokens(segmenter.search_tokens(f" {text}"))
        token_of[key] = tokens
        bands = duplicates.band_values(tokens)
        canonical_of[key] = key
        if not bands:
            continue
        hits: Counter = Counter()
        telling = set()
        for v in bands:
            got = holders.get(v, ())
            got = got[-holders_cap:] if holders_cap else got
            for other in got:
                hits[other] += 1
            if hot is None or len(got) < hot:
                telling.update(got)
        ranked = sorted(((o, n) for o, n in hits.items() if n > 1 or o in telling),
                        key=lambda kv: (kv[1], order[kv[0]]), reverse=True)
        best, best_score = None, 0.0
        for other, _n in ranked[:50]:
            if duplicates.negation_differs(tokens, token_of[other]):
                continue
            score = duplicates.jaccard(tokens, token_of[other])
            if score > best_score:
                best, best_score = canonical_of[other], score
        if best is not None and best_score >= duplicates.DUPLICATE_THRESHOLD:
            canonical_of[key] = best
            if cluster_new:
                new = [v for v in bands if v not in held[best]]
                held[best].update(new)
                for v in new:
                    holders[v].append(key)
                continue
            if leader:
                continue
        held[key].update(bands)
        for v in bands:
            holders[v].append(key)
    return canonical_of


def score_ingest() -> None:
    """Precision / recall of "the two end up in the same cluster" on the labelled pairs, for the
    current setting, with and without leader clustering and the per-band cap."""
    texts = load()
    sets = token_sets(texts)
    strata, _scores = population(texts, sets)
    sizes = {name: len(pairs) for name, pairs in strata.items()}
    labelled = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    high = {i["stratum"] for i in labelled if i["stratum"] != PROBE and float(i["stratum"].split("-")[0]) >= 0.4}
    per_stratum = Counter(i["stratum"] for i in labelled)
    print("\n| ingest replay (current setting) | precision | recall (all) | recall (J ≥ 0.4) | linked texts | labelled pairs predicted |\n"
          "| --- | --- | --- | --- | --- | --- |")
    for label, leader, cap, hot, new in (
            ("every item stores bands, no cap (before)", False, None, None, False),
            ("every item stores bands, 100 holders per value", False, 100, None, False),
            ("leader clustering, no cap", True, None, None, False),
            ("leader clustering, 100 holders per value", True, 100, None, False),
            ("leader clustering, 100 holders, hot single bands ignored", True, 100, 20, False),
            ("linked items add the values their cluster lacks, 100 holders, hot single bands ignored (now)",
             True, 100, 20, True)):
        canon = ingest_clusters(texts, leader, cap, hot, new)
        tp = pred = dup = tp_high = dup_high = 0.0
        n_pred = 0
        for item in labelled:
            weight = sizes.get(item["stratum"], 0) / per_stratum[item["stratum"]]
            hit = canon[item["a"]] == canon[item["b"]]
            pred += weight * hit
            dup += weight * item["duplicate"]
            tp += weight * (hit and item["duplicate"])
            n_pred += hit
            if item["stratum"] in high:
                dup_high += weight * item["duplicate"]
                tp_high += weight * (hit and item["duplicate"])
        linked = sum(1 for k, c in canon.items() if c != k)
        print(f"| {label} | {tp / pred if pred else float('nan'):.2f} | {tp / dup:.2f} | {tp_high / dup_high:.2f} | "
              f"{linked:,} | {n_pred} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, help="print N pairs (stratified) to label, instead of scoring")
    args = parser.parse_args()
    if args.sample:
        draw_sample(args.sample)
    else:
        score()
        score_ingest()
