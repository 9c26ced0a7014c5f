"""Quality of the automatic pre-classification on REAL users' text (docs/classification.md).

    .venv/bin/python bench/classification_quality.py                     # dev only: what tuning may look at
    .venv/bin/python bench/classification_quality.py --test              # + the untouched test split (once per kept change)
    .venv/bin/python bench/classification_quality.py --test --curve      # + the learning curve (0/100/300/all dev labels)
    .venv/bin/python bench/classification_quality.py --errors module     # dev mistakes on a dimension (never test)
    .venv/bin/python bench/classification_quality.py --cv                # 5-fold cross-validation on dev (tuning)
    .venv/bin/python bench/classification_quality.py --speed             # throughput vs bare jieba.lcut, memory
    .venv/bin/python bench/classification_quality.py --blend             # dev 5-fold: rules vs model vs blend weights
    .venv/bin/python bench/classification_quality.py --features          # dev 5-fold: the model alone, feature/C variants

Data: bench/data/real/zh_im_reports.jsonl (real Chinese IM reports: type, module, intent) and
bench/data/real/en_app_reviews.jsonl (real English app reviews: intent), each item with a fixed
`split` (dev / test by source thread, see bench/data/real/split_rule.py). `--real-dir` reads them
from elsewhere (e.g. /work/wt-data/bench/data/real while that branch is unmerged).

What is compared, per dimension:
* majority: always the most frequent dev label;
* keywords: a plain keyword list — the standard's original 476 keywords (taxonomy migration 0002),
  substring counts × weight, argmax, majority when nothing matches;
* rules: the product's rule engine with a fresh installation's taxonomy (taxonomy/data/standard.yaml);
* product at cold start: rules + the learned model trained on the shipped seed set, which is the
  dev split (so only test figures are fair for it), gated exactly as the training job does;
* model alone: the learned model's argmax.

Taxonomy and tokenizer user words are set up exactly as `classification.services._taxonomy()` does.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_archive.classification import metrics as mx  # noqa: E402
from feedback_archive.classification import model as stat_model  # noqa: E402
from feedback_archive.classification import pipeline, rules, training  # noqa: E402
from feedback_archive.core import segmenter  # noqa: E402
from feedback_archive.taxonomy.standard import load_standard  # noqa: E402

ZH_DIMS = ("type", "module", "intent")
EN_DIMS = ("intent",)
FROZEN_0002 = ROOT / "feedback_archive" / "taxonomy" / "migrations" / "standard_0002.json"


def real_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    here = ROOT / "bench" / "data" / "real"
    return here if (here / "zh_im_reports.jsonl").exists() else Path("/work/wt-data/bench/data/real")


def taxonomy_snapshot() -> list[dict]:
    return [{"code": d["code"], "labels": [
        {"code": lab["code"], "name_zh": lab["name_zh"], "name_en": lab["name_en"],
         "keywords": list(lab.get("keywords", [])), "negative_keywords": list(lab.get("negative_keywords", []))}
        for lab in d["labels"]]} for d in load_standard()]


def load_user_words(taxonomy: list[dict]) -> None:
    words = {rules.parse_keyword(kw)[0] for d in taxonomy for lab in d["labels"] for kw in lab["keywords"]}
    segmenter.set_user_words(w for w in words if len(w) >= 2)


def load_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --- baselines -------------------------------------------------------------------------------

class KeywordBaseline:
    """A plain keyword list: substring counts × weight of the original 476 keywords."""

    def __init__(self, majority: dict[str, str]):
        self.majority = majority
        self.kw: dict[str, list[tuple[str, str, float]]] = {}
        for d in json.loads(FROZEN_0002.read_text(encoding="utf-8")):
            for lab in d["labels"]:
                for item in lab["keywords"]:
                    word, w = rules.parse_keyword(item)
                    self.kw.setdefault(d["code"], []).append((word.lower(), lab["code"], w))

    def predict(self, text: str, dim: str) -> str:
        text = text.lower()
        sc = Counter()
        for word, lab, w in self.kw.get(dim, []):
            n = text.count(word)
            if n:
                sc[lab] += n * w
        return sc.most_common(1)[0][0] if sc else self.majority[dim]


# --- the product -----------------------------------------------------------------------------

def train_seed(rows: list[dict], dims, taxonomy) -> tuple[stat_model.Ensemble | None, dict]:
    """What the training job does with the seed set (and no confirmed labels yet): low-confidence
    items are not in the shipped seed (bench/build_seed.py), so not here either."""
    rows = [r for r in rows if r.get("confidence") != "low"]
    keys = [r["id"] for r in rows]
    prepared = training.Prepared(keys, [r["text"] for r in rows])
    shared: dict = {}
    active, gate = [], {}
    for d in dims:
        items = [(r["id"], r["text"], r["labels"][d]) for r in rows if r["labels"].get(d)]
        if len({it[2] for it in items}) < 2:
            continue
        fitted = training.fit_dimension(items, dimension=d, taxonomy=taxonomy, min_examples=100,
                                        prepared=prepared, shared=shared)
        gate[d] = fitted
        if fitted["active"]:
            active.append(fitted["model"])
    return (stat_model.Ensemble(active, "seed") if active else None), gate


def predict(rows, taxonomy, dims, model=None) -> list[dict]:
    res = pipeline.classify_batch([("", r["text"], None) for r in rows], taxonomy=taxonomy, model=model)
    return [{d: x["suggestions"].get(d, {}).get("label") for d in dims} for x in res]


def model_alone(gate: dict, rows, dims) -> list[dict]:
    out = [{} for _ in rows]
    norms, words = stat_model.featurize([r["text"] for r in rows])
    for d in dims:
        if d not in gate:
            continue
        dm = gate[d]["model"]
        probs = dm.proba_matrix(dm.features.transform(norms, words))
        for i, p in enumerate(probs):
            out[i][d] = dm.classes[int(p.argmax())]
    return out


# --- reporting -------------------------------------------------------------------------------

def table(name: str, rows, preds_by_method: dict[str, list[dict]], dims, *, detail: str | None = None):
    print(f"\n### {name}: {len(rows)} items"
          f" ({sum(r.get('confidence') == 'low' for r in rows)} marked low-confidence)")
    methods = list(preds_by_method)
    print("| dimension | " + " | ".join(methods) + " |")
    print("| --- |" + " --- |" * len(methods))
    for d in dims:
        gold = [r["labels"].get(d) for r in rows]
        cells = []
        for m in methods:
            pred = [p.get(d) for p in preds_by_method[m]]
            pairs = [(p, g) for p, g in zip(pred, gold) if g]
            acc = sum(p == g for p, g in pairs) / len(pairs)
            high = [(p, g) for (p, g), r in zip(zip(pred, gold), rows) if g and r.get("confidence") != "low"]
            hacc = sum(p == g for p, g in high) / len(high) if high else 0
            s = mx.summary(mx.matrix_from_pairs(pairs))
            gold_labels = {g for _, g in pairs}
            f1s = [v["f1"] or 0.0 for v in s["per_label"] if v["label"] in gold_labels]
            f1 = sum(f1s) / max(1, len(f1s))
            cells.append(f"{acc:.1%} (F1 {f1:.2f}; clear items {hacc:.1%})")
        print(f"| {d} | " + " | ".join(cells) + " |")
    if detail:
        m = detail
        for d in dims:
            gold = [r["labels"].get(d) for r in rows]
            pred = [p.get(d) for p in preds_by_method[m]]
            pairs = [(p, g) for p, g in zip(pred, gold) if g]
            s = {"per_label": {v["label"]: v for v in mx.summary(mx.matrix_from_pairs(pairs))["per_label"]}}
            labels = sorted({g for _, g in pairs} | {p for p, _ in pairs if p})
            print(f"\n{d} — {m}: per label")
            print("| label | n (gold) | precision | recall | F1 |")
            print("| --- | --- | --- | --- | --- |")
            for lab in labels:
                v = s["per_label"].get(lab, {})
                n = sum(g == lab for _, g in pairs)
                print(f"| {lab} | {n} | {v.get('precision') or 0:.2f} | {v.get('recall') or 0:.2f} | {v.get('f1') or 0:.2f} |")
            print(f"\nconfusion (rows: gold, columns: suggested) — {d}")
            print("| gold \\ suggested | " + " | ".join(labels) + " |")
            print("| --- |" + " --- |" * len(labels))
            cm = Counter(pairs)
            for g in labels:
                print(f"| {g} | " + " | ".join(str(cm.get((p, g), 0)) for p in labels) + " |")


def curve(dev, test, dims, taxonomy, sizes=(0, 100, 300, 1000), seed=14):
    """Accuracy on test after N training labels drawn from dev (what the product does: gate,
    blend). 0 = rules alone. Sizes above the dev size are capped at the dev size (stated)."""
    order = list(dev)
    random.Random(seed).shuffle(order)
    out = {}
    for n in sizes:
        n_eff = min(n, len(order))
        if n_eff == 0:
            preds = predict(test, taxonomy, dims)
        else:
            mdl, _gate = train_seed(order[:n_eff], dims, taxonomy)
            preds = predict(test, taxonomy, dims, mdl)
        out[n] = (n_eff, {d: sum(p[d] == r["labels"].get(d) for p, r in zip(preds, test) if r["labels"].get(d))
                          / max(1, sum(1 for r in test if r["labels"].get(d))) for d in dims})
    return out


def run_set(name, rows, dims, taxonomy, args):
    dev = [r for r in rows if r["split"] == "dev"]
    test = [r for r in rows if r["split"] == "test"]
    majority = {d: Counter(r["labels"][d] for r in dev if r["labels"].get(d)).most_common(1)[0][0] for d in dims}
    kb = KeywordBaseline(majority)
    base = lambda part: {  # noqa: E731
        "majority": [{d: majority[d] for d in dims} for _ in part],
        "keywords": [{d: kb.predict(r["text"], d) for d in dims} for r in part],
        "rules": predict(part, taxonomy, dims),
    }
    if args.errors:
        d = args.errors
        preds = predict(dev, taxonomy, dims) if not args.with_model else None
        if args.with_model:  # the seed model, trained on dev minus a 5-fold's fold, per item
            preds = cross_val_preds(dev, dims, taxonomy)
        conf = Counter()
        for r, p in zip(dev, preds):
            if d in r["labels"] and p.get(d) != r["labels"][d]:
                conf[(r["labels"][d], p.get(d))] += 1
                print(f"{r['labels'][d]:>12} → {str(p.get(d)):<12} {r['text'][:160]}")
        print(conf.most_common())
        return
    if args.cv:
        preds = cross_val_preds(dev, dims, taxonomy)
        table(f"{name} dev, 5-fold cross-validation (rules + model trained on the other folds)", dev,
              {**base(dev), "rules + model (CV)": preds}, dims)
        return
    table(f"{name} dev", dev, base(dev), dims)
    if args.test:
        mdl, gate = train_seed(dev, dims, taxonomy)
        for d, f in gate.items():
            m = f["metrics"]
            print(f"gate on dev's out-of-sample items (cross-fitted halves), {d}: rules {m.get('rules_accuracy', 0):.1%} → rules+model "
                  f"{m.get('blend_accuracy', 0):.1%}, weight {m['weight']}: {m['reason']}")
        methods = {**base(test), "product at cold start (rules + seed model)": predict(test, taxonomy, dims, mdl),
                   "model alone": model_alone(gate, test, dims)}
        table(f"{name} TEST", test, methods, dims, detail="product at cold start (rules + seed model)")
        if args.curve:
            print(f"\nlearning curve on {name} test (training labels drawn from dev, {len(dev)} available):")
            print("| training labels | " + " | ".join(dims) + " |")
            print("| --- |" + " --- |" * len(dims))
            for n, (n_eff, accs) in curve(dev, test, dims, taxonomy).items():
                label = f"{n}" + (f" (capped: {n_eff})" if n_eff != n else "")
                print(f"| {label} | " + " | ".join(f"{accs[d]:.1%}" for d in dims) + " |")


def kappa(d: Path) -> None:
    """Cohen's kappa between the two independent labellings of the same Chinese items."""
    second = {r["id"]: r["labels"] for r in load_rows(d / "zh_im_second_labels.jsonl")} \
        if (d / "zh_im_second_labels.jsonl").exists() else {}
    if not second:
        return
    first = {r["id"]: r["labels"] for r in load_rows(d / "zh_im_reports.jsonl")}
    print(f"\n### Agreement of two labellers on {len(second)} Chinese items (zh_im_second_labels.jsonl)")
    print("| dimension | agreement | Cohen's κ |")
    print("| --- | --- | --- |")
    for dim in ZH_DIMS + ("severity",):
        pairs = [(second[i].get(dim), first[i].get(dim)) for i in second if i in first and second[i].get(dim) and first[i].get(dim)]
        s = mx.summary(mx.matrix_from_pairs(pairs))
        print(f"| {dim} | {s['accuracy']:.1%} | {s['kappa']:.2f} |")


