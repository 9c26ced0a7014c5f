"""Language detection by script ratio (pure, no dependencies).

Feedback is overwhelmingly Chinese with some English app-store reviews from overseas users; a
script count is enough to pick the rule set and is what we store as the feedback's language.
"""
from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin words that Chinese feedback uses all the time; they say nothing about the language.
_LOANWORDS = frozenset({
    "app", "bug", "ios", "mac", "pc", "ui", "ai", "ppt", "wifi", "vpn", "id", "pdf", "mp", "ok", "vip",
    "windows", "android", "iphone", "ipad", "excel", "word", "zip", "apk", "im", "qq", "sdk", "api",
})


def detect_language(text: str) -> str:
    """'zh', 'en', 'ja', 'ko' or 'und' (nothing to go on)."""
    text = text or ""
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    words = [w for w in _LATIN_WORD.findall(text) if w.lower() not in _LOANWORDS]
    # A Latin word counts for about as much text as two Han characters.
    latin = 2 * len(words)
    if kana and kana * 3 >= han:
        return "ja"
    if hangul and hangul >= max(han, latin):
        return "ko"
    if han == 0 and latin == 0:
        if any(w for w in _LATIN_WORD.findall(text)):
            return "en"
        return "und"
    return "zh" if han >= latin else "en"
