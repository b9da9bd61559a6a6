"""The contributions layer: one row shape, and only what research may use."""

from sqlalchemy import select

from dialogue.auth import services as accounts
from dialogue.extensions import db
from dialogue.profiles import Phase
from dialogue.reports import analysis
from dialogue.reports.contributions import filtered, pseudonym
from dialogue.reports.filters import Filters
from dialogue.reports.quotes import attribution
from dialogue.reports.redaction import Redactor


def _rows(filters=None):
    filters = filters or Filters()
    _c, query = filtered(filters)
    return {(r.kind, r.id): r for r in db.session.execute(query)}


def test_four_sources_become_one_shape(app, factory):
    loc = factory.locality("locality-a")
    person = factory.user(phase=Phase.PRIMARY, locality_id=loc.id)
    _b, (finding, _other) = factory.briefing()
    reaction = factory.reaction(person, finding, "partly")
    comment = factory.post(person, finding=finding, body="Comment on the finding.")
    forum = factory.post(person, thread=factory.thread(loc), body="Forum post.")
    w, q, (yes, _no) = factory.workshop(factory.user(role="facilitator"), loc)
    response = factory.response(w, q, person, option=yes)
    rows = _rows()
    assert set(rows) == {("reaction", reaction.id), ("comment", comment.id),
                         ("post", forum.id), ("response", response.id)}
    assert rows[("reaction", reaction.id)].answer == "partly"
    assert rows[("comment", comment.id)].text == "Comment on the finding."
    assert rows[("response", response.id)].answer == "Yes"
    assert {r.phase for r in rows.values()} == {"primary"}


def test_consent_and_moderation_exclusions(app, factory):
    loc = factory.locality("locality-a")
    yes = factory.user(locality_id=loc.id)
    no = factory.user(consent=False, locality_id=loc.id)
    _b, (finding, _f2) = factory.briefing()
    t = factory.thread(loc)
    kept = factory.post(yes, thread=t, body="kept")
    excluded = [
        factory.post(yes, thread=t, body="held", status="held"),
        factory.post(yes, thread=t, body="hidden", status="hidden"),
        factory.post(yes, finding=finding, body="deleted", status="deleted"),
        factory.post(no, thread=t, body="no consent"),
    ]
    factory.reaction(no, finding)
    w, q, _options = factory.workshop(factory.user(role="facilitator"), loc, kind="open_text")
    factory.response(w, q, no, text="no consent answer")
    factory.response(w, q, None, text="anonymous participant")
    factory.response(w, q, yes, text="hidden by facilitator", hidden=True)
    shown = factory.response(w, q, yes, text="an answer that is kept")
    rows = _rows()
    assert set(rows) == {("post", kept.id), ("response", shown.id)}
    texts = {r.text for r in rows.values()}
    for post in excluded:
        assert post.body not in texts
    # Withdrawing consent removes everything the person wrote from research at once.
    accounts.set_consent(yes, False)
    db.session.flush()
    assert _rows() == {}


def test_filters_narrow_in_sql(app, factory):
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    primary = factory.user(phase=Phase.PRIMARY, locality_id=a.id)
    secondary = factory.user(phase=Phase.SECONDARY, locality_id=b.id)
    _b, (f1, f2) = factory.briefing()
    factory.reaction(primary, f1)
    factory.reaction(secondary, f2)
    assert len(_rows(Filters(phase="primary"))) == 1
    assert len(_rows(Filters(locality=b.id))) == 1
    assert len(_rows(Filters(finding=f2.id))) == 1
    assert len(_rows(Filters(kind="post"))) == 0
    assert Filters.from_args({"phase": "nonsense", "locality": "x1", "date_from": "2026-13-01"}
                             ).is_empty()


def test_pseudonyms_are_stable_and_keyed(app):
    assert pseudonym(7) == pseudonym(7) != pseudonym(8)
    before = pseudonym(7)
    assert before.startswith("P-") and len(before) == 14
    app.config["SECRET_KEY"] = "another"
    assert pseudonym(7) != before


def test_small_cells_are_suppressed(app, factory):
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    _b, (finding, _f) = factory.briefing()
    for i in range(6):
        factory.reaction(factory.user(phase=Phase.PRIMARY, locality_id=a.id), finding,
                      "matches" if i < 4 else "partly")
    for _ in range(2):
        factory.reaction(factory.user(phase=Phase.SECONDARY, locality_id=b.id), finding,
                      "does_not_match")
    (row,) = analysis.reaction_shares(Filters())
    assert row["overall"].people == 8 and row["overall"].percent("matches") == "50%"
    primary, secondary = row["by_phase"]
    assert secondary.suppressed and secondary.people_text == "withheld"
    assert secondary.percent("does_not_match") == "-"
    # 6 primary shown beside a total of 8 would give the 2 secondary by subtraction, so
    # the primary row is withheld with it (complementary suppression).
    assert primary.suppressed and primary.percent("matches") == "-"
    assert row["figure"]["value"] == "77%"
    locs = {loc["name"]: loc for loc in analysis.locality_view(Filters())}
    assert locs["Locality B"]["people"] == "withheld"
    assert locs["Locality A"]["people"] == "withheld"
    # With a third locality large enough, the small one is protected by the next smallest.
    c = factory.locality("locality-c")
    for _ in range(7):
        factory.reaction(factory.user(phase=Phase.PRIMARY, locality_id=c.id), finding)
    (row,) = analysis.reaction_shares(Filters())
    shown = {s.label: s.people_text for s in row["by_locality"]}
    assert shown == {"Locality A": "withheld", "Locality B": "withheld", "Locality C": "7"}


def test_redaction_and_attribution(app, factory):
    factory.user(name="Harriet Quill")
    redact = Redactor()
    text = redact("Ask Harriet Quill (harriet@school.example.org, 07700 900123) or Quill.")
    assert "Harriet" not in text and "Quill" not in text
    assert "@" not in text and "07700" not in text
    assert text.count("[name removed]") == 2
    assert "[email removed]" in text and "[phone number removed]" in text
    assert attribution("headteacher", "secondary", "Locality B") == \
        "secondary headteacher, Locality B"


def test_every_source_query_runs_with_no_data(app):
    assert db.session.execute(select(1)).scalar() == 1
    assert _rows() == {}
    assert analysis.participation(Filters())["contributions"] == 0
