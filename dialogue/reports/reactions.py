"""Reactions to findings: shares of each answer per finding, overall, by phase and by
locality, with small and complementary cells withheld, and the national figure beside them.

Every reaction figure is a sum over one GROUP BY (finding, phase, locality, answer), so
the dashboard, the PDF and the API show the same numbers and withhold the same groups
(``dialogue.suppression``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import g, has_request_context
from markupsafe import Markup
from sqlalchemy import func, select

from dialogue.briefings.models import Briefing, Finding, KeyFigure
from dialogue.charts import bar_chart
from dialogue.extensions import db
from dialogue.profiles import PHASE_LABELS, Phase
from dialogue.reports.contributions import locality_names, scoped_to
from dialogue.reports.filters import Filters
from dialogue.reports.locality_table import withheld_localities
from dialogue.suppression import WITHHELD, protect, protect_all

ANSWERS = ("matches", "partly", "does_not_match")
ANSWER_LABELS = {"matches": "Matches", "partly": "Partly matches",
                 "does_not_match": "Does not match"}
PHASE_WORDS = {p.value: label for p, label in PHASE_LABELS.items()}
_PERCENT = re.compile(r"^\s*\d+(\.\d+)?\s*%\s*$")


@dataclass
class Shares:
    """Reaction shares for one group of people, or withheld (small, or protecting one)."""

    label: str
    people: int
    counts: dict[str, int] = field(default_factory=dict)
    key: str = ""
    withheld: bool = False

    @property
    def suppressed(self) -> bool:
        return self.withheld

    @property
    def people_text(self) -> str:
        return WITHHELD if self.withheld else str(self.people)

    def share(self, answer: str) -> float | None:
        if self.withheld or not self.people:
            return None
        return self.counts.get(answer, 0) / self.people

    def percent(self, answer: str) -> str:
        value = self.share(answer)
        return "-" if value is None else f"{round(value * 100)}%"


def shares_chart(shares: Shares, title: str) -> Markup:
    """A bar chart of one group's shares of each answer (its table is printed beside it)."""
    rows = [(ANSWER_LABELS[a], round((shares.share(a) or 0) * 100)) for a in ANSWERS]
    return bar_chart(rows, title=title, max_value=100, unit="%", value_header="Share",
                     table=False)


def national_figure(value: str, measures: str, base: str, source: str,
                    source_key: str) -> dict:
    """A key figure, saying whether it is a survey share a room's share may sit beside.

    Only a percentage from a survey compares (counts such as "almost 700" describe the
    study's methods); a base naming one phase ("secondary school respondents") compares
    with that phase's participants.
    """
    is_survey = "survey" in f"{source_key} {source} {base}".lower()
    words = base.lower()
    phase = next((p.value for p in (Phase.PRIMARY, Phase.SECONDARY) if p.value in words),
                 None)
    return {"value": value, "measures": measures, "base": base, "source": source,
            "comparable": bool(_PERCENT.match(value)) and is_survey, "phase": phase,
            "phase_label": PHASE_WORDS.get(phase, "")}


def findings_meta(finding_ids) -> dict[int, dict]:
    """Title, briefing, order and first key figure of each finding."""
    if not finding_ids:
        return {}
    meta = {}
    rows = db.session.execute(
        select(Finding.id, Finding.key, Finding.title, Briefing.title, Briefing.position,
               Finding.position)
        .join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.id.in_(finding_ids)))
    for fid, key, title, briefing, bpos, fpos in rows:
        meta[fid] = {"id": fid, "key": key, "title": title, "briefing": briefing,
                     "order": (bpos, fpos, key), "figure": None}
    figures = db.session.execute(
        select(KeyFigure.finding_id, KeyFigure.value, KeyFigure.measures, KeyFigure.base,
               KeyFigure.source_label, KeyFigure.source_key)
        .where(KeyFigure.finding_id.in_(finding_ids))
        .order_by(KeyFigure.finding_id, KeyFigure.position, KeyFigure.id))
    for fid, value, measures, base, source, source_key in figures:
        if meta.get(fid) and meta[fid]["figure"] is None:
            meta[fid]["figure"] = national_figure(value, measures, base, source, source_key)
    return meta


def sort_key(item):
    return tuple((v is None, "" if v is None else str(v)) for v in item[0])


def reaction_cube(filters: Filters) -> list[tuple]:
    """Reactions counted by (finding, phase, locality, answer): one GROUP BY whose size
    is bounded by the number of findings, not people, and from which every reaction
    breakdown is summed. Kept for the request, as several views use it."""
    key = ("reaction_cube", filters)
    cache = g.setdefault("_research_cache", {}) if has_request_context() else {}
    if key not in cache:
        c, scoped = scoped_to(filters)
        cache[key] = db.session.execute(scoped(
            select(c.c.finding_id, c.c.phase, c.c.locality_id, c.c.answer, func.count())
            .where(c.c.kind == "reaction")
            .group_by(c.c.finding_id, c.c.phase, c.c.locality_id, c.c.answer))).all()
    return cache[key]


