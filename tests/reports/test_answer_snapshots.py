"""Workshop answers keep the profile they were given with (issue 15, point 5).

A room of 13 signed-in, consenting people answers four scale questions: 8 primary
headteachers in maintained schools (one of them, Mo, later moves) and 5 secondary
teachers in trust academies. Worked by hand, every answer counted once:

    phase:       primary 8 x 4 = 32,   secondary 5 x 4 = 20
    role:        headteacher 32,       teacher 20
    school type: maintained 32,        mat_academy 20

After the workshop Mo becomes a secondary teacher in a standalone academy. Read through
the current profile, Mo's four answers would move: primary 28, secondary 24, and 4
standalone academy answers that nobody gave as such. Read through the snapshot the
figures above stay, in every research output.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pyreadstat
import pytest

from dialogue.auth import services as accounts
from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.reports import analysis, exports, services
from dialogue.reports.filters import Filters
from dialogue.workshops import qa_services
from dialogue.workshops import services as workshops
from dialogue.workshops.models import Participant, Response

HEAD = {"phase": Phase.PRIMARY, "education_role": EducationRole.HEADTEACHER,
        "school_type": SchoolType.MAINTAINED}
TEACHER = {"phase": Phase.SECONDARY, "education_role": EducationRole.TEACHER,
           "school_type": SchoolType.MAT_ACADEMY}
MOVED = {"phase": Phase.SECONDARY, "education_role": EducationRole.TEACHER,
         "school_type": SchoolType.STANDALONE_ACADEMY}


@pytest.fixture
def room(app, factory, login):
    """The workshop answered as described above, then Mo's profile changed."""
    locality = factory.locality("locality-a")
    facilitator = factory.user(role="facilitator")
    heads = [factory.user(name=f"Head {i}", locality_id=locality.id, **HEAD)
             for i in range(7)]
    mo = factory.user(name="Mo Mover", locality_id=locality.id, **HEAD)
    teachers = [factory.user(name=f"Teacher {i}", locality_id=locality.id, **TEACHER)
                for i in range(5)]
    workshop = workshops.create_workshop(facilitator, title="Snapshots", date=dt.date.today(),
                                         locality_id=locality.id)
    for n in range(4):
        workshops.add_question(workshop, facilitator, kind="scale", prompt=f"Statement {n}")
    db.session.commit()
    phones = {}
    for person in [*heads, mo, *teachers]:
        phone = login(person, app.test_client())
        assert phone.post(f"/j/{workshop.code}", data={}).status_code == 302
        phones[person.id] = phone
    for n in range(4):
        workshops.control(workshop, facilitator, "next")
        db.session.commit()
        question = workshop.current_question
        for person in [*heads, mo, *teachers]:
            # Mo's third answer goes the full (ORM) way, as a lowercase code sends it; every
            # other answer takes the quick path, as a phone's htmx request does.
            code = workshop.code.lower() if person is mo and n == 2 else workshop.code
            sent = phones[person.id].post(f"/j/{code}/answer", headers={"HX-Request": "true"},
                                          data={"question_id": question.id, "value": 4})
            assert sent.status_code == 200, sent.data
            assert b"has been saved" in sent.data
    workshops.end_workshop(workshop, facilitator)
    db.session.commit()
    accounts.update_profile(mo, **MOVED)
    db.session.commit()
    return workshop, mo


def _responses(filters: Filters) -> int:
    return analysis.participation(filters)["by_kind"]["response"]["contributions"]


def test_the_answers_are_counted_under_the_profile_they_were_given_with(room):
    assert db.session.scalar(db.select(db.func.count(Response.id))) == 52
    assert _responses(Filters(phase="primary")) == 32
    assert _responses(Filters(phase="secondary")) == 20
    assert _responses(Filters(education_role="headteacher")) == 32
    assert _responses(Filters(education_role="teacher")) == 20
    assert _responses(Filters(school_type="maintained")) == 32
    assert _responses(Filters(school_type="mat_academy")) == 20
    assert analysis.participation(Filters(school_type="standalone_academy"))["people"] == 0


