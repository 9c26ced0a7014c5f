"""Pure classification: text + taxonomy in, suggestions with evidence out (no database).

    classify(title=..., content=..., taxonomy=[...], context={...}, model=None) -> dict

Scoring per dimension = taxonomy keywords (the database is the one vocabulary: edited in the
admin, weights "word:weight", loaded from taxonomy/data/standard.yaml) + phrase patterns
(classification/data/phrases.yaml, only for label codes present in the taxonomy) − negative
keywords, matched on jieba token boundaries with negation scope. A trained linear model
(`model.py`, optional) is blended in when passed. Each dimension then has a small
decision step encoding the taxonomy's boundary rules (release > scenario > individual, red lines
for critical, no-defect feedback is minor, …). See docs/classification.md.
"""
from __future__ import annotations

import hashlib
import math
import threading
from bisect import bisect_right

from . import rules, sentiment
from .language import detect_language

RULES_VERSION = "rules-3"  # rules-3: Latin tokens glued, module by the failing capability
MODEL_VERSION = RULES_VERSION

# Dimensions where a negated keyword still names the thing (没声音 is still about voice).
_NO_NEGATION_DIMS = frozenset({"module"})
_NEG_KEYWORD_PENALTY = 3.0
# The module is decided by the failing capability: a module keyword in a clause saying it works is
# not counted…
_SYMPTOM_TYPES = frozenset({"function", "performance"})
# …and a capability keyword outside every symptom clause counts half (when some clause reports a
# symptom): 消息 / 聊天 mentioned in passing must not outweigh the capability that failed.
# Dev, 5-fold (bench/classification_quality.py --blend): module rules 79.2 → 79.9%, blend w=4
# 83.2 → 84.3% (0.3 / 0.5 / 0.7 tried: 83.6 / 84.3 / 84.4%).
_INCIDENTAL = 0.5
_DEFAULTS = {"type": "function", "module": "other", "severity": "normal", "scope": "individual", "intent": "complaint"}


# Evidence tags are internal (the decisions read them); `plain_evidence` turns a list into the
# words a person reads: the matched text, deduplicated, without tags.
PHRASE_TAG = "phrase:"
NEGATED_TAG = "rule:negated "
_INTERNAL = ("neg:", "rule:", "model:", "negneg:", "wait:", "rhetorical:")


def plain_evidence(items, limit: int = 12) -> list[str]:
    """Deduplicated words found in the text: phrase matches as their text, no internal tags
    (`neg:`, `rule:negated`, `model:`, `p=0.93`), no sentiment signs (+好用 → 好用)."""
    out: list[str] = []
    for e in items or []:
        e = str(e)
        if e.startswith(PHRASE_TAG):
            e = e[len(PHRASE_TAG):]
        elif e.startswith(_INTERNAL):
            continue
        elif e[:1] in "+-" and len(e) > 1:
            e = e[1:]
        e = e.strip()
        if not e or not any(ch.isalnum() for ch in e) or e in out:
            continue
        out.append(e)
        if len(out) >= limit:
            break
    return out


_REQUIRED = {p[4]: rules.required_chars(p[2]) for p in rules.PHRASES}


class Compiled:
    def __init__(self, taxonomy: list[dict]):
        self.dims: list[tuple[str, list[str]]] = []
        self.dim_codes: set[str] = set()
        self.index = rules.KeywordIndex()
        present: set[tuple[str, str]] = set()
        for dim in taxonomy:
            codes = [lab["code"] for lab in dim.get("labels", [])]
            self.dims.append((dim["code"], codes))
            self.dim_codes.add(dim["code"])
            for lab in dim.get("labels", []):
                present.add((dim["code"], lab["code"]))
                for item in lab.get("keywords", []) or []:
                    word, weight = rules.parse_keyword(item)
                    self.index.add(word, rules.Entry(dim["code"], lab["code"], weight))
                for item in lab.get("negative_keywords", []) or []:
                    word, weight = rules.parse_keyword(item)
                    self.index.add(word, rules.Entry(dim["code"], lab["code"], weight, negative=True))
        self.index.freeze()
        self.praise_topic = rules.KeywordIndex()
        for lcode, words in rules.PRAISE_TOPIC.items():
            if ("type", lcode) in present:
                for word, weight in words:
                    if not word.startswith("rule:"):
                        self.praise_topic.add(word, rules.Entry("ptopic", lcode, weight))
        self.praise_topic.freeze()
        # (dim, label, regex, weight, name, required characters or None)
        self.phrases = [(*p, _REQUIRED[p[4]]) for p in rules.PHRASES if (p[0], p[1]) in present]


