"""Questions from a workshop's Q&A as research contributions: the same consent, moderation
and small-group rules as the workshop's answers, in every research output."""

import csv
import io
import itertools

from dialogue.auth import services as accounts
from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase
from dialogue.reports import analysis, synthesis
from dialogue.reports.contributions import filtered
from dialogue.reports.filters import Filters
from dialogue.reports.models import Code, Coding
from dialogue.workshops import qa_services
from dialogue.workshops.models import Participant


def _rows(filters=None):
    _c, query = filtered(filters or Filters())
    return {(r.kind, r.id): r for r in db.session.execute(query)}


_tokens = itertools.count()


def _join(workshop, user=None, *, role="headteacher", phase="primary"):
    participant = Participant(workshop_id=workshop.id, token=f"qa-{next(_tokens)}",
                              user_id=user.id if user else None, education_role=role,
                              phase=phase)
    db.session.add(participant)
    db.session.flush()
    return participant


def _room(factory):
    """A workshop in Locality A whose Q&A holds one question of every fate."""
    loc = factory.locality("locality-a")
    facilitator = factory.user(role="facilitator")
    workshop, _q, _options = factory.workshop(facilitator, loc)
    asker = factory.user(phase=Phase.SECONDARY, education_role=EducationRole.TEACHER,
                         locality_id=loc.id)
    refuser = factory.user(consent=False, locality_id=loc.id)
    mine = _join(workshop, asker)
    theirs = _join(workshop, refuser)
    anonymous = _join(workshop)
    shown = qa_services.ask(workshop, mine, "How do the trusts share their maths leads?")
    answered = qa_services.ask(workshop, mine, "Who decides which schools a trust takes on?")
    qa_services.mark_answered(answered, facilitator)
    hidden = qa_services.ask(workshop, mine, "A question the facilitator hid from the room")
    qa_services.hide(hidden, facilitator, "Off topic")
    qa_services.set_requires_approval(workshop, facilitator, True)
    waiting = qa_services.ask(workshop, mine, "A question still waiting for approval")
    qa_services.set_requires_approval(workshop, facilitator, False)
    qa_services.ask(workshop, theirs, "A question from someone who did not consent")
    qa_services.ask(workshop, anonymous, "A question from an anonymous participant")
    db.session.commit()
    return workshop, asker, facilitator, shown, answered, hidden, waiting


def test_only_questions_the_room_saw_from_consenting_people(app, factory):
    workshop, asker, facilitator, shown, answered, _hidden, waiting = _room(factory)
    rows = _rows()
    qa = {key: row for key, row in rows.items() if key[0] == "qa"}
    assert set(qa) == {("qa", shown.id), ("qa", answered.id)}
    row = qa[("qa", shown.id)]
    assert row.text == "How do the trusts share their maths leads?"
    assert row.workshop_id == workshop.id and row.locality_id == workshop.locality_id
    # The snapshot the participant gave when joining, as their answers carry it.
    assert (row.education_role, row.phase, row.user_id) == ("headteacher", "primary",
                                                            asker.id)
    assert row.question_id is None and row.answer == ""
    # Approving a waiting question, or hiding a shown one, moves it in or out at once.
    qa_services.approve(waiting, facilitator)
    qa_services.hide(shown, facilitator, "Repeated")
    db.session.flush()
    assert {k for k in _rows() if k[0] == "qa"} == {("qa", waiting.id), ("qa", answered.id)}
    # Withdrawing consent removes the person's questions from research at once.
    accounts.set_consent(asker, False)
    db.session.flush()
    assert not any(k[0] == "qa" for k in _rows())


def test_filters_narrow_q_and_a_like_the_other_kinds(app, factory):
    workshop, *_rest = _room(factory)
    assert {k[0] for k in _rows(Filters(kind="qa"))} == {"qa"}
    assert len(_rows(Filters(kind="qa", workshop=workshop.id))) == 2
    assert _rows(Filters(kind="qa", phase="secondary")) == {}
    assert len(_rows(Filters(kind="qa", education_role="headteacher"))) == 2
    assert Filters.from_args({"kind": "qa"}).kind == "qa"


def test_a_kind_of_few_people_is_withheld(app, factory):
    _room(factory)
    by_kind = analysis.participation(Filters())["by_kind"]
    assert by_kind["qa"]["contributions"] == 2 and by_kind["qa"]["people"] == 1
    assert by_kind["qa"]["people_text"] == "withheld"
    assert by_kind["qa"]["contributions_text"] == "withheld"


def test_exports_api_and_coding(client, login, factory, app):
    workshop, _asker, _f, shown, answered, hidden, _waiting = _room(factory)
    researcher = factory.user(role="researcher")
    login(researcher)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/research/export/contributions.csv").get_data(as_text=True)
        .lstrip("\ufeff"))))
    qa = [r for r in rows if r["kind"] == "qa"]
    assert sorted(r["text"] for r in qa) == sorted([shown.text, answered.text])
    assert {r["workshop"] for r in qa} == {workshop.title} and {r["question"] for r in qa} == {""}
    people = list(csv.DictReader(io.StringIO(
        client.get("/research/export/participants.csv").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert [p["qa_questions"] for p in people] == ["2"]
    api = client.get("/api/v1/contributions?kind=qa").get_json()
    assert {i["id"] for i in api["items"]} == {shown.id, answered.id}
    page = client.get("/research/contributions?kind=qa").get_data(as_text=True)
    assert "Workshop Q&amp;A question" in page and shown.text in page
    assert f"{workshop.title}: " not in page  # no workshop question to name after it
    # A shown question can be coded; one the room never saw cannot.
    code = db.session.scalar(db.select(Code).limit(1)) or factory.code("networks")
    db.session.commit()
    assert client.post(f"/research/contributions/qa/{shown.id}/codes",
                       data={"code_id": code.id}).status_code == 302
    assert db.session.scalar(db.select(Coding.contribution_kind)) == "qa"
    assert client.post(f"/research/contributions/qa/{hidden.id}/codes",
                       data={"code_id": code.id}).status_code == 404


def test_synthesis_samples_the_questions_the_room_saw(app, factory):
    workshop, *_ = _room(factory)
    # Fewer than 5 people in scope would show nothing but that; four more ask.
    for n in range(4):
        person = factory.user(locality_id=workshop.locality_id)
        qa_services.ask(workshop, _join(workshop, person, role="teacher"),
                        f"Question number {n} from another teacher in the room?")
    db.session.commit()
    assert analysis.participation(Filters())["by_kind"]["qa"]["people_text"] == "5"
    html = synthesis.build_html(Filters())
    assert "Questions from the workshops' Q&amp;A" in html
    assert "How do the trusts share their maths leads?" in html
    assert "(primary headteacher, Locality A)" in html
    for left_out in ("question still waiting", "question the facilitator hid",
                     "someone who did not consent", "from an anonymous participant"):
        assert left_out not in html
    assert "Workshop Q&amp;A question" in html  # its row in the participation table
