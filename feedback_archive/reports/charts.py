"""Server-rendered SVG charts: no JavaScript, no CDN, readable Chinese labels, every bar a link
to the feedback behind it (drill-down)."""
from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#64748b", "#ca8a04"]
FONT = "font-family='WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif'"


def hbar(rows: list[dict], *, width: int = 560, title: str = "", value_key: str = "count", label_key: str = "name",
         href_key: str = "href", compare_key: str | None = "previous") -> str:
    """Horizontal bars, one per row; a thin grey bar shows the previous period when given."""
    if not rows:
        return ""
    bar_h, gap, left, top = 22, 12, 110, 28 if title else 6
    height = top + len(rows) * (bar_h + gap) + 6
    peak = max([r.get(value_key) or 0 for r in rows] + [r.get(compare_key) or 0 for r in rows if compare_key] + [1])
    scale = (width - left - 70) / peak
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='fa-chart' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' {FONT}>"]
    if title:
        parts.append(f"<text x='0' y='18' font-size='14' font-weight='bold'>{escape(title)}</text>")
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        value = r.get(value_key) or 0
        colour = PALETTE[i % len(PALETTE)]
        bar = (f"<rect x='{left}' y='{y}' width='{max(value * scale, 1):.1f}' height='{bar_h - 6}' fill='{colour}' rx='2'>"
               f"<title>{escape(r.get(label_key))}: {value}</title></rect>")
        if r.get(href_key):
            bar = f"<a href='{escape(r[href_key])}'>{bar}</a>"
        parts.append(f"<text x='{left - 8}' y='{y + 12}' font-size='13' text-anchor='end'>{escape(r.get(label_key))}</text>")
        parts.append(bar)
        prev = r.get(compare_key) if compare_key else None
        if prev is not None:
            tip = _("previous: %(value)s") % {"value": prev}
            parts.append(f"<rect x='{left}' y='{y + bar_h - 5}' width='{max(prev * scale, 1):.1f}' height='4' fill='#9ca3af'>"
                         f"<title>{escape(tip)}</title></rect>")
        parts.append(f"<text x='{left + value * scale + 6:.1f}' y='{y + 12}' font-size='12' fill='#374151'>{value}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))


def lines(series: dict[str, list[float | None]], labels: list[str], *, width: int = 560, height: int = 200,
          title: str = "") -> str:
    """A small multi-series line chart over period labels (weeks or months)."""
    if not labels or not series:
        return ""
    # the legend sits right of the plot: room for its longest name (CJK glyphs are ~12 px wide)
    right = max(110, 24 + 12 * max(len(str(name)) for name in series))
    left, top, bottom = 40, 28 if title else 8, 28
    values = [v for s in series.values() for v in s if v is not None]
    peak = max(values + [1])
    step = (width - left - right) / max(len(labels) - 1, 1)
    ys = lambda v: top + (height - top - bottom) * (1 - v / peak)  # noqa: E731
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='fa-chart' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' {FONT}>"]
    if title:
        parts.append(f"<text x='0' y='18' font-size='14' font-weight='bold'>{escape(title)}</text>")
    parts.append(f"<line x1='{left}' y1='{height - bottom}' x2='{width - right}' y2='{height - bottom}' stroke='#d1d5db'/>")
    parts.append(f"<text x='{left - 6}' y='{top + 4}' font-size='11' text-anchor='end' fill='#6b7280'>{peak:g}</text>")
    for i, lab in enumerate(labels):
        parts.append(f"<text x='{left + i * step:.1f}' y='{height - 8}' font-size='11' text-anchor='middle' fill='#6b7280'>{escape(lab)}</text>")
    for k, (name, vals) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        pts = [(left + i * step, ys(v)) for i, v in enumerate(vals) if v is not None]
        if len(pts) > 1:
            parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{' '.join(f'{x:.1f},{y:.1f}' for x, y in pts)}'/>")
        for x, y in pts:
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'/>")
        parts.append(f"<text x='{width - right + 8}' y='{top + 14 + k * 16}' font-size='12' fill='{colour}'>■ {escape(name)}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))