_cache: dict[int, tuple[object, Compiled]] = {}
_cache_lock = threading.Lock()


def _fingerprint(taxonomy: list[dict]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for dim in taxonomy:
        h.update(str(dim.get("code")).encode())
        for lab in dim.get("labels", []):
            h.update(("\x1e" + str(lab.get("code")) + "\x1f" + "\x1f".join(lab.get("keywords", []) or [])
                      + "\x1d" + "\x1f".join(lab.get("negative_keywords", []) or [])).encode())
    return h.hexdigest()


def compiled_for(taxonomy: list[dict]) -> Compiled:
    """Derived structures cached by id(taxonomy) and validated by a content fingerprint, so an
    edited taxonomy (even mutated in place) takes effect on the next call."""
    key = id(taxonomy)
    fp = _fingerprint(taxonomy)
    hit = _cache.get(key)
    if hit is not None and hit[0] == fp:
        return hit[1]
    comp = Compiled(taxonomy)
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = (fp, comp)
    return comp


def _confidence(best: float, second: float, floor: float = 0.25) -> float:
    if best <= 0:
        return floor
    margin = best - second
    conf = 0.3 + 0.45 * (1 - math.exp(-best / 4)) + 0.2 * (1 - math.exp(-max(margin, 0) / 2))
    return round(max(floor, min(0.95, conf)), 3)


def _argmax(scores: dict[str, float], order: list[str]) -> tuple[str | None, float, float]:
    """The best label (ties: the earlier in `order`), its score and the runner-up's score."""
    best = second = None
    bs = ss = 0.0
    for c in order:
        v = scores.get(c, 0.0)
        if best is None or v > bs:
            if best is not None:
                second, ss = best, bs
            best, bs = c, v
        elif second is None or v > ss:
            second, ss = c, v
    return best, bs, ss


def _score(comp: Compiled, toks: rules.Tokens, text: str):
    matches = comp.index.find(toks)
    scores: dict[str, dict[str, float]] = {}
    evidence: dict[str, dict[str, list[str]]] = {}
    chars = set(text)
    phrase_hits = []
    for dcode, lcode, rx, weight, _name, required in comp.phrases:
        if required is None or not required.isdisjoint(chars):
            m = rx.search(text)
            if m is not None:
                phrase_hits.append((dcode, lcode, weight, m))
    module_matches = rules.resolve(matches, "module") if "module" in comp.dim_codes else []
    working = symptom_clauses = breaks = None
    if module_matches:
        working = rules.working_spans(text)
        # clauses that report a symptom (a non-negated function / performance keyword or phrase of
        # the type dimension): the capability named there is the failing one, one named elsewhere
        # is incidental
        breaks = rules.clause_breaks(text)
        symptom_clauses = {bisect_right(breaks, m.start) for m, ents in rules.resolve(matches, "type")
                           if not m.negated and any(not en.negative and en.label in _SYMPTOM_TYPES for en in ents)}
        symptom_clauses.update(bisect_right(breaks, m.start()) for d, lab, _w, m in phrase_hits
                               if d == "type" and lab in _SYMPTOM_TYPES)
    for dcode, codes in comp.dims:
        sc = dict.fromkeys(codes, 0.0)
        ev: dict[str, list[str]] = {c: [] for c in codes}
        for m, ents in (module_matches if dcode == "module" else rules.resolve(matches, dcode)):
            factor = 1.0
            if dcode == "module":
                if working and any(a <= m.start < b for a, b in working):
                    continue  # 聊天里面显示正常: a capability named as working did not fail
                if symptom_clauses and bisect_right(breaks, m.start) not in symptom_clauses:
                    factor = _INCIDENTAL
            for en in ents:
                if en.negative:
                    sc[en.label] -= _NEG_KEYWORD_PENALTY
                    ev[en.label].append(f"neg:{m.word}")
                elif m.negated and dcode not in _NO_NEGATION_DIMS:
                    ev[en.label].append(NEGATED_TAG + m.word)
                else:
                    sc[en.label] += en.weight * factor
                    if m.word not in ev[en.label]:
                        ev[en.label].append(m.word)
        scores[dcode], evidence[dcode] = sc, ev
    for dcode, lcode, weight, m in phrase_hits:
        scores[dcode][lcode] += weight
        evidence[dcode][lcode].append(PHRASE_TAG + m.group(0).strip()[:24])
    return scores, evidence


def classify(*, title: str, content: str, taxonomy: list[dict], context: dict | None = None, model=None) -> dict:
    return classify_batch([(title, content, context)], taxonomy=taxonomy, model=model)[0]


def classify_batch(items, *, taxonomy: list[dict], model=None) -> list[dict]:
    """classify() for many items — (title, content, context) tuples — with the taxonomy's derived
    structures looked up once instead of once per item (fingerprinting it is not free)."""
    comp = compiled_for(taxonomy)
    items = list(items)
    raws = [_raw(title, content) for title, content, _context in items]
    # the one segmentation of each item: rules, sentiment and the model's features all read it
    toks_list = [rules.tokenize(raw) for raw in raws]
    # the model scores the whole chunk in one sparse matrix product
    prepared = model.prepare(toks_list) if model is not None and hasattr(model, "prepare") else None
    return [_classify(comp, raw, context, model, toks, prepared, i)
            for i, ((_t, _c, context), raw, toks) in enumerate(zip(items, raws, toks_list))]


# A pasted log or document: rules and model read the first MAX_TEXT characters (the report is at
# the top; a 20k-character paste must not cost a worker seconds). Sentiment too.
MAX_TEXT = 5000


def _raw(title, content) -> str:
    return f"{title or ''}\n{content or ''}".strip()[:MAX_TEXT]


def _classify(comp: Compiled, raw: str, context: dict | None, model, toks=None, prepared=None, i: int = 0) -> dict:
    context = context or {}
    language = detect_language(raw)
    if toks is None:
        toks = rules.tokenize(raw)
    text = toks.text
    scores, evidence = _score(comp, toks, text)
    model_version = MODEL_VERSION
    rule_type = dict(scores.get("type", {}))
    rule_intent = dict(scores.get("intent", {}))
    if model is not None:
        if prepared is not None:
            model.blend_prepared(prepared, i, scores, evidence)
        elif hasattr(model, "blend_tokens"):
            model.blend_tokens(raw, toks, scores, evidence)
        else:
            model.blend(raw, scores, evidence)
        model_version = f"{RULES_VERSION}+{model.model_id}"
    return _decide_all(comp, raw, toks, scores, evidence, context, language, model_version, rule_type,
                       rule_intent if model is not None else None)


def rule_scores(texts: list[str], *, taxonomy: list[dict]) -> list:
    """For the training gate: per text, a function (dimension, posterior | None, weight) → the
    label the pipeline decides for `dimension` when `weight × posterior` is added to the rule
    scores. The rules run once per text, however many dimensions and weights are tried."""
    comp = compiled_for(taxonomy)
    out = []
    for text in texts:
        raw = _raw("", text)
        toks = rules.tokenize(raw)
        scores, evidence = _score(comp, toks, toks.text)
        language = detect_language(raw)
        memo: dict = {}   # this text's polarity, computed at the first decision

        def decide(dimension, post, weight, *, _s=scores, _e=evidence, _t=toks, _r=raw, _l=language, _m=memo):
            # _decide_all reads scores and evidence and its deciders copy what they adjust, so only
            # the blended dimension needs a copy (a deep copy of both per call was half the
            # gate's time at 10k labels: bench/classification_training.py under cProfile)
            sc = dict(_s)
            if post and weight and dimension in sc:
                sc[dimension] = dict(sc[dimension])
                z = sum(p for c, p in post.items() if c in sc[dimension]) or 1.0
                for c, p in post.items():
                    if c in sc[dimension]:
                        sc[dimension][c] += weight * p / z
            res = _decide_all(comp, _r, _t, sc, _e, {}, _l, MODEL_VERSION, dict(_s.get("type", {})),
                              dict(_s.get("intent", {})) if post and weight else None, memo=_m)
            return res["suggestions"].get(dimension, {}).get("label")

        out.append(decide)
    return out


def _decide_all(comp, raw, toks, scores, evidence, context, language, model_version, rule_type=None,
                rule_intent=None, memo: dict | None = None) -> dict:
    """`memo`: a dict kept across calls for the same text with the same `rule_type` (the training
    gate decides each held-out text at every blend weight): the polarity, which reads only the
    text and the rules' type scores, is computed once (it was half of the gate's decision time)."""
    dims = dict(comp.dims)
    suggestions: dict[str, dict] = {}

    # --- sentiment & intent ------------------------------------------------------------------
    # the symptom strength other dimensions read (intent, polarity, severity) is the RULES' type
    # evidence: a blended type model adds probability mass, not symptoms (with weight 8 it would
    # turn every question into a complaint)
    tsc = rule_type if rule_type is not None else scores.get("type", {})
    dep_scores = {**scores, "type": tsc}
    defect = max(tsc.get("function", 0.0), tsc.get("performance", 0.0)) + 0.5 * tsc.get("experience", 0.0)
    if memo is not None and "polarity" in memo:
        pol, pol_ev = memo["polarity"]
    else:
        pol, pol_ev = sentiment.polarity(toks, raw, extra=-0.35 * min(defect, 6.0))
        if memo is not None:
            memo["polarity"] = (pol, pol_ev)
    lex_pol = pol
    isc = scores.get("intent", {})
    question_mark = "?" in raw or "？" in raw
    if rule_intent is None:
        intent = sentiment.decide_intent(isc, pol, defect=defect, has_question_mark=question_mark)
    else:
        intent = _vote_intent(sentiment.decide_intent(rule_intent, pol, defect=defect, has_question_mark=question_mark),
                              isc, rule_intent)
    if "intent" in dims and intent not in dims["intent"]:
        intent = _argmax(isc, dims["intent"])[0] or intent
    if intent == "praise" and pol < 0.2:
        pol = max(pol, 0.4)
    elif intent == "complaint" and pol > 0:
        pol = min(pol, -0.1) if defect >= 2 or isc.get("complaint", 0) >= 2 else pol

    topic: dict[str, float] = {}
    if intent == "praise":
        for _m, ents in rules.resolve(comp.praise_topic.find(toks), "ptopic"):
            for en in ents:
                topic[en.label] = topic.get(en.label, 0.0) + en.weight
        if any(e.startswith("rule:negated") for e in evidence.get("type", {}).get("performance", [])):
            topic["performance"] = topic.get("performance", 0.0) + 2.0

    for dcode, codes in comp.dims:
        sc, ev = scores[dcode], evidence[dcode]
        decide = _DECIDERS.get(dcode, _decide_generic)
        label, conf = decide(sc, codes, intent=intent, scores=dep_scores, context=context, pol=pol, topic=topic,
                             lex_pol=lex_pol)
        if label is None:
            continue
        found = ev.get(label, [])
        if dcode == "polarity":
            # the lexicon's words of the same sign are the rules' evidence for a polarity label
            found = found + [e for e in pol_ev if e.startswith("+" if label == "positive" else "-")]
        suggestions[dcode] = {"label": label, "confidence": conf, "evidence": plain_evidence(found)}

    if "polarity" in scores:
        # the stored polarity is the one the polarity label is decided on: the lexicon's, plus a
        # learned polarity model when one is active (so the number and the label never disagree)
        pol = _polarity_margin(scores["polarity"], lex_pol)
    sent_ev = plain_evidence(evidence.get("intent", {}).get(intent, [])[:6] + pol_ev[:10])
    # "no signal": nothing in the text a rule or the model could read (empty, emoji only, only
    # punctuation). The suggestions are then the defaults at their floor confidence, no evidence.
    signal = any(ch.isalnum() for ch in raw)
    if not signal:
        for sug in suggestions.values():
            sug["confidence"], sug["evidence"] = min(sug["confidence"], 0.2), []
    return {
        "language": language,
        "model_version": model_version,
        "signal": signal,
        "suggestions": suggestions,
        "sentiment": {"polarity": round(max(-1.0, min(1.0, pol)), 3), "intent": intent, "evidence": sent_ev},
    }


def _vote_intent(rules_intent: str, blended: dict[str, float], rule_scores: dict[str, float]) -> str:
    """Intent with a learned model: the rules' decision is one vote (1.0), the model adds
    weight × its probability per label (what it added to the blended scores). The rules' intent
    decision is a cascade of thresholds on raw scores and polarity, so adding probability mass to
    those scores let the thresholds override a confident model (dev, 5-fold: zh 81.5% additive vs
    83.9% voting, en 81.5% vs 82.6%; bench/classification_quality.py --cv). Weight ≤ 1 leaves
    the rules' decision; the gate picks the weight on held-out items."""
    vote = {c: v - rule_scores.get(c, 0.0) for c, v in blended.items()}
    vote[rules_intent] = vote.get(rules_intent, 0.0) + 1.0
    return max(vote, key=lambda c: (vote[c], c == rules_intent))


# ---------------------------------------------------------------------------------------------
# Per-dimension decisions
# ---------------------------------------------------------------------------------------------

def _decide_generic(sc, codes, **_):
    label, best, second = _argmax(sc, codes)
    if label is None or best <= 0:
        return None, 0.0
    return label, _confidence(best, second)


def _decide_type(sc, codes, *, intent, topic, **_):
    sc = dict(sc)
    if intent == "praise" and topic:
        # a praise is typed by what it praises (流畅 → performance, 界面 → experience, 客服 → consultation)
        for lcode, w in topic.items():
            if lcode in sc:
                sc[lcode] = max(sc[lcode], 0.0) + w
    f, p, e, c = (sc.get(k, 0.0) for k in ("function", "performance", "experience", "consultation"))
    if intent == "question" and "consultation" in sc:
        # a genuine question without a reported symptom is a consultation; a question about a
        # symptom (请问为什么消息延迟…, 有人知道怎么解决闪退吗) is typed by the symptom
        if max(f, p) < 2:
            sc["consultation"] = c + 2
        else:
            sc["consultation"] = min(c, max(f, p, e) - 0.5)
    elif "consultation" in sc and max(f, p, e) >= 2 and c < max(f, p, e) + 3:
        sc["consultation"] = min(c, max(f, p, e) - 0.5)
    if intent == "suggestion" and "function" in sc and max(p, e) < 3:
        sc["function"] = f + 1.5
    label, best, second = _argmax(sc, codes)
    if label is None:
        return None, 0.0
    if best <= 0:
        fallback = "consultation" if intent == "question" else ("function" if "function" in codes else label)
        return fallback, 0.25
    return label, _confidence(best, second)


def _decide_module(sc, codes, **_):
    label, best, second = _argmax(sc, codes)
    if label is None:
        return None, 0.0
    if best <= 0:
        return ("other" if "other" in codes else label), 0.2
    return label, _confidence(best, second)


def _decide_severity(sc, codes, *, intent, scores, context, **_):
    sc = dict(sc)
    tsc = scores.get("type", {})
    defect = max(tsc.get("function", 0.0), tsc.get("performance", 0.0))
    if "normal" in sc:
        sc["normal"] += 1.5
    if "minor" in sc and intent in ("praise", "suggestion", "question") and defect < 3:
        sc["minor"] += 3
    if "minor" in sc and tsc.get("experience", 0) >= 2 and tsc.get("experience", 0) > defect:
        sc["minor"] += 2.5
    if "major" in sc and (context.get("similar_on_release") or 0) >= 10:
        sc["major"] += 2
    # red lines first, then the table
    if sc.get("critical", 0) >= 3:
        return "critical", _confidence(sc["critical"], max(sc.get("major", 0), sc.get("normal", 0)))
    sc["critical"] = min(sc.get("critical", 0), 2)
    label, best, second = _argmax(sc, codes)
    if label is None:
        return None, 0.0
    return label, _confidence(best, second, floor=0.3)


def _decide_scope(sc, codes, *, context, **_):
    sc = dict(sc)
    if "release" in sc and (context.get("similar_on_release") or 0) >= 3:
        sc["release"] += 3
    if sc.get("release", 0) >= 2:
        return "release", _confidence(sc["release"], max(sc.get("scenario", 0), sc.get("individual", 0)))
    if sc.get("scenario", 0) >= 2:
        return "scenario", _confidence(sc["scenario"], sc.get("individual", 0))
    if "individual" in codes:
        ind = sc.get("individual", 0)
        return "individual", _confidence(ind, 0, floor=0.3) if ind > 0 else 0.3
    return _decide_generic(sc, codes)


def _decide_intent(sc, codes, *, intent, **_):
    if intent not in codes:
        return _decide_generic(sc, codes)
    best = sc.get(intent, 0.0)
    second = max([v for k, v in sc.items() if k != intent] or [0.0])
    return intent, _confidence(best, second, floor=0.35)


def _polarity_margin(sc, pol: float) -> float:
    """Positive minus negative: the lexicon's polarity is the rules' score of the polarity
    dimension (so rules alone decide exactly as the lexicon does), plus whatever was added to the
    labels' scores — taxonomy keywords an admin gave them, and weight × probability from a
    learned polarity model (trained on confirmed polarity, active only when it beat the lexicon
    out of fold: training.fit_dimension)."""
    return (sc.get("positive", 0.0) - sc.get("negative", 0.0)) + pol


def _decide_polarity(sc, codes, *, lex_pol, **_):
    # the lexicon's polarity before the intent decision pulls it (praise ≥ 0.4, complaint < 0):
    # those pulls come from IM keyword counts and cost 6 points on hotel reviews (dev) while
    # changing nothing on the IM dev items with a praise or complaint intent (92.7% both ways,
    # bench/sentiment_quality.py); the polarity label is the lexicon's verdict, the intent its own
    margin = _polarity_margin(sc, lex_pol)
    if margin == 0 or "positive" not in codes or "negative" not in codes:
        return None, 0.0   # nothing evaluative and no model: no verdict rather than a guess
    label = "positive" if margin > 0 else "negative"
    return label, round(min(0.95, 0.5 + 0.45 * math.tanh(abs(margin))), 3)


_DECIDERS = {
    "polarity": _decide_polarity,
    "type": _decide_type,
    "module": _decide_module,
    "severity": _decide_severity,
    "scope": _decide_scope,
    "intent": _decide_intent,
}