def test_every_research_output_reads_the_snapshot(room, client, login, factory, tmp_path):
    """The CSV (and the zip with it), the API, the SPSS file and the REFI-QDA project."""
    researcher = factory.user(role="researcher")
    login(researcher)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/research/export/contributions.csv").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert len(rows) == 52
    by_phase = {p: sum(r["phase"] == p for r in rows) for p in ("primary", "secondary")}
    assert by_phase == {"primary": 32, "secondary": 20}
    assert not [r for r in rows if r["school_type"] == "standalone_academy"]
    with zipfile.ZipFile(io.BytesIO(client.get("/research/export.zip").data)) as archive:
        zipped = list(csv.DictReader(io.StringIO(
            archive.read("contributions.csv").decode("utf-8-sig"))))
    assert sum(r["phase"] == "primary" for r in zipped) == 32
    _token, secret = services.create_api_token(researcher, "snapshots")
    db.session.commit()
    api = client.get("/api/v1/contributions?phase=primary&per_page=100",
                     headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200 and api.json["total"] == 32
    sav = tmp_path / "contributions.sav"
    sav.write_bytes(client.get("/research/export/contributions.sav").data)
    frame, meta = pyreadstat.read_sav(str(sav))
    labels = meta.variable_value_labels["phase"]
    assert sorted(labels[v] for v in frame["phase"]).count("Primary") == 32
    with zipfile.ZipFile(io.BytesIO(client.get("/research/export.qdpx").data)) as archive:
        project = archive.read("project.qde").decode()
    # Each answer is a source named with its attribution: "primary, headteacher, ...".
    assert project.count("; primary, headteacher, Locality A)") == 32
    assert project.count("; secondary, teacher, Locality A)") == 20
    # The participants file describes people as they are now (and says so): Mo is there
    # once, as a secondary teacher.
    people = {r["person"]: r for r in exports.participant_rows(Filters())}
    assert len(people) == 13
    assert sum(r["phase"] == "secondary" for r in people.values()) == 6


def test_changing_an_answer_takes_the_profile_again(app, factory, login):
    """As a reaction does: the snapshot is of the person when they last answered."""
    facilitator = factory.user(role="facilitator")
    person = factory.user(**HEAD)
    workshop, question, _options = factory.workshop(facilitator, kind="scale")
    workshops.control(workshop, facilitator, "next")
    db.session.commit()
    phone = login(person, app.test_client())
    phone.post(f"/j/{workshop.code}", data={})

    def answer(value):
        sent = phone.post(f"/j/{workshop.code}/answer", headers={"HX-Request": "true"},
                          data={"question_id": question.id, "value": value})
        assert sent.status_code == 200

    answer(4)
    accounts.update_profile(person, **MOVED)
    db.session.commit()
    stored = db.session.scalars(db.select(Response)).one()
    assert (stored.phase, stored.school_type) == (Phase.PRIMARY, SchoolType.MAINTAINED)
    answer(2)
    db.session.refresh(stored)
    assert (stored.value, stored.phase, stored.school_type) == (
        2, Phase.SECONDARY, SchoolType.STANDALONE_ACADEMY)


def test_what_a_participant_said_on_joining_comes_before_the_account(app, factory, login):
    """The role and phase given on the join form are the answer's; the account fills in
    what the form left empty (and the school type, which the form does not ask)."""
    facilitator = factory.user(role="facilitator")
    person = factory.user(**TEACHER)
    workshop, question, _options = factory.workshop(facilitator, kind="scale")
    workshops.control(workshop, facilitator, "next")
    db.session.commit()
    phone = login(person, app.test_client())
    phone.post(f"/j/{workshop.code}", data={"phase": "special"})
    phone.post(f"/j/{workshop.code}/answer", headers={"HX-Request": "true"},
               data={"question_id": question.id, "value": 5})
    stored = db.session.scalars(db.select(Response)).one()
    assert (stored.phase, stored.education_role, stored.school_type) == (
        Phase.SPECIAL, EducationRole.TEACHER, SchoolType.MAT_ACADEMY)


def test_a_qa_question_keeps_the_profile_it_was_asked_with(factory):
    """Q&A questions from a participant who gave no role or phase on joining: the
    account's profile at the time of asking, not after a later change."""
    locality = factory.locality("locality-a")
    workshop, _q, _options = factory.workshop(factory.user(role="facilitator"), locality)
    askers = [factory.user(locality_id=locality.id, **HEAD) for _ in range(5)]
    for n, asker in enumerate(askers):
        participant = Participant(workshop_id=workshop.id, token=f"snap-qa-{n}",
                                  user_id=asker.id)
        db.session.add(participant)
        db.session.flush()
        qa_services.ask(workshop, participant, f"Question number {n} from the room")
    db.session.commit()
    accounts.update_profile(askers[0], **MOVED)
    db.session.commit()
    counts = analysis.participation(Filters(phase="primary"))["by_kind"]["qa"]
    assert counts["contributions"] == 5
