"""An adversarial check of the disclosure rules: can any withheld figure be worked out?

For many random data sets (seeded, so a failure can be replayed), everything one viewer
sees together for the same filters is read back from the outputs themselves: the
dashboard's HTML, the PDF synthesis (its HTML, and for a few data sets the PDF's text),
polls.csv and the API's findings and polls. Every figure read becomes a linear
equation or inequality over the unknown true counts (reactions per finding, phase,
locality and answer; answers per workshop question; people per locality and per kind).
Then, with linear programming over what was read, the test asks for the smallest and
largest value each withheld figure could have. A withheld number of people is
recovered when only one whole number fits; a withheld answer count when only one
positive whole number fits. (An answer count forced to zero is not a disclosure: the
withheld groups together are a group of at least ``SMALL_CELL`` people, which the rule
would show anyway.) The microdata files (contributions.csv, participants.csv and their
API lists) are pseudonymised rows by design, outside this check.

``test_the_attack_finds_out_primary_suppression_alone`` runs the same attack with only
the small-group rule and shows it recovers withheld cells, so this check can fail.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from html import unescape

import pytest
from scipy.optimize import linprog

from dialogue import suppression
from dialogue.disclosure import is_small
from dialogue.extensions import db
from dialogue.profiles import Phase
from dialogue.reports import analysis, locality_table, polls, reactions, services, synthesis
from dialogue.reports.filters import Filters
from dialogue.reports.models import KIND_LABELS
from dialogue.workshops.models import Question, Workshop

SEEDS = range(40)
PDF_SEEDS = (0, 1)
# Data sets in which the small-group rule alone leaves cells recoverable (1 to 11 of
# seeds 0-11 do: run with range(12) to see).
PRIMARY_SEEDS = (1, 2, 3)
ANSWERS = ("matches", "partly", "does_not_match")
PHASES = ("primary", "secondary", "special", "")
SLUGS = ("locality-a", "locality-b", "locality-c", "locality-d")
WITHHELD = suppression.WITHHELD


# --- random data -------------------------------------------------------------------

def build(factory, seed: int):
    """A random data set: 6-45 people over up to four localities and four phases,
    reactions to 1-3 findings and, often, single-choice workshop questions."""
    rng = random.Random(seed)
    services.seed_codebook()
    localities = [factory.locality(slug) for slug in rng.sample(SLUGS, rng.randint(2, 4))]
    loc_weights = [rng.random() + 0.1 for _ in localities] + [rng.random() * 0.3]
    phase_weights = [rng.random() + 0.05 for _ in PHASES]
    people = []
    for i in range(rng.randint(6, 45)):
        place = rng.choices([*localities, None], loc_weights)[0]
        phase = rng.choices(PHASES, phase_weights)[0]
        people.append(factory.user(name=f"P{seed}-{i}", consent=rng.random() > 0.1,
                                   phase=Phase(phase) if phase else None,
                                   locality_id=place.id if place else None, commit=False))
    _briefing, findings = factory.briefing(rng.randint(1, 3))
    for finding in findings:
        p_react = rng.uniform(0.3, 1.0)
        answer_weights = [rng.random() for _ in ANSWERS]
        for person in people:
            if rng.random() < p_react:
                factory.reaction(person, finding, rng.choices(ANSWERS, answer_weights)[0])
    if rng.random() < 0.7:
        owner = factory.user(role="facilitator", consent=False, commit=False)
        for place in rng.sample(localities, rng.randint(1, len(localities))):
            w, q, options = factory.workshop(owner, place, labels=("Yes", "No", "Unsure"))
            q.prompt = f"Question in {place.slug} ({seed})"
            local = [p for p in people if p.locality_id == place.id]
            for person in local:
                if rng.random() < 0.8:
                    factory.response(w, q, person, option=rng.choice(options))
    db.session.commit()
    return {"localities": localities, "findings": findings, "people": people}


# --- reading the outputs -----------------------------------------------------------

_TABLE = re.compile(r'<table[^>]*data-finding="([^"]+)"[^>]*>(.*?)</table>', re.S)
_ROW = re.compile(r'<tr[^>]*data-group="([^"]+)"[^>]*>(.*?)</tr>', re.S)
_SUMMARY_ROW = re.compile(r'<tr data-finding="([^"]+)" data-group="([^"]+)">(.*?)</tr>', re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_LOCALITIES = re.compile(r'<table[^>]*data-table="localities"[^>]*>(.*?)</table>', re.S)
_QUESTION_TABLE = re.compile(
    r'<table[^>]*data-question="(\d+)"[^>]*><caption[^>]*>(\d+) people answered</caption>'
    r"(.*?)</table>", re.S)
_QUESTION_WITHHELD = re.compile(r'<p[^>]*data-question="(\d+)">Answers withheld')
_ANSWER_ROW = re.compile(r"<tr[^>]*><th[^>]*>(.*?)</th><td[^>]*>(\d+)</td></tr>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _cells(html: str) -> list[str]:
    return [_TAGS.sub("", cell).strip() for cell in _CELL.findall(html)]


class Facts:
    """What one viewer has read, as figures per named quantity (a figure read twice
    must read the same in every output)."""

    def __init__(self):
        self.people: dict[tuple, int | None] = {}      # ("reaction", fkey, group)
        self.percent: dict[tuple, str] = {}            # (fkey, group, answer) -> "56%"
        self.exact: dict[tuple, float] = {}            # (fkey, group, answer) -> share
        self.localities: dict[str, int | None] = {}    # "locality:ID" -> people
        self.kinds: dict[str, tuple] = {}              # kind -> (contributions, people)
        self.misc: dict[str, tuple] = {}               # "total" -> (contributions, people)
        self.questions: dict[str, int | None] = {}     # prompt or id -> people
        self.answers: dict[tuple, int] = {}            # (question, label) -> count
        self.withheld_rows_with_digits: list[str] = []

    def put(self, table: dict, key, value, where: str):
        if key in table:
            assert table[key] == value, f"{where}: {key} reads {value}, elsewhere {table[key]}"
        table[key] = value


def _number(text: str) -> int | None:
    return None if text == WITHHELD else int(text)


def read_reaction_tables(html: str, facts: Facts, where: str) -> None:
    for fkey, table in _TABLE.findall(html):
        for group, row in _ROW.findall(table):
            cells = _cells(row)
            people, percents = cells[0], cells[1:4]
            facts.put(facts.people, (fkey, group), _number(people), where)
            if people == WITHHELD:
                if any(re.search(r"\d", c) for c in cells):
                    facts.withheld_rows_with_digits.append(f"{where} {fkey} {group} {cells}")
                continue
            for answer, text in zip(ANSWERS, percents, strict=True):
                facts.put(facts.percent, (fkey, group, answer), text, where)
    for fkey, group, row in _SUMMARY_ROW.findall(html):
        cells = _cells(row)
        facts.put(facts.people, (fkey, group), _number(cells[0]), where)
        if cells[0] == WITHHELD:
            if any(re.search(r"\d", c) for c in cells[:4]):
                facts.withheld_rows_with_digits.append(f"{where} summary {fkey} {cells}")
            continue
        for answer, text in zip(ANSWERS, cells[1:4], strict=True):
            facts.put(facts.percent, (fkey, group, answer), text, where)


def read_common(html: str, facts: Facts, where: str) -> None:
    """The participation, locality and workshop tables of the dashboard or the PDF."""
    part = html[html.index("Participation"):]
    part = part[:part.index("</table>")]
    for label, contributions, people in re.findall(
            r"<th scope=\"row\"[^>]*>([^<]+)</th><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>",
            part):
        if label == "All":
            facts.put(facts.misc, "total", (_number(contributions), _number(people)),
                      where)
        else:
            kind = {v: k for k, v in KIND_LABELS.items()}[unescape(label)]
            facts.put(facts.kinds, kind, (_number(contributions), _number(people)), where)
    read_reaction_tables(html, facts, where)
    for table in _LOCALITIES.findall(html):
        for group, row in _ROW.findall(table):
            cells = _cells(row)
            facts.put(facts.localities, group, _number(cells[0]), where)
            if cells[0] == WITHHELD and any(re.search(r"\d", c) for c in cells):
                facts.withheld_rows_with_digits.append(f"{where} {group} {cells}")
    for qid, people, body in _QUESTION_TABLE.findall(html):
        facts.put(facts.questions, int(qid), int(people), where)
        for label, count in _ANSWER_ROW.findall(body):
            facts.put(facts.answers, (int(qid), label.strip()), int(count), where)
    for qid in _QUESTION_WITHHELD.findall(html):
        facts.put(facts.questions, int(qid), None, where)


def read_api_findings(items: list[dict], facts: Facts, phase_keys: dict,
                      locality_keys: dict) -> None:
    """The API names groups by label: phases and localities are told apart by name."""
    for item in items:
        groups = [("all", item["overall"])]
        groups += [(phase_keys[g["label"]], g) for g in item["by_phase"]]
        groups += [(locality_keys[g["label"]], g) for g in item["by_locality"]]
        for key, group in groups:
            facts.put(facts.people, (item["key"], key), group["people"], "api")
            if group["suppressed"]:
                assert group["people"] is None and all(
                    v is None for v in group["shares"].values()), item
                continue
            for answer, share in group["shares"].items():
                facts.exact[(item["key"], key, answer)] = share


def read_polls(rows: list[dict], facts: Facts, prompts: dict[str, int], where: str) -> None:
    seen: dict[int, int | None] = {}
    for row in rows:
        qid = prompts[row["question"]]
        people = None if row["people"] in (None, "") else int(row["people"])
        if people is None:
            assert row["count"] in (None, "") and row["answer"] == "", row
        else:
            facts.put(facts.answers, (qid, row["answer"]), int(row["count"]), where)
        seen[qid] = people
    for qid, people in seen.items():
        facts.put(facts.questions, qid, people, where)


# --- the attack --------------------------------------------------------------------

class Model:
    """Unknown true counts as LP variables, with the equations and bounds read."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.eq: list[tuple[dict, float]] = []
        self.le: list[tuple[dict, float]] = []  # sum <= value
        self.lower: dict[int, float] = {}

    def var(self, *key) -> int:
        return self.index.setdefault(key, len(self.index))

    def equal(self, terms: dict, value: float):
        self.eq.append((terms, value))

    def at_most(self, terms: dict, value: float):
        self.le.append((terms, value))

    def at_least(self, terms: dict, value: float):
        self.le.append(({k: -v for k, v in terms.items()}, -value))

    def _matrix(self, rows):
        a = [[0.0] * len(self.index) for _ in rows]
        for r, (terms, _v) in enumerate(rows):
            for k, v in terms.items():
                a[r][k] += v
        return a or None, [v for _t, v in rows] or None

    def bounds(self, terms: dict) -> tuple[float, float]:
        c = [0.0] * len(self.index)
        for k, v in terms.items():
            c[k] += v
        a_eq, b_eq = self._matrix(self.eq)
        a_ub, b_ub = self._matrix(self.le)
        bounds = [(self.lower.get(i, 0), None) for i in range(len(self.index))]
        found = []
        for sign in (1, -1):
            result = linprog([sign * x for x in c], A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                             b_eq=b_eq, bounds=bounds, method="highs")
            assert result.status in (0, 3), result.message  # feasible (3: unbounded)
            found.append(sign * result.fun if result.status == 0 else sign * math.inf)
        return found[0], found[1]


