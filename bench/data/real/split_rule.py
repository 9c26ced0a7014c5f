"""The one split rule for every real evaluation file (fixed before any item was labelled).

unit = the source thread or product family an item comes from (for issue threads the product family:
the repositories about one client or one vendor's SDKs, see build.FAMILY, so one incident never lands on both sides; a BERTopic cluster for app reviews that the
published dataset grouped by topic; the review itself for its outliers). An item is in `test`
when the first 8 hex digits of sha1(unit) modulo 100 are below 30, else `dev` (about 70/30).
"""
import hashlib


def split_for(unit: str) -> str:
    return "test" if int(hashlib.sha1(unit.encode("utf-8")).hexdigest()[:8], 16) % 100 < 30 else "dev"
