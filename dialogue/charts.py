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
FONT_SIZE = 15
LINE_HEIGHT = 17
# Characters of a label that fit one line left of the bars at FONT_SIZE: Arial's widest
# common letters are about 0.6 em, so 28 of them stay inside LABEL_WIDTH - 8 px.
LINE_CHARS = 28
MAX_LINES = 2


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label_lines(label: str, *, width: int = LINE_CHARS, lines: int = MAX_LINES) -> list[str]:
    """A label wrapped at spaces into at most ``lines`` lines that fit the label column;
    what does not fit ends in an ellipsis (the data table has the whole label)."""
    words = label.split()
    out: list[str] = []
    while words and len(out) < lines:
        line = _cut(words.pop(0), width)
        while words and len(line) + 1 + len(words[0]) <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out[-1] = _cut(out[-1] + " " + " ".join(words), width)
    return out or [""]


def labels_cut(rows: Sequence[tuple[str, float]]) -> bool:
    """Whether any label of these rows ends in an ellipsis in ``bar_chart``."""
    return any(" ".join(label_lines(str(label))) != " ".join(str(label).split())
               for label, _ in rows)


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, max_value: float | None = None,
              unit: str = "", value_header: str = "Count", highlight: int | None = None,
              table: bool = True, chart_id: str | None = None) -> Markup:
    """A horizontal bar chart with a visually hidden data table for screen readers.

    ``rows`` are ``(label, value)``; bars are scaled to ``max_value`` (or the largest
    value); ``unit`` is appended to the printed values (e.g. "%"); ``highlight`` is the
    index of a bar to draw in the accent colour. Labels wrap onto two lines and are cut
    with an ellipsis beyond that, never clipped; the table holds them whole.
    """
    # Derived from the content, not a counter: no state kept between requests.
    chart_id = chart_id or "chart-" + hashlib.sha1(
        repr((title, list(rows))).encode(), usedforsecurity=False).hexdigest()[:10]
    top = max([max_value or 0, *(value for _, value in rows)]) or 1
    wrapped = [label_lines(str(label)) for label, _ in rows]
    heights = [max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 4) for lines in wrapped]
    height = sum(h + GAP for h in heights) + GAP if rows else BAR_HEIGHT + 2 * GAP
    parts = [
        f'<figure class="dialogue-chart" aria-labelledby="{chart_id}-caption">',
        f'<figcaption id="{chart_id}-caption" class="dialogue-chart__caption">'
        f"{escape(title)}</figcaption>",
        f'<svg class="dialogue-chart__svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">',
    ]
    y = GAP
    for index, ((label, value), lines, row_height) in enumerate(
            zip(rows, wrapped, heights, strict=True)):
        width = 0 if value <= 0 else max(2, round(BAR_AREA * value / top))
        bar_class = "dialogue-chart__bar"
        if highlight == index:
            bar_class += " dialogue-chart__bar--highlight"
        middle = y + row_height / 2
        first_line = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + FONT_SIZE * 0.35
        tspans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{first_line + n * LINE_HEIGHT:g}">'
            f"{escape(line)}</tspan>" for n, line in enumerate(lines))
        parts.append(
            f'<text class="dialogue-chart__label" text-anchor="end" font-size="{FONT_SIZE}" '
            f'fill="#0b0c0c"><title>{escape(label)}</title>{tspans}</text>'
            f'<rect class="{bar_class}" x="{LABEL_WIDTH}" y="{middle - BAR_HEIGHT / 2:g}" '
            f'width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{"#d53880" if highlight == index else "#1d70b8"}"/>'
            f'<text class="dialogue-chart__value" x="{LABEL_WIDTH + width + 6}" '
            f'y="{middle + FONT_SIZE * 0.35:g}" font-size="{FONT_SIZE}" font-weight="bold" '
            f'fill="#0b0c0c">{escape(_number(value))}{escape(unit)}</text>'
        )
        y += row_height + GAP
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
    body = "".join(
        f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f'{escape(label)}</th><td class="govuk-table__cell govuk-table__cell--numeric">'
        f"{escape(_number(value))}{escape(unit)}</td></tr>"
        for label, value in rows
    )
    table = Markup(  # noqa: S704 - every interpolated value is escaped
        f'<table class="{table_class}"><caption class="govuk-table__caption '
        f'govuk-table__caption--s">{escape(title)}</caption><thead class="govuk-table__head">'
        f'<tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Answer</th>'
        f'<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
        f"{escape(value_header)}</th></tr></thead><tbody class=\"govuk-table__body\">{body}"
        f"</tbody></table>"
    )
    if hidden:
        # Hidden in a block, not on the table: a table never shrinks below its content,
        # so a 1 px wide table of long labels still widened the page.
        table = Markup(  # noqa: S704 - the table above is escaped
            f'<div class="govuk-visually-hidden dialogue-chart__data">{table}</div>')
    return table