def _count_range(percent: str, people: int) -> tuple[int, int]:
    """The whole numbers of ``people`` a rounded percent can stand for."""
    fits = [k for k in range(people + 1) if f"{round(k / people * 100)}%" == percent]
    assert fits, (percent, people)
    return min(fits), max(fits)


def attack(facts: Facts, universe: dict) -> list[str]:
    """Every withheld figure the facts pin down, in words (empty: none)."""
    m = Model()
    fkeys, locs, questions = universe["findings"], universe["localities"], universe["questions"]
    groups = {"all": [(p, loc) for p in PHASES for loc in locs]}
    groups.update({f"phase:{p}": [(p, loc) for loc in locs] for p in PHASES})
    groups.update({f"locality:{loc}": [(p, loc) for p in PHASES] for loc in locs})

    def cell_sum(fkey, group, answers=ANSWERS):
        return {m.var("x", fkey, p, loc, a): 1 for p, loc in groups[group] for a in answers}

    for fkey in fkeys:
        listed = {g for (f, g) in facts.people if f == fkey}
        whole = facts.people.get((fkey, "all")) is None  # withheld whole: no groups listed
        for group in groups:
            terms = cell_sum(fkey, group)
            value = facts.people.get((fkey, group), 0 if group != "all" else None)
            if group != "all" and group not in listed and whole:
                continue
            if group != "all" and group not in listed:
                m.equal(terms, 0)  # a group not listed has nobody in it
            elif value is None:
                m.at_least(terms, 1)
            else:
                m.equal(terms, value)
                for answer in ANSWERS:
                    one = cell_sum(fkey, group, (answer,))
                    share = facts.exact.get((fkey, group, answer))
                    if share is not None:
                        m.equal(one, round(share * value))
                    elif (fkey, group, answer) in facts.percent and value:
                        lo, hi = _count_range(facts.percent[(fkey, group, answer)], value)
                        m.at_least(one, lo)
                        m.at_most(one, hi)
    reaction_total = {m.var("x", f, p, loc, a): 1 for f in fkeys for p in PHASES
                      for loc in locs for a in ANSWERS}
    answered = {q: {m.var("y", q, label): 1 for label in labels}
                for q, labels in questions.items()}
    for q, terms in answered.items():
        people = facts.questions.get(q, 0 if q not in facts.questions else None)
        if people is None:
            m.at_least(terms, 1)
        else:
            m.equal(terms, people)
            for label in questions[q]:
                if people:
                    m.equal({m.var("y", q, label): 1}, facts.answers.get((q, label), 0))
    response_total = {k: 1 for terms in answered.values() for k in terms}
    # People: distinct counts, bounded by the contributions they make up.
    kinds = facts.kinds
    for kind, contributions_terms, parts in (
            ("reaction", reaction_total, [cell_sum(f, "all") for f in fkeys]),
            ("response", response_total, list(answered.values()))):
        contributions, people = kinds.get(kind, (0, 0))
        pv = m.var("people", kind)
        if contributions is not None:
            m.equal(contributions_terms, contributions)
        if people is not None:
            m.equal({pv: 1}, people)
        for part in parts:
            m.at_most({**part, pv: -1}, 0)
        m.at_most({pv: 1, **{k: -1 for k in contributions_terms}}, 0)
    for kind in ("comment", "post"):
        m.equal({m.var("people", kind): 1}, 0)
    total_contributions, total_people = facts.misc["total"]
    everyone = m.var("people", "all")
    if total_contributions is not None:
        m.equal({**reaction_total, **response_total}, total_contributions)
    if total_people is not None:
        m.equal({everyone: 1}, total_people)
    for kind in ("reaction", "response"):
        m.at_most({m.var("people", kind): 1, everyone: -1}, 0)
    m.at_most({everyone: 1, m.var("people", "reaction"): -1, m.var("people", "response"): -1},
              0)
    # People per locality: each person has one locality; they include everyone who
    # reacted there to any one finding or answered a question of a workshop there.
    loc_vars = {loc: m.var("locality", loc) for loc in locs}
    m.equal({**{v: 1 for v in loc_vars.values()}, everyone: -1}, 0)
    for loc, v in loc_vars.items():
        value = facts.localities.get(f"locality:{loc}", 0)
        if f"locality:{loc}" not in facts.localities:
            m.equal({v: 1}, 0)
        elif value is None:
            m.lower[v] = 1
        else:
            m.equal({v: 1}, value)
        mine = [cell_sum(f, f"locality:{loc}") for f in fkeys]
        mine += [answered[q] for q in questions if universe["question_locality"][q] == loc]
        for part in mine:
            m.at_most({**part, v: -1}, 0)
        m.at_most({v: 1, **{k: -1 for part in mine for k in part}}, 0)

    found = []

    def check(name, terms, positive_only=False):
        lo, hi = m.bounds(terms)
        if math.isinf(hi):  # nothing shown bounds it from above (a withheld total)
            return
        lo, hi = math.ceil(lo - 1e-6), math.floor(hi + 1e-6)
        if lo == hi and (not positive_only or lo > 0):
            found.append(f"{name} = {lo}")

    for (fkey, group), value in facts.people.items():
        if value is None:
            check(f"people {fkey} {group}", cell_sum(fkey, group))
            for answer in ANSWERS:
                check(f"{answer} {fkey} {group}", cell_sum(fkey, group, (answer,)), True)
    for group, value in facts.localities.items():
        if value is None:
            check(f"people {group}", {loc_vars[int(group.split(':')[1])]: 1})
    for q, value in facts.questions.items():
        if value is None:
            check(f"question {q}", answered[q])
    for kind, (contributions, people) in kinds.items():
        if contributions is None and kind in ("reaction", "response"):
            check(f"{kind} contributions", reaction_total if kind == "reaction"
                  else response_total)
        if people is None:
            check(f"{kind} people", {m.var("people", kind): 1})
    return found


