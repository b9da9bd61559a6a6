"""Charts drawn on the server as SVG, each with a data table for screen readers.

The page's CSP forbids inline styles, so the SVG uses presentation attributes and CSS
classes only (``dialogue-chart__*`` in dialogue.css or a feature's stylesheet). Labels
and titles are escaped: they are often text people typed.

    bar_chart([("Agree", 12), ("Disagree", 3)], title="Ofsted is a top priority")
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 260
BAR_AREA = 360
VALUE_WIDTH = 80
WIDTH = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _truncate(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, max_value: float | None = None,
              unit: str = "", value_header: str = "Count", highlight: int | None = None,
              table: bool = True, chart_id: str | None = None) -> Markup:
    """A horizontal bar chart with a visually hidden data table for screen readers.

    ``rows`` are ``(label, value)``; bars are scaled to ``max_value`` (or the largest
    value); ``unit`` is appended to the printed values (e.g. "%"); ``highlight`` is the
    index of a bar to draw in the accent colour.
    """
    # Derived from the content, not a counter: no state kept between requests.
    chart_id = chart_id or "chart-" + hashlib.sha1(
        repr((title, list(rows))).encode(), usedforsecurity=False).hexdigest()[:10]
    top = max([max_value or 0, *(value for _, value in rows)]) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<figure class="dialogue-chart" aria-labelledby="{chart_id}-caption">',
        f'<figcaption id="{chart_id}-caption" class="dialogue-chart__caption">'
        f"{escape(title)}</figcaption>",
        f'<svg class="dialogue-chart__svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">',
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = 0 if value <= 0 else max(2, round(BAR_AREA * value / top))
        bar_class = "dialogue-chart__bar"
        if highlight == index:
            bar_class += " dialogue-chart__bar--highlight"
        parts.append(
            f'<text class="dialogue-chart__label" x="{LABEL_WIDTH - 8}" '
            f'y="{y + BAR_HEIGHT * 0.7:g}" text-anchor="end" font-size="15" '
            f'fill="#0b0c0c">{escape(_truncate(str(label)))}</text>'
            f'<rect class="{bar_class}" x="{LABEL_WIDTH}" y="{y}" width="{width}" '
            f'height="{BAR_HEIGHT}" fill="{"#d53880" if highlight == index else "#1d70b8"}"/>'
            f'<text class="dialogue-chart__value" x="{LABEL_WIDTH + width + 6}" '
            f'y="{y + BAR_HEIGHT * 0.7:g}" font-size="15" font-weight="bold" '
            f'fill="#0b0c0c">{escape(_number(value))}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    if table:
        parts.append(data_table(rows, title=title, unit=unit, value_header=value_header,
                                hidden=True))
    parts.append("</figure>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped


def data_table(rows: Sequence[tuple[str, float]], *, title: str, unit: str = "",
               value_header: str = "Count", hidden: bool = False) -> Markup:
    """The chart's numbers as a GOV.UK table (visually hidden when ``hidden``)."""
    table_class = "govuk-table dialogue-chart__table"
    if hidden:
        table_class += " govuk-visually-hidden"
    body = "".join(
        f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f'{escape(label)}</th><td class="govuk-table__cell govuk-table__cell--numeric">'
        f"{escape(_number(value))}{escape(unit)}</td></tr>"
        for label, value in rows
    )
    return Markup(  # noqa: S704 - every interpolated value is escaped
        f'<table class="{table_class}"><caption class="govuk-table__caption '
        f'govuk-table__caption--s">{escape(title)}</caption><thead class="govuk-table__head">'
        f'<tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Answer</th>'
        f'<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
        f"{escape(value_header)}</th></tr></thead><tbody class=\"govuk-table__body\">{body}"
        f"</tbody></table>"
    )
