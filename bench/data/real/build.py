"""Assemble the real evaluation files from the transcribed raw sources in raw/.

Run: .venv/bin/python bench/data/real/build.py   (from the repository root)

raw/en_wa.tsv      unit, intent, confidence, text            (WhatsApp store reviews)
raw/zh_*.tsv       unit, url, product, type, module, intent, severity, confidence, text
raw/pairs_*.tsv    a_ref, b_ref, same, evidence               (refs are item ids of zh/en files)

Texts are the users' words as published; the only cleaning done while transcribing is removing
logs, stack traces, code, image links and issue-template headings, and joining lines with a space.
The split comes from split_rule.split_for(unit) alone (never from a label).
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from split_rule import split_for  # noqa: E402

WA_URL = ("https://github.com/RalphSaridar369/whatsapp-reviews-insights/blob/"
          "6df6345ce62980d8e593c4e51ef5e0fbaa393635/app/src/data/reviews.json")
WA_SOURCE = "WhatsApp Messenger store reviews as published in RalphSaridar369/whatsapp-reviews-insights"


def read_tsv(path, ncols):
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != ncols:
                raise SystemExit(f"{path}:{n}: {len(parts)} columns, expected {ncols}")
            rows.append(parts)
    return rows


def norm(text):
    return " ".join(text.split())


def build_en():
    out, seen = [], set()
    for unit, intent, conf, text in read_tsv(os.path.join(HERE, "raw", "en_wa.tsv"), 4):
        text = norm(text)
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        thread = f"wa-review:{text}" if unit == "review" else unit
        out.append({
            "id": f"en-wa-{len(out) + 1:04d}", "text": text, "source": WA_SOURCE, "url": WA_URL,
            "product": "WhatsApp", "thread": unit if unit != "review" else "wa-outlier-review",
            "split": split_for(thread), "labels": {"intent": intent}, "confidence": conf,
        })
    return out


def build_zh():
    out, seen = [], set()
    for path in sorted(glob.glob(os.path.join(HERE, "raw", "zh_*.tsv"))):
        for unit, url, product, typ, module, intent, severity, conf, text in read_tsv(path, 9):
            text = norm(text)
            key = text.lower()
            if key in seen:
                continue
            seen.add(key)
            src = "GitHub issue thread" if "github.com" in url else "public web page"
            out.append({
                "id": f"zh-{len(out) + 1:04d}", "text": text, "source": f"{src} ({unit})", "url": url,
                "product": product, "thread": url.split("#")[0], "unit": unit, "split": split_for(unit),
                "labels": {"type": typ, "module": module, "intent": intent, "severity": severity},
                "confidence": conf,
            })
    return out


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(rows))


def build_pairs(items):
    by_id = {r["id"]: r for r in items}
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "raw", "pairs_*.tsv"))):
        for a, b, same, evidence in read_tsv(path, 4):
            ra, rb = by_id[a], by_id[b]
            if ra["split"] != rb["split"]:
                continue  # a pair whose two texts fall on different sides would leak: dropped
            out.append({
                "a": ra["text"], "b": rb["text"], "a_id": a, "b_id": b, "a_url": ra["url"], "b_url": rb["url"],
                "product": ra["product"], "module": ra["labels"].get("module", ""),
                "same": same == "1", "evidence": evidence, "split": ra["split"],
            })
    return out


if __name__ == "__main__":
    en = build_en()
    zh = build_zh()
    write("en_app_reviews.jsonl", en)
    write("zh_im_reports.jsonl", zh)
    pairs = build_pairs(en + zh)
    write("problem_pairs.jsonl", pairs)
