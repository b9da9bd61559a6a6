"""What the pages show from a kept map: statements looked up, labels and the SVG made.

The map is read as it was kept (JSON from the worker); nothing here computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from dialogue.consensus.mapsvg import describe_position, opinion_map
from dialogue.consensus.models import Conversation, ConversationMap, Statement
from dialogue.localities import Locality
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS

SHOWN = 5  # consensus and divisive statements on the page; the kept map has them all
BREAKDOWN_TITLES = {"role": "By role", "phase": "By phase", "locality": "By locality"}


@dataclass
class Group:
    label: str
    size: int
    where: str
    representative: list[tuple[Statement, str, int]]
    is_yours: bool = False


@dataclass
class Breakdown:
    title: str
    columns: list[str]
    rows: list[tuple[Statement, list[list[int] | None]]]


@dataclass
class MapView:
    """Everything the results section shows; ``ready`` False: the map is being drawn."""

    ready: bool
    current: bool = True
    participants: int = 0
    placed: int = 0
    svg: Markup | None = None
    groups: list[Group] = field(default_factory=list)
    consensus: list[tuple[Statement, str, int]] = field(default_factory=list)
    divisive: list[tuple[Statement, float, list[int]]] = field(default_factory=list)
    totals: list[tuple[Statement, dict[str, Any]]] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    your_group: str | None = None
    thresholds: dict[str, int] = field(default_factory=dict)


def map_view(conversation: Conversation, kept: ConversationMap | None,
             statements: dict[int, Statement], localities: list[Locality],
             viewer_id: int | None) -> MapView:
    """The kept map, ready for the template (statements no longer visible are left out)."""
    if kept is None or kept.result is None:
        return MapView(ready=False)
    result = kept.result
    labels = [g["label"] for g in result["groups"]]
    points = result["points"]
    view = MapView(ready=True, current=kept.version >= conversation.version,
                   participants=result["participants"], placed=result["placed"],
                   thresholds=result["thresholds"])
    mine = next((p for p in points if p[0] == viewer_id), None)
    view.your_group = labels[mine[3]] if mine is not None and len(labels) > 1 else None
    if points:
        view.svg = opinion_map(points, labels, viewer_id=viewer_id,
                               title=f"Opinion map of {conversation.title}")
    for index, group in enumerate(result["groups"]):
        spots = [p for p in points if p[3] == index]
        x = sum(p[1] for p in spots) / len(spots) if spots else 0.0
        y = sum(p[2] for p in spots) / len(spots) if spots else 0.0
        view.groups.append(Group(
            label=group["label"], size=group["size"], where=describe_position(x, y),
            representative=_picks(group["representative"], statements),
            is_yours=group["label"] == view.your_group))
    view.consensus = _picks(result["consensus"], statements)[:SHOWN]
    view.divisive = [(statements[d["statement"]], d["spread"],
                      [round(50 * (1 + net)) for net in d["net"]])
                     for d in result["divisive"] if d["statement"] in statements][:SHOWN]
    view.totals = [(statements[t["id"]], t) for t in result["statements"]
                   if t["id"] in statements]
    view.breakdowns = _breakdowns(result["breakdowns"], statements, localities)
    return view


def _picks(items: list[dict], statements: dict[int, Statement]):
    return [(statements[i["statement"]], i["direction"], i["percent"]) for i in items
            if i["statement"] in statements]


def _breakdowns(raw: dict, statements: dict[int, Statement],
                localities: list[Locality]) -> list[Breakdown]:
    names = {str(loc.id): loc.name for loc in localities}
    labels = {"role": {k.value: v for k, v in EDUCATION_ROLE_LABELS.items()},
              "phase": {k.value: v for k, v in PHASE_LABELS.items()},
              "locality": names}
    found = []
    for dimension, title in BREAKDOWN_TITLES.items():
        part = raw.get(dimension) or {"values": [], "rows": []}
        columns = [labels[dimension].get(v, "Not given") if v else "Not given"
                   for v in part["values"]]
        rows = [(statements[sid], cells) for sid, cells in part["rows"] if sid in statements]
        if any(cell is not None for _s, cells in rows for cell in cells):
            found.append(Breakdown(title=title, columns=columns, rows=rows))
    return found
