"""Near-duplicate fingerprints: MinHash over the jieba tokens, split into LSH bands stored in
their own indexed table, so finding candidates is a handful of index look-ups, not a scan.

Two texts share a band with probability 1-(1-J^ROWS)^BANDS for token Jaccard similarity J:
with 12 bands of 2 rows that is 0.97 at J=0.5 and 0.42 at J=0.2; candidates are then verified
with the exact Jaccard similarity against DUPLICATE_THRESHOLD."""
from __future__ import annotations

import hashlib
import random
import struct
from functools import lru_cache

BANDS = 12
ROWS = 2
MIN_TOKENS = 4
DUPLICATE_THRESHOLD = 0.5
_PRIME = (1 << 61) - 1
_MASK56 = (1 << 56) - 1
_rng = random.Random(20261124)
_PERMS = [(_rng.randrange(1, _PRIME), _rng.randrange(0, _PRIME)) for _ in range(BANDS * ROWS)]

# Words that carry no complaint of their own; dropping them keeps "很卡" and "真的很卡啊" close.
# 不/没 stay: without them "可以发送" and "不可以发送" are the same set (docs/duplicates.md).
STOPWORDS = frozenset(
    "的 了 也 都 就 还 很 太 啊 呢 吧 吗 呀 哦 嗯 是 我 你 他 她 它 我们 你们 在 和 与 及 又 再 被 把 给 让 "
    "这 那 这个 那个 一个 有 会 能 要 想 到 说 对 得 地 着 过 真的 就是 但是 还是 然后 而且 所以 因为 "
    "the a an to of and is it i my in on for this that was be with".split()
)


def dedup_tokens(tokens) -> frozenset[str]:
    return frozenset(tokens).difference(STOPWORDS)


def _h(token: str) -> int:
    return struct.unpack("<Q", hashlib.blake2b(token.encode(), digest_size=8).digest())[0]


@lru_cache(maxsize=50_000)
def _permuted(token: str) -> tuple[int, ...]:
    # words recur from text to text (Zipf), so each word's BANDS × ROWS hashes are worth keeping
    h = _h(token)
    return tuple((a * h + b) % _PRIME for a, b in _PERMS)


def band_values(tokens: frozenset[str]) -> list[int]:
    """BANDS integers; two texts sharing any one are candidates. Empty for texts too short to judge."""
    if len(tokens) < MIN_TOKENS:
        return []
    mins = [min(column) for column in zip(*[_permuted(t) for t in tokens])]
    out = []
    for band in range(BANDS):
        chunk = mins[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{ROWS}Q", *chunk), digest_size=8).digest()
        out.append((band << 56) | (struct.unpack("<Q", digest)[0] & _MASK56))
    return out


NEGATIONS = frozenset("不 没 没有 无法 不能 不可以 不会 不了 未 别 不是 不到 不行 无 cannot can't not no never".split())


def negation_differs(a: frozenset[str], b: frozenset[str]) -> bool:
    """群里可以发送大文件 and 群里不可以发送大文件 share almost every token but say opposite
    things: a negation word on one side only vetoes the link, whatever the Jaccard score."""
    return bool((a ^ b) & NEGATIONS) or any(t.startswith(("不", "没")) and len(t) > 1 for t in a ^ b)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def link_score(a: frozenset[str], b: frozenset[str], beat: float = 0.0) -> float:
    """The similarity that would link a to b, or 0.0: Jaccard at or above DUPLICATE_THRESHOLD,
    above `beat` (the best candidate so far) and no negation veto. The size bound comes first —
    Jaccard ≤ smaller / larger — and the veto last, only for a candidate that would win."""
    t = DUPLICATE_THRESHOLD
    if len(b) < len(a) * t or len(a) < len(b) * t:
        return 0.0
    score = jaccard(a, b)
    if score < t or score <= beat or negation_differs(a, b):
        return 0.0
    return score
