"""The opinion map as a server-made SVG: anonymous dots, group outlines, "you are here".

Like ``dialogue.charts``: presentation attributes only (the CSP allows no inline
style), the SVG hidden from assistive technology, and a data table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

SIZE = 400
MARGIN = 28
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92")


def _xy(x: float, y: float) -> tuple[float, float]:
    half = (SIZE - 2 * MARGIN) / 2
    return round(MARGIN + half * (1 + x), 1), round(MARGIN + half * (1 - y), 1)


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The outline around ``points`` (Andrew's monotone chain), anticlockwise."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def turn(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(unique):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def opinion_map(points: Sequence[Sequence[float]], labels: Sequence[str], *,
                viewer_id: int | None, title: str) -> Markup:
    """``points`` are ``[participant_id, x, y, group]`` with x, y in [-1, 1]."""
    parts = [f'<svg class="consensus-map__svg" viewBox="0 0 {SIZE} {SIZE}" width="100%" '
             f'preserveAspectRatio="xMidYMid meet" aria-hidden="true" focusable="false" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{SIZE}" height="{SIZE}" fill="#f3f2f1"/>',
             f'<line x1="{SIZE / 2}" y1="{MARGIN}" x2="{SIZE / 2}" y2="{SIZE - MARGIN}" '
             f'stroke="#b1b4b6" stroke-dasharray="4 4"/>',
             f'<line x1="{MARGIN}" y1="{SIZE / 2}" x2="{SIZE - MARGIN}" y2="{SIZE / 2}" '
             f'stroke="#b1b4b6" stroke-dasharray="4 4"/>']
    by_group: dict[int, list[tuple[float, float]]] = {}
    for _pid, x, y, group in points:
        by_group.setdefault(int(group), []).append(_xy(x, y))
    for group, spots in sorted(by_group.items()):
        colour = COLOURS[group % len(COLOURS)]
        outline = convex_hull(spots)
        if len(outline) >= 3:
            path = " ".join(f"{x},{y}" for x, y in outline)
            parts.append(f'<polygon points="{path}" fill="{colour}" fill-opacity="0.12" '
                         f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>')
    for _pid, x, y, group in points:
        cx, cy = _xy(x, y)
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" '
                     f'fill="{COLOURS[int(group) % len(COLOURS)]}" fill-opacity="0.75"/>')
    for group, spots in sorted(by_group.items()):
        if group < len(labels) and len(by_group) > 1:
            cx = sum(x for x, _ in spots) / len(spots)
            cy = sum(y for _, y in spots) / len(spots)
            parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" '
                         f'font-size="22" font-weight="bold" fill="#0b0c0c" stroke="#ffffff" '
                         f'stroke-width="4" paint-order="stroke">{escape(labels[group])}</text>')
    mine = [p for p in points if viewer_id is not None and int(p[0]) == viewer_id]
    if mine:
        cx, cy = _xy(mine[0][1], mine[0][2])
        # The label goes on the side with room, so it is never cut off at an edge.
        anchor, lx = ("end", cx - 12) if cx > SIZE / 2 else ("start", cx + 12)
        ly = cy - 10 if cy > 40 else cy + 24
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="9" fill="none" stroke="#0b0c0c" '
                     f'stroke-width="3"/><circle cx="{cx}" cy="{cy}" r="4" fill="#0b0c0c"/>'
                     f'<text x="{lx}" y="{ly}" text-anchor="{anchor}" font-size="16" '
                     f'font-weight="bold" '
                     f'fill="#0b0c0c" stroke="#ffffff" stroke-width="4" paint-order="stroke">'
                     f'You are here</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped


def describe_position(x: float, y: float) -> str:
    """Where a point sits, in words, for the data table."""
    horizontal = "left" if x < -0.2 else "right" if x > 0.2 else "centre"
    vertical = "upper" if y > 0.2 else "lower" if y < -0.2 else "middle"
    if horizontal == "centre" and vertical == "middle":
        return "centre"
    return f"{vertical} {horizontal}" if vertical != "middle" else horizontal
