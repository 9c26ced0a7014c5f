"""Template tags of the desk: the home page's queues with their counts, capped list counts, the
classifier's evidence marked in the user's words."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from feedback_archive.core.admin import CappedCountPaginator
from feedback_archive.feedback import selectors as feedback_selectors

from .. import queues

register = template.Library()
_SEARCH_LABEL = _("search")


@register.simple_tag(takes_context=True)
def fa_desk_queues(context):
    """The queues of the signed-in agent, each with its live count (exact up to 1,000)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return queues.desk_queues(request.user)


@register.filter
def fa_result_count(cl) -> str:
    """A changelist's count as people read it: "1,000+" where the capped paginator stopped
    counting (it counts CAP + 1 rows at most), the exact number below that."""
    paginator = getattr(cl, "paginator", None)
    count = cl.result_count
    if isinstance(paginator, CappedCountPaginator) and count > paginator.CAP:
        return f"{paginator.CAP:,}+"
    return f"{count:,}"


@register.filter
def fa_full_count(cl) -> str:
    count = getattr(cl, "full_result_count", None)
    if count is None:
        return ""
    paginator = getattr(cl, "paginator", None)
    if isinstance(paginator, CappedCountPaginator) and count > paginator.CAP:
        return f"{paginator.CAP:,}+"
    return f"{count:,}"


# Parameters that are not filters: ordering, page, facets, popup flags.
_NOT_FILTERS = {"o", "p", "_facets", "e", "_popup", "_to_field", "all"}


@register.simple_tag
def fa_filter_chips(cl) -> list[dict]:
    """The active filters as removable chips: one per sidebar filter in use (its title and chosen
    values) and one per other parameter a link brought along (a report's drill-down, a search)."""
    active = dict(cl.params)
    chips, consumed = [], set()
    for spec in cl.filter_specs:
        names = [p for p in spec.expected_parameters() if p in active]
        if not names:
            continue
        consumed.update(names)
        shown = [str(c["display"]) for c in spec.choices(cl) if c.get("selected")]
        chips.append({"label": f"{spec.title}: {'、'.join(shown) or ', '.join(str(active[n]) for n in names)}",
                      "remove": cl.get_query_string(remove=names)})
    for name, value in active.items():
        if name in consumed or name in _NOT_FILTERS:
            continue
        label = f"{_SEARCH_LABEL}: {value}" if name == "q" else f"{name} = {value}"
        chips.append({"label": label, "remove": cl.get_query_string(remove=[name])})
    return chips


@register.simple_tag
def fa_pipeline_lag() -> dict:
    """How far understanding (classification, search, duplicates) lags intake, for the desk: the
    oldest waiting item's age and how many wait (feedback.selectors.pipeline_lag)."""
    lag = feedback_selectors.pipeline_lag()
    age = lag.get("oldest_age_seconds")
    return {**lag, "minutes": round(age / 60) if age is not None else None}


@register.filter
def fa_highlight(text: str, words) -> str:
    """The user's text, escaped, with each evidence word marked (<mark>): the agent sees at once
    why the suggestion was made. Longest words first, so 屏幕共享 wins over 屏幕; case-insensitive
    for English evidence."""
    text = text or ""
    words = sorted({w for w in (words or []) if w and w.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out += [escape(text[last:m.start()]), f'<mark class="fa-evidence">{escape(m.group(0))}</mark>']
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))
