"""The API's JSON parser: DRF's, plus a nesting limit.

Python's json module parses recursively, so a body like `[[[[…]]]]` a few thousand levels deep
raised RecursionError inside the parser — a 500 on every write endpoint. No document in the
contract is deeper than a handful of levels (bulk → item → metadata → its own nesting), so the
parser refuses anything deeper than API_MAX_JSON_DEPTH with a 400, measuring the depth without
recursion so the check itself cannot overflow."""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth_exceeds(value, limit: int) -> bool:
    """True when `value` (parsed JSON) nests containers deeper than `limit`. Iterative."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        message = _("JSON nested deeper than %(n)d levels is not accepted.") % {"n": limit}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # the C scanner gave up before we could measure: far deeper than any limit
            raise ParseError(message) from None
        if json_depth_exceeds(data, limit):
            raise ParseError(message)
        return data