# --- one viewer's outputs ----------------------------------------------------------

def everything_one_viewer_sees(client, app, data, *, with_pdf: bool) -> tuple[Facts, dict]:
    facts = Facts()
    dashboard = client.get("/research/").get_data(as_text=True)
    read_common(dashboard, facts, "dashboard")
    with app.test_request_context():
        html = synthesis.build_html(Filters())
    read_common(html, facts, "pdf")
    if with_pdf:
        check_pdf_text_matches(html)
    phase_keys = {label: f"phase:{p}" for p, label in reactions.PHASE_WORDS.items()}
    phase_keys["Not given"] = "phase:"
    locality_keys = {loc.name: f"locality:{loc.id}" for loc in data["localities"]}
    locality_keys["Not given"] = "locality:0"
    prompts = {}
    questions, question_locality = {}, {}
    for row in db.session.execute(
            db.select(Question.id, Question.prompt, Workshop.locality_id)
            .join(Workshop, Workshop.id == Question.workshop_id)):
        prompts[row[1]] = row[0]
        questions[row[0]] = ("Yes", "No", "Unsure")
        question_locality[row[0]] = row[2] or 0
    findings = client.get("/api/v1/findings?per_page=100").get_json()["items"]
    read_api_findings(findings, facts, phase_keys, locality_keys)
    read_polls(client.get("/api/v1/polls?per_page=100").get_json()["items"], facts, prompts,
               "api polls")
    text = client.get("/research/export/polls.csv").get_data(as_text=True).lstrip("\ufeff")
    read_polls(list(csv.DictReader(io.StringIO(text))), facts, prompts, "polls.csv")
    universe = {"findings": [f.key for f in data["findings"]],
                "localities": [loc.id for loc in data["localities"]] + [0],
                "questions": questions, "question_locality": question_locality}
    return facts, universe


