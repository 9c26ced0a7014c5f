"""What PostgreSQL refuses, checked before it is asked to store it. A NUL character (text and jsonb
both refuse it) or a lone UTF-16 surrogate (not encodable as UTF-8) in any string of an item would
otherwise reach the database and fail the whole statement — and with it the item's valid neighbours.
Callers turn the message into a field error (400), never a 500."""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 20  # metadata deeper than this is not data anyone reads; it is an attack on recursion


def text_error(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return _("contains a NUL character (\\u0000), which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("contains an unpaired surrogate (e.g. \\ud800), which is not valid Unicode")
    return None


def json_error(value, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON-like value (dicts, lists, strings, numbers) cannot be stored, or None: any key or
    string with `text_error`, or nesting deeper than `max_depth`. Iterative, so depth cannot blow
    Python's stack."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth and isinstance(node, (dict, list, tuple)):
            return _("is nested deeper than %(n)d levels") % {"n": max_depth}
        if isinstance(node, str):
            if err := text_error(node):
                return err
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and (err := text_error(k)):
                    return _("has a key that %(err)s") % {"err": err}
                stack.append((v, depth + 1))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)
    return None


def max_length(model, field_name: str) -> int | None:
    """The column limit as the model declares it: serializers and services read it from here instead
    of writing the number a second time."""
    return model._meta.get_field(field_name).max_length
