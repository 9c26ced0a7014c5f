"""Pure classification: text + taxonomy in, suggestions with evidence out (no database)."""
from feedback_archive.core import segmenter

MODEL_VERSION = "rules-0"


def _weights(label: dict) -> dict[str, float]:
    out = {}
    for item in label.get("keywords", []):
        word, _, weight = item.rpartition(":") if ":" in item else (item, "", "1")
        out[word] = float(weight or 1)
    return out


def classify(*, title: str, content: str, taxonomy: list[dict], context: dict | None = None) -> dict:
    words = segmenter.cut(f"{title} {content}")
    text = f"{title} {content}".lower()
    suggestions = {}
    for dim in taxonomy:
        best, best_score, best_ev = None, 0.0, []
        for label in dim["labels"]:
            if any(neg in text for neg in label.get("negative_keywords", [])):
                continue
            ev = [w for w in _weights(label) if w in words]
            score = sum(_weights(label)[w] for w in ev)
            if score > best_score:
                best, best_score, best_ev = label["code"], score, ev
        if best:
            suggestions[dim["code"]] = {"label": best, "confidence": min(0.95, 0.4 + 0.15 * best_score), "evidence": best_ev}
    return {"language": "zh", "suggestions": suggestions,
            "sentiment": {"polarity": 0.0, "intent": suggestions.get("intent", {}).get("label", "complaint"), "evidence": []},
            "model_version": MODEL_VERSION}