def check_pdf_text_matches(html: str) -> None:
    """The PDF's text carries the same figures as the HTML read above: every percent,
    every count in a table cell and every "withheld", as many times each."""
    from pypdf import PdfReader

    pdf = synthesis.render(html)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    tables = "".join(re.findall(r"<table.*?</table>", html, re.S))
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables)
    for token in (WITHHELD, *sorted({c for c in cells if re.fullmatch(r"\d+%", c)})):
        assert text.count(token) >= sum(1 for c in cells if c == token), token


# Seeds 19 and 32 found the localities table and the findings' rows by locality
# protected apart (a shown workshop question, or a finding's row, bounding a withheld
# locality from below): tests/reports/test_joint_suppression.py has both by hand.
@pytest.mark.parametrize("seed", SEEDS)
def test_no_withheld_figure_can_be_worked_out(client, app, login, factory, researcher,
                                              seed):
    data = build(factory, seed)
    login(researcher)
    facts, universe = everything_one_viewer_sees(client, app, data,
                                                 with_pdf=seed in PDF_SEEDS)
    assert not facts.withheld_rows_with_digits
    assert attack(facts, universe) == []


def primary_only(groups, *, total=None, hidden=(), force=(), known=(), placed=None):
    """The rule before complementary suppression: withhold small groups only."""
    total = sum(groups.values()) if total is None else total
    if is_small(total):
        return suppression.Decision(frozenset(groups), total_withheld=True)
    return suppression.Decision(frozenset(k for k, n in groups.items()
                                          if is_small(n) and k not in hidden))


@pytest.mark.parametrize("pseed", PRIMARY_SEEDS)
def test_the_attack_finds_out_primary_suppression_alone(pseed, client, app, login, factory,
                                                        researcher, monkeypatch):
    for module in (suppression, reactions, analysis, polls, locality_table):
        if hasattr(module, "protect"):
            monkeypatch.setattr(module, "protect", primary_only)
    login(researcher)
    data = build(factory, pseed)
    facts, universe = everything_one_viewer_sees(client, app, data, with_pdf=False)
    found = attack(facts, universe)
    assert found, "the old rule leaves withheld groups recoverable"