def cross_val_preds(dev, dims, taxonomy, k=5):
    preds = [None] * len(dev)
    for fold in range(k):
        tr = [r for i, r in enumerate(dev) if i % k != fold]
        te_idx = [i for i in range(len(dev)) if i % k == fold]
        mdl, _ = train_seed(tr, dims, taxonomy)
        for i, p in zip(te_idx, predict([dev[i] for i in te_idx], taxonomy, dims, mdl)):
            preds[i] = p
    return preds


def speed(taxonomy, d: Path) -> None:
    """Throughput of the classification pipeline in one process, chunks of 500 like the worker
    (classify_batch: segmentation, rules, sentiment, the learned model for the chunk), against
    bare jieba.lcut on the same texts; peak RSS of the process with the model loaded."""
    import resource
    import time

    rows = load_rows(d / "zh_im_reports.jsonl") + load_rows(d / "en_app_reviews.jsonl")
    texts = [r["text"] for r in rows] * max(1, 3000 // len(rows))
    dev = [r for r in rows if r["split"] == "dev"]
    zh_model, _ = train_seed([r for r in dev if "module" in r["labels"]], ZH_DIMS, taxonomy)
    tok = segmenter._get()
    for label, mdl in (("rules only", None), ("rules + seed model", zh_model)):
        pipeline.classify_batch([("", t, None) for t in texts[:200]], taxonomy=taxonomy, model=mdl)  # warm-up
        best_c = best_j = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for k in range(0, len(texts), 500):
                pipeline.classify_batch([("", t, None) for t in texts[k:k + 500]], taxonomy=taxonomy, model=mdl)
            best_c = min(best_c, time.process_time() - t0)
            t0 = time.process_time()
            for t in texts:
                tok.lcut(t)
            best_j = min(best_j, time.process_time() - t0)
        print(f"{label}: {len(texts) / best_c:.0f} items/s, bare jieba.lcut {len(texts) / best_j:.0f} items/s "
              f"→ {best_j / best_c:.2f}× lcut ({sum(map(len, texts)) / len(texts):.0f} characters per text, CPU time)")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


# --- dev-only diagnosis: what holds a dimension back (issue #14) --------------------------------

def _cv_posteriors(dev, dim, fit_features=None, fit_clf=None, k=5):
    """Out-of-fold posteriors of the learned model for every dev item (item i in fold i % k;
    trained on the other folds' items that are not low-confidence, as the seed is)."""
    from feedback_archive.classification import model as sm

    fit_features = fit_features or sm.Features.fit
    fit_clf = fit_clf or sm.fit_classifier
    norms, words = sm.featurize([r["text"] for r in dev])
    post = [None] * len(dev)
    for fold in range(k):
        tr = [i for i in range(len(dev)) if i % k != fold and dev[i].get("confidence") != "low"]
        te = [i for i in range(len(dev)) if i % k == fold]
        feats, x = fit_features([norms[i] for i in tr], [words[i] for i in tr])
        clf = fit_clf(x, [dev[i]["labels"][dim] for i in tr])
        p = clf.predict_proba(feats.transform([norms[i] for i in te], [words[i] for i in te]))
        for i, pp in zip(te, p):
            post[i] = dict(zip([str(c) for c in clf.classes_], pp.tolist()))
    return post


def blend_diagnosis(name, dev, dims, taxonomy):
    """Rules alone, the model alone and the product's decision (rules + weight × model) at each
    weight of the gate's grid, on dev with out-of-fold posteriors; plus how often either the rules
    or the model is right (the most a blend of the two could reach)."""
    decide = pipeline.rule_scores([r["text"] for r in dev], taxonomy=taxonomy)
    print(f"\n### {name} dev, 5-fold: rules vs model vs blend ({len(dev)} items)")
    grid = training.WEIGHT_GRID
    print("| dimension | rules | model alone | " + " | ".join(f"blend w={w:g}" for w in grid) + " | rules or model right |")
    print("| --- |" + " --- |" * (len(grid) + 3))
    for d in dims:
        post = _cv_posteriors(dev, d)
        gold = [r["labels"][d] for r in dev]
        rl = [decide[i](d, None, 0) for i in range(len(dev))]
        ml = [max(p, key=p.get) for p in post]
        acc = lambda pred, gold=gold: sum(p == g for p, g in zip(pred, gold)) / len(gold)  # noqa: E731
        cells = [acc(rl), acc(ml)] + [acc([decide[i](d, post[i], w) for i in range(len(dev))]) for w in grid]
        either = sum(g in (a, b) for g, a, b in zip(gold, rl, ml)) / len(gold)
        print(f"| {d} | " + " | ".join(f"{c:.1%}" for c in cells) + f" | {either:.1%} |")
        conf = Counter((g, p) for g, p in zip(gold, [decide[i](d, post[i], 4) for i in range(len(dev))]) if g != p)
        print("  blend w=4, commonest mistakes (gold → suggested): "
              + ", ".join(f"{g}→{p} {n}" for (g, p), n in conf.most_common(6)))


def feature_variants(name, dev, dims):
    """The learned model alone (5-fold on dev) with other features, C and class weights."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from feedback_archive.classification import model as sm

    class Feats:
        def __init__(self, w, c):
            self.w, self.c = w, c

        def transform(self, norms, words):
            parts = ([self.w.transform(words)] if self.w else []) + ([self.c.transform(norms)] if self.c else [])
            return sp.hstack(parts, format="csr")

    def features(analyzer="char_wb", ngrams=(1, 3), use_words=True, use_chars=True):
        def fit(norms, words):
            w = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, min_df=2).fit(words) if use_words else None
            c = (TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=2, lowercase=False)
                 .fit(norms) if use_chars else None)
            f = Feats(w, c)
            return f, f.transform(norms, words)
        return fit

    def lr(c=4.0, cw="balanced"):
        return lambda x, y: LogisticRegression(C=c, max_iter=500, class_weight=cw).fit(x, y)

    variants = {
        "shipped: words + char_wb 1-3, C=4, balanced": (sm.Features.fit, sm.fit_classifier),
        "char 1-3 (across word boundaries)": (features("char"), lr()),
        "char 1-4": (features("char", (1, 4)), lr()),
        "C=1": (features(), lr(1.0)),
        "C=10": (features(), lr(10.0)),
        "no class weights": (features(), lr(cw=None)),
        "jieba words only": (features(use_chars=False), lr()),
        "character n-grams only": (features(use_words=False), lr()),
    }
    print(f"\n### {name} dev, 5-fold: the learned model alone, feature variants")
    print("| variant | " + " | ".join(dims) + " |")
    print("| --- |" + " --- |" * len(dims))
    for label, (ff, fc) in variants.items():
        cells = []
        for d in dims:
            post = _cv_posteriors(dev, d, ff, fc)
            cells.append(sum(max(p, key=p.get) == r["labels"][d] for p, r in zip(post, dev)) / len(dev))
        print(f"| {label} | " + " | ".join(f"{c:.1%}" for c in cells) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real-dir")
    ap.add_argument("--test", action="store_true", help="also report the untouched test split")
    ap.add_argument("--curve", action="store_true", help="learning curve (with --test)")
    ap.add_argument("--cv", action="store_true", help="5-fold cross-validation on dev")
    ap.add_argument("--errors", help="print dev mistakes on this dimension")
    ap.add_argument("--with-model", action="store_true", help="--errors with the model (cross-validated)")
    ap.add_argument("--only", choices=["zh", "en"])
    ap.add_argument("--speed", action="store_true", help="throughput against bare jieba.lcut, and memory")
    ap.add_argument("--blend", action="store_true", help="dev 5-fold: rules vs model alone vs blend weights")
    ap.add_argument("--features", action="store_true", help="dev 5-fold: the model alone with other features")
    args = ap.parse_args()
    taxonomy = taxonomy_snapshot()
    load_user_words(taxonomy)
    d = real_dir(args.real_dir)
    if args.speed:
        speed(taxonomy, d)
        return
    if args.blend or args.features:
        for lang, fname, dims in (("zh", "zh_im_reports.jsonl", ZH_DIMS), ("en", "en_app_reviews.jsonl", EN_DIMS)):
            if args.only in (None, lang):
                dev = [r for r in load_rows(d / fname) if r["split"] == "dev"]
                if args.blend:
                    blend_diagnosis(lang, dev, dims, taxonomy)
                if args.features:
                    feature_variants(lang, dev, dims)
        return
    if args.test:
        kappa(d)
    if args.only != "en":
        run_set("Chinese IM reports", load_rows(d / "zh_im_reports.jsonl"), ZH_DIMS, taxonomy, args)
    if args.only != "zh" and not (args.errors and args.errors != "intent"):
        run_set("English app reviews", load_rows(d / "en_app_reviews.jsonl"), EN_DIMS, taxonomy, args)


if __name__ == "__main__":
    main()