def _group(entry: dict, bucket: str, key, label: str) -> Shares:
    return entry[bucket].setdefault(key, Shares(label, 0, key=f"{bucket}:{key}"))


def _summed(cube) -> dict[int, dict]:
    findings: dict[int, dict] = {}
    names = locality_names()
    for fid, phase, locality_id, answer, n in sorted(cube, key=lambda r: sort_key((r,))):
        entry = findings.setdefault(fid, {"overall": Shares("All", 0, key="all"),
                                          "phase": {}, "locality": {}})
        for shares in (entry["overall"],
                       _group(entry, "phase", phase or "",
                              PHASE_WORDS.get(phase, "Not given")),
                       _group(entry, "locality", locality_id or 0,
                              names.get(locality_id, "Not given"))):
            shares.people += n
            shares.counts[answer] = shares.counts.get(answer, 0) + n
    return findings


def _withhold_within(entry: dict, localities: frozenset) -> None:
    """Small and complementary groups of one finding's phase and locality breakdowns;
    ``localities`` are those the localities table withholds, withheld here too."""
    decisions = protect_all(entry["overall"].people, {
        "phase": {k: s.people for k, s in entry["phase"].items()},
        "locality": {k: s.people for k, s in entry["locality"].items()}},
        force={"locality": localities})
    entry["overall"].withheld = decisions["phase"].total_withheld
    for bucket in ("phase", "locality"):
        for k, shares in entry[bucket].items():
            shares.withheld = not decisions[bucket].shows(k)


def _withhold_whole(entry: dict) -> None:
    for shares in (entry["overall"], *entry["phase"].values(), *entry["locality"].values()):
        shares.withheld = True


def protected_reactions(filters: Filters) -> tuple[list[dict], bool]:
    """(per finding: shares overall, by phase and by locality; whether the number of
    reactions in scope must be withheld).

    The findings are themselves a breakdown of every reaction in scope (whose number
    the participation table shows), so a finding withheld whole is protected by another
    finding withheld beside it, or else by withholding that number.
    """
    key = ("protected_reactions", filters)
    cache = g.setdefault("_research_cache", {}) if has_request_context() else {}
    if key in cache:
        return cache[key]
    findings = _summed(reaction_cube(filters))
    # A finding's row for a locality the table withholds would bound that locality's
    # people from below and pin it between the table's figures: withheld with it.
    localities = withheld_localities(filters)
    for entry in findings.values():
        _withhold_within(entry, localities)
    meta = findings_meta(list(findings))
    across = protect({fid: e["overall"].people for fid, e in findings.items()},
                     hidden=[fid for fid in findings if fid not in meta],
                     force=[fid for fid, e in findings.items() if e["overall"].withheld])
    phase_order = {p.value: i for i, p in enumerate(Phase)}
    result = []
    for fid, entry in findings.items():
        if fid not in meta:
            continue
        if not across.shows(fid):
            _withhold_whole(entry)
        # A finding withheld whole lists no groups: a row marked "withheld" still says
        # that somebody is in it, and with a small total those rows add up to a count.
        whole = entry["overall"].withheld
        result.append({
            **meta[fid],
            "overall": entry["overall"],
            "by_phase": [] if whole else [
                entry["phase"][k] for k in
                sorted(entry["phase"], key=lambda k: phase_order.get(k, 99))],
            "by_locality": [] if whole else [
                entry["locality"][k] for k in sorted(entry["locality"])],
        })
    result.sort(key=lambda f: f["order"])
    cache[key] = (result, across.total_withheld)
    return cache[key]


def reaction_shares(filters: Filters) -> list[dict]:
    """Per finding: shares of each answer overall, by phase and by locality (withheld
    groups marked), and the national figure with the groups it compares with."""
    findings, _ = protected_reactions(filters)
    for finding in findings:
        finding["comparison"] = comparison(finding)
    return findings


def comparison(finding: dict) -> dict | None:
    """The room beside the national figure, like with like: for a figure about one
    phase, that phase's participants first and the whole room beside them."""
    figure = finding["figure"]
    if not figure or not figure["comparable"]:
        return None
    overall = finding["overall"]
    same_phase = next((s for s in finding["by_phase"] if figure["phase"]
                       and s.key == f"phase:{figure['phase']}"), None)
    return {"figure": figure, "phase": same_phase, "room": overall,
            "phase_label": figure["phase_label"]}


def figure_for(finding: dict, shares: Shares) -> str:
    """The national figure to print beside a group's row, or "" where it does not
    compare (a figure for one phase sits beside that phase's row only)."""
    figure = finding["figure"]
    if not figure or not figure["comparable"] or shares.withheld:
        return ""
    if figure["phase"] and shares.key != f"phase:{figure['phase']}":
        return ""
    return figure["value"]
