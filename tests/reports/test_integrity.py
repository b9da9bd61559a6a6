"""Research outputs a methods reviewer would sign off (issue 15): code filters everywhere,
consent in the agreement figures, redaction whatever the case, labels and headers."""

import re

import pytest

from dialogue.auth import services as accounts
from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase
from dialogue.reports import analysis, synthesis
from dialogue.reports.agreement import agreement_by_code
from dialogue.reports.filters import Filters
from dialogue.reports.models import Code, JobState, SynthesisJob
from dialogue.reports.redaction import Redactor


def _code(name):
    return db.session.scalar(db.select(Code).where(Code.code == name))


@pytest.fixture
def coded(factory, researcher, data):
    """The forum post and the comment carry "hierarchy" (a leaf under "frame")."""
    for post in data.posts[:2]:
        factory.coding(researcher, "hierarchy", post)
    db.session.commit()
    return data


# --- a code filter -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["frame", "hierarchy"])
def test_a_code_filter_works_on_the_dashboard(client, login, researcher, coded, name):
    login(researcher)
    code = _code(name)
    page = client.get(f"/research/?code={code.id}")
    assert page.status_code == 200
    # The two coded contributions come from fewer than 5 people: their number is withheld.
    assert "<strong>withheld</strong> contributions" in page.get_data(as_text=True)
    counts = {e["code"].code: e["count"] for e in analysis.code_counts(Filters(code=code.id))}
    assert counts["hierarchy"] == 2 and counts["markets"] == 0
    fragment = client.get(f"/research/?code={code.id}",
                          headers={"HX-Request": "true", "HX-Target": "results"})
    assert fragment.status_code == 200


@pytest.mark.parametrize("name", ["frame", "hierarchy"])
def test_a_code_filter_builds_the_pdf(client, login, researcher, coded, name):
    login(researcher)
    response = client.post("/research/synthesis", data={"code": _code(name).id})
    assert response.status_code == 302
    job = db.session.scalars(db.select(SynthesisJob)).one()
    assert job.state == JobState.DONE, job.message
    html = synthesis.build_html(Filters(code=_code(name).id))
    # Two people in scope: the document says so and shows no figure or quote of theirs.
    assert "Fewer than 5 people are in scope" in html
    assert "We rely on our trust for CPD" not in html


# --- agreement reads through consent ---------------------------------------------------


def _agreement_data(factory, researcher, data):
    """Five contributions both researchers coded; the fifth's author later withdraws.

    hierarchy, researcher 1: yes yes no no | yes;  researcher 2: yes no no no | no.
    With all five: agreement 3/5 = 60%; p_e = (3*1 + 2*4)/25 = 0.44; kappa 0.16/0.56 = 0.29.
    Without the fifth: 3/4 = 75%; p_e = (2*1 + 2*3)/16 = 0.5; kappa 0.25/0.5 = 0.50.
    """
    other = factory.user(role="researcher", name="Otto Other")
    leaver = factory.user(name="Lee Leaver", locality_id=data.a.id)
    units = [data.posts[0], data.posts[1],
             factory.post(data.heads[3], thread=data.thread, body="A third post."),
             factory.post(data.heads[4], thread=data.thread, body="A fourth post."),
             factory.post(leaver, thread=data.thread, body="The post of someone who leaves.")]
    first = ("hierarchy", "hierarchy", "markets", "markets", "hierarchy")
    second = ("hierarchy", "markets", "markets", "markets", "markets")
    for post, mine, theirs in zip(units, first, second, strict=True):
        factory.coding(researcher, mine, post)
        factory.coding(other, theirs, post)
    db.session.commit()
    return leaver


def test_agreement_leaves_out_a_withdrawn_persons_contribution(client, login, factory,
                                                               researcher, data):
    leaver = _agreement_data(factory, researcher, data)
    hierarchy = _code("hierarchy")
    (before,) = analysis.agreement([hierarchy.id])
    assert (before.units, before.agreed) == (5, 3)
    assert before.kappa == pytest.approx(0.16 / 0.56)

    accounts.set_consent(leaver, False)
    db.session.commit()
    (after,) = analysis.agreement([hierarchy.id])
    assert (after.units, after.agreed, after.percent) == (4, 3, 0.75)
    assert after.kappa == pytest.approx(0.5)
    login(researcher)
    page = client.get("/research/agreement").get_data(as_text=True)
    row = re.search(r"<td class=\"govuk-table__cell\">hierarchy</td>(.*?)</tr>", page, re.S)
    cells = re.findall(r">([^<>]+)</td>", row.group(1))
    assert cells == ["4", "75%", "0.50"]


