"""Joint protection of the localities table and every breakdown by locality (issue 15).

The figures below are worked out by hand from the people each test makes, not read
from the product's own queries. ``test_disclosure_audit.py`` attacks random data sets;
these are the two mechanisms it found, one small case each.
"""

from __future__ import annotations

from dialogue import suppression
from dialogue.extensions import db
from dialogue.profiles import Phase
from dialogue.reports import analysis
from dialogue.reports.filters import Filters


def _people(factory, n, locality=None):
    return [factory.user(phase=Phase.PRIMARY, locality_id=locality.id if locality else None,
                         commit=False) for _ in range(n)]


def _table():
    return {loc["name"]: loc["people"] for loc in analysis.locality_view(Filters())}


def _rows(finding):
    (row,) = [f for f in analysis.reaction_shares(Filters()) if f["id"] == finding.id]
    return {s.label: s.people_text for s in row["by_locality"]}


def test_a_group_whose_people_are_placed_elsewhere_does_not_protect():
    # a and b are small; c's 5 people all answered a question shown elsewhere, so c
    # holds at least 5 whether shown or not: withheld beside a and b (a + b + c = 7,
    # each at least 1, c at least 5) it would pin all three. d protects them instead.
    decision = suppression.protect({"a": 1, "b": 1, "c": 5, "d": 8}, placed={"c": 5})
    assert decision.withheld == {"a", "b", "d"} and not decision.total_withheld
    # Without placed people the rule is the old one: the smallest groups first.
    assert suppression.protect({"a": 1, "b": 1, "c": 5, "d": 8}).withheld == {"a", "b", "c"}


def test_a_placed_group_counts_only_its_unplaced_people():
    # c has 9 people, 5 of them placed: withheld beside a (1) and b (1) it leaves
    # 1 + 1 + 4 = 6 people no shown figure places, which is enough.
    decision = suppression.protect({"a": 1, "b": 1, "c": 9, "d": 12}, placed={"c": 5})
    assert decision.withheld == {"a", "b", "c"}


def test_a_workshop_question_does_not_give_away_a_withheld_locality(factory):
    # Locality A: 13 people react to a finding. Locality B: 10 people answer a workshop
    # question there (shown: 10 people answered). One person with no locality reacts.
    # 24 people. The old rule withheld Not given (1) and B (10) beside A's 13: then
    # B + Not given = 11, B >= 10 from the question and Not given >= 1, so B = 10 and
    # Not given = 1. B's people are all placed by the question, so A protects instead.
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    _briefing, (finding,) = factory.briefing(1)
    for person in [*_people(factory, 13, a), *_people(factory, 1)]:
        factory.reaction(person, finding)
    owner = factory.user(role="facilitator", consent=False, commit=False)
    w, q, (yes, _no) = factory.workshop(owner, b)
    for person in _people(factory, 10, b):
        factory.response(w, q, person, option=yes)
    db.session.commit()
    assert _table() == {"Locality A": "withheld", "Locality B": "10",
                        "Not given": "withheld"}
    assert _rows(finding) == {"Locality A": "withheld", "Not given": "withheld"}


def test_a_locality_withheld_in_the_table_is_withheld_in_every_finding(factory):
    # Table: A 10, B 7, C 1, Not given 1 (19 people). C and Not given are small and B,
    # the next smallest, protects them: A shown, B + C + Not given = 9.
    # The finding: A 5, B 7, C 1, Not given 1 (14). On its own it would withhold A (5)
    # as the complement and show B = 7; beside the table that gives B >= 7, so
    # C + Not given <= 2 with each at least 1: every withheld locality found out.
    # Protected together, the finding withholds the table's B, C and Not given (9
    # people) and shows A = 5.
    a, b, c = (factory.locality(f"locality-{x}") for x in "abc")
    _briefing, (finding, other) = factory.briefing(2)
    people_a, people_b = _people(factory, 10, a), _people(factory, 7, b)
    for person in [*people_a[:5], *people_b, *_people(factory, 1, c), *_people(factory, 1)]:
        factory.reaction(person, finding)
    for person in people_a[5:]:
        factory.reaction(person, other)
    db.session.commit()
    assert _table() == {"Locality A": "10", "Locality B": "withheld",
                        "Locality C": "withheld", "Not given": "withheld"}
    assert _rows(finding) == {"Locality A": "5", "Locality B": "withheld",
                              "Locality C": "withheld", "Not given": "withheld"}


def test_no_count_of_people_is_printed_when_the_localities_total_is_withheld(
        factory, client, login, app):
    # Locality A's workshop question: 12 people answered (shown, it places them in A).
    # Locality B: one person, who reacted to a finding (withheld: fewer than 5). The
    # table withholds B and, beside it, A; but A's people are all placed, so two withheld
    # localities still pin B, and the table withholds its total. Printing the 13 people
    # anywhere then gives B = 13 - 12 = 1 (the participation table did, in its "All" row
    # and in the summary above it; its kinds' total of contributions, also 13, was
    # already withheld). So every count of all the people in scope reads "withheld".
    from tests.reports.test_disclosure_audit import attack, everything_one_viewer_sees

    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    _briefing, (finding,) = factory.briefing(1)
    (reacting,) = _people(factory, 1, b)
    factory.reaction(reacting, finding)
    owner = factory.user(role="facilitator", consent=False, commit=False)
    w, q, (yes, _no, _unsure) = factory.workshop(owner, a, labels=("Yes", "No", "Unsure"))
    for person in _people(factory, 12, a):
        factory.response(w, q, person, option=yes)
    db.session.commit()
    assert _table() == {"Locality A": "withheld", "Locality B": "withheld"}
    participation = analysis.participation(Filters())
    assert (participation["people_text"], participation["contributions_text"]) == (
        "withheld", "withheld")
    assert not participation["scope_withheld"]  # 13 people: the other figures show
    login(factory.user(role="researcher"))
    dashboard = client.get("/research/").get_data(as_text=True)
    assert "contributions from <strong>withheld</strong> people" in dashboard
    assert "13" not in dashboard[dashboard.index('id="summary"'):dashboard.index("Reactions to")]
    # The adversarial check of test_disclosure_audit, on this data set.
    facts, universe = everything_one_viewer_sees(
        client, app, {"findings": [finding], "localities": [a, b]}, with_pdf=False)
    assert attack(facts, universe) == []