def test_a_code_nobody_applied_is_not_applied(client, login, factory, researcher, data):
    _agreement_data(factory, researcher, data)
    login(researcher)
    page = client.get("/research/agreement").get_data(as_text=True)
    row = re.search(r"<td class=\"govuk-table__cell\">equity</td>(.*?)</tr>", page, re.S)
    assert "not applied" in row.group(1)
    assert "100%" not in row.group(1) and "1.00" not in row.group(1)
    # And in the figures themselves: no percent and no kappa where nobody applied it.
    codings = {1: {("post", 1): {7}, ("post", 2): set()}, 2: {("post", 1): {7}, ("post", 2): set()}}
    applied, never = agreement_by_code(codings, [7, 8])
    assert not applied.not_applied and applied.kappa == 1.0
    assert never.not_applied and never.units == 2
    assert never.percent is None and never.kappa is None


# --- redaction ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "I asked maud ellery about it.", "I asked MAUD ELLERY about it.",
    "I asked Maud  Ellery about it.", "I asked Maud-Ellery about it.",
    "I asked Maud.\nEllery about it.", "I asked maud_ellery about it.",
    "I asked ellery about it.", "I asked Ellery's deputy about it.",
])
def test_names_are_removed_whatever_the_case_spacing_or_punctuation(text):
    redacted = Redactor(["Maud Ellery", "Jo"])(text)
    assert "maud" not in redacted.lower() and "ellery" not in redacted.lower()
    assert "[name removed]" in redacted and redacted.startswith("I asked ")
    assert redacted.endswith("about it.")


@pytest.mark.parametrize("text", [
    "write to maud@school.example.org today", "write to MAUD.Ellery@School.Example.ORG today",
    "write to maud @ school.example.org today", "write to maud[at]school[dot]org today",
    "write to maud (at) school (dot) org today",
])
def test_emails_are_removed_whatever_the_case_spacing_or_punctuation(text):
    redacted = Redactor([])(text)
    assert redacted == "write to [email removed] today"


@pytest.mark.parametrize("text", [
    "ring 07700 900123 now", "ring 07700900123 now", "ring 07700.900.123 now",
    "ring 07700-900-123 now", "ring +44 (0)7700 900123 now", "ring +44 7700 900 123 now",
    "ring 0044 7700 900123 now", "ring (01632) 960 001 now", "ring +33 1 23 45 67 89 now",
])
def test_phone_numbers_are_removed_whatever_the_punctuation(text):
    assert Redactor([])(text) == "ring [phone number removed] now"


def test_ordinary_numbers_and_words_stay():
    text = "In 2024, 45% of 1,200 schools (ages 4-11) met on 01/02/2025 at 10.30."
    assert Redactor(["Maud Ellery"])(text) == text


def test_a_lowercase_name_never_reaches_a_pdf_quote(factory, data):
    factory.user(name="Maud Ellery")
    factory.post(data.heads[3], finding=data.f1,
                 body="I talked to maud ellery about this and she agreed with it entirely.")
    db.session.commit()
    html = synthesis.build_html(Filters())
    assert "talked to [name removed] about this" in html
    assert "maud" not in html.lower() and "ellery" not in html.lower()


# --- labels and headers ---------------------------------------------------------------------


def test_csv_and_readme_say_their_charset_once(client, login, researcher, data):
    login(researcher)
    csv = client.get("/research/export/contributions.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    readme = client.get("/research/export/README.txt")
    assert readme.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_coding_page_shows_words_not_raw_values(client, login, factory, researcher, data):
    leader = factory.user(education_role=EducationRole.SENIOR_LEADER, phase=Phase.ALL_THROUGH,
                          locality_id=data.a.id)
    factory.reaction(leader, data.f2, "does_not_match")
    db.session.commit()
    login(researcher)
    page = client.get("/research/contributions?kind=reaction").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads, not the attributes
    assert "does_not_match" not in text and "Does not match" in text
    assert "senior_leader" not in text and "Senior leader" in text
    assert "all_through" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d\d[ap]m", text)
