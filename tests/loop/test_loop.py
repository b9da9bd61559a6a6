"""You said, we did: the figures and their suppression, the review rule, notifications,
untrusted markdown, the pages and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dialogue.auth import services as accounts
from dialogue.briefings import services as briefings
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.localities import Locality, update_locality
from dialogue.loop import services
from dialogue.loop.models import LoopResponse, YouSaidCache
from dialogue.notifications.models import Notification
from dialogue.transactions import write_transaction

EVIL = ("Thanks. <script>alert('owned')</script> "
        "[click me](javascript:alert(1)) <img src=x onerror=alert(2)>")


def _people(factory, n, *, locality, phase, consent=True):
    return [factory.user(locality_id=locality.id, phase=phase, consent=consent)
            for _ in range(n)]


@pytest.fixture
def reacted(factory):
    """A finding with hand-made reactions whose figures are worked out below.

    Consenting: 6 primary people in Locality A (4 matches, 2 partly), 5 secondary in
    Locality B (all "does not match"), 2 secondary in Locality C (1 matches, 1 partly).
    Not counted: a non-consenting person in A who says "matches".
    Comments: one visible by a consenting person (counts), one hidden and one by the
    non-consenting person (do not count).
    """
    a, b, c = (factory.locality(f"locality-{x}") for x in "abc")
    finding = factory.finding(figure="77%")
    people_a = _people(factory, 6, locality=a, phase="primary")
    people_b = _people(factory, 5, locality=b, phase="secondary")
    people_c = _people(factory, 2, locality=c, phase="secondary")
    refuser = factory.user(locality_id=a.id, phase="primary", consent=False)
    for person, answer in zip(people_a, ["matches"] * 4 + ["partly"] * 2, strict=True):
        factory.reaction(person, finding, answer)
    for person in people_b:
        factory.reaction(person, finding, "does_not_match")
    factory.reaction(people_c[0], finding, "matches")
    factory.reaction(people_c[1], finding, "partly")
    factory.reaction(refuser, finding, "matches")
    factory.post(people_a[0], finding=finding, body="It matches what we see.")
    factory.post(people_b[0], finding=finding, body="Hidden one.", status="hidden")
    factory.post(refuser, finding=finding, body="Not for research.")
    db.session.commit()
    return finding, {"a": people_a, "b": people_b, "c": people_c, "refuser": refuser}


def _groups(said, bucket):
    return {g["label"]: g for g in said["reactions"][bucket]}


def test_you_said_figures_worked_out_by_hand(app, reacted):
    finding, _ = reacted
    said = services.compute_you_said(finding.id)
    overall = said["reactions"]["overall"]
    assert overall["people"] == 13
    assert overall["percents"] == {"matches": "38%", "partly": "23%",
                                   "does_not_match": "38%"}
    phases = _groups(said, "by_phase")
    assert phases["Primary"]["people"] == 6
    assert phases["Primary"]["percents"] == {"matches": "67%", "partly": "33%",
                                             "does_not_match": "0%"}
    assert phases["Secondary"]["people"] == 7
    assert phases["Secondary"]["percents"]["does_not_match"] == "71%"
    places = _groups(said, "by_locality")
    assert places["Locality A"]["people"] == 6
    # C (2 people) is small; B (5) is withheld beside it so C is not 13 - 6 - 5.
    assert places["Locality C"] == {"label": "Locality C", "withheld": True}
    assert places["Locality B"] == {"label": "Locality B", "withheld": True}
    assert said["comments"] == 1


def _shown_numbers(html: str) -> dict:
    """The "You said" table as a reader sees it: row label -> cells."""
    block = html.split('id="you-said"', 1)[1].split('id="we-did"', 1)[0]
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", block, re.S):
        label = re.search(r"<th scope=\"row\"[^>]*>(.*?)</th>", row, re.S)
        if label:
            rows[label.group(1).strip()] = [c.strip() for c in
                                            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def test_a_breakdown_with_every_group_withheld_says_so_once(app, client, factory):
    """Six people, in four places (2, 2, 1, 1) and two phases of three: the overall
    shares show, every group is withheld, so each breakdown is one line."""
    finding = factory.finding(figure="77%")
    a, b, c, d = (factory.locality(f"locality-{x}") for x in "abcd")
    for n, place in enumerate([a, b, c, d, a, b]):
        person = _people(factory, 1, locality=place,
                         phase="primary" if n < 3 else "secondary")[0]
        factory.reaction(person, finding, "matches")
    db.session.commit()
    html = client.get(f"/findings/{finding.key}").get_data(as_text=True)
    block = html.split('id="you-said"', 1)[1].split('id="we-did"', 1)[0]
    rows = _shown_numbers(html)
    assert rows["Everyone"][0] == "6"
    # One line each, on the breakdown's heading: no row under it.
    for title in ("By phase", "By locality"):
        assert re.search(rf'<th scope="rowgroup"[^>]*>{title}<span class="loop-shares__withheld">'
                         r": withheld, too few people in each group yet</span></th></tr>\s*"
                         r"</tbody>", block), title
    assert not any(f"Locality {x.upper()}" in rows for x in "abcd")
    assert "Primary" not in rows and "Secondary" not in rows


def test_a_withheld_group_cannot_be_worked_out_from_the_finding_page(app, client, reacted):
    finding, _ = reacted
    html = client.get(f"/findings/{finding.key}").get_data(as_text=True)
    rows = _shown_numbers(html)
    assert rows["Locality B"] == ["withheld"]  # one cell across the row's figures
    assert rows["Locality C"] == ["withheld"]
    assert rows["Everyone"][0] == "13" and rows["Locality A"][0] == "6"

    # Every count a reader can recover: people x share, for each shown row.
    def counts(cells):
        people = int(cells[0])
        return people, [round(people * int(c.rstrip("%")) / 100) for c in cells[1:]]

    total, total_answers = counts(rows["Everyone"])
    a_people, a_answers = counts(rows["Locality A"])
    sec_people, _ = counts(rows["Secondary"])
    prim_people, _ = counts(rows["Primary"])
    assert prim_people + sec_people == total
    # Search every split of the rest between B and C (people and answers) that agrees
    # with everything shown: C's true size (2) must not be the only possibility.
    rest = [t - a for t, a in zip(total_answers, a_answers, strict=True)]
    sizes_for_c = set()
    for c_answers in itertools.product(*(range(n + 1) for n in rest)):
        c_people = sum(c_answers)
        if c_people == 0:
            continue  # a group that is listed has someone in it
        b_people = total - a_people - c_people
        if b_people <= 0:
            continue
        sizes_for_c.add(c_people)
    assert 2 in sizes_for_c and len(sizes_for_c) > 1
    # And the shared cache never holds a withheld figure.
    payload = db.session.scalar(select(YouSaidCache.payload)
                                .where(YouSaidCache.finding_id == finding.id))
    assert "people" not in _groups(payload, "by_locality")["Locality C"]


def test_fewer_than_five_people_shows_no_figures(app, client, factory):
    finding = factory.finding(figure="77%")
    for person in _people(factory, 4, locality=factory.locality(), phase="primary"):
        factory.reaction(person, finding, "matches")
    db.session.commit()
    said = services.compute_you_said(finding.id)
    assert said["reactions"]["overall"] == {"label": "All", "withheld": True}
    html = client.get(f"/findings/{finding.key}").get_data(as_text=True)
    assert "Fewer than 5 people have said" in html
    assert "<table class=\"govuk-table loop-shares\"" not in html


def _shown_people(client, finding) -> str:
    return _shown_numbers(client.get(f"/findings/{finding.key}").text)["Everyone"][0]


def test_the_cache_follows_reactions_comments_and_consent(app, client, reacted, factory):
    finding, people = reacted
    assert _shown_people(client, finding) == "13"
    row = db.session.get(YouSaidCache, finding.id)
    assert row is not None and row.payload == services.compute_you_said(finding.id)
    version = row.version
    assert _shown_people(client, finding) == "13"  # served from the row
    db.session.expire_all()
    assert db.session.get(YouSaidCache, finding.id).version == version

    newcomer = factory.user(locality_id=people["a"][0].locality_id, phase="primary")
    briefings.react(finding, newcomer, "matches")
    db.session.commit()
    assert _shown_people(client, finding) == "14"

    accounts.set_consent(newcomer, False)
    db.session.commit()
    assert _shown_people(client, finding) == "13"

    factory.post(people["b"][1], finding=finding, body="Another view.")
    db.session.commit()
    assert "2 comments in" in client.get(f"/findings/{finding.key}").text
    db.session.commit()
    hidden = db.session.get(type(people["a"][0]), people["a"][0].id)
    accounts.set_consent(hidden, False)  # the first commenter withdraws
    db.session.commit()
    assert "1 comment in" in client.get(f"/findings/{finding.key}").text


def test_another_findings_reaction_can_withhold_these_figures(app, client, reacted, factory):
    """The research outputs protect the findings jointly: one person's reaction to
    another finding is withheld, and this finding's 13 beside it as its complement (else
    the outputs' number of reactions less 13 is that one). The page takes that decision,
    and its cached figures follow a reaction to another finding."""
    finding, people = reacted
    assert _shown_people(client, finding) == "13"  # now cached
    other = factory.finding("another-finding", "Another finding", figure="50%")
    briefings.react(other, people["a"][0], "matches")
    db.session.commit()
    page = client.get(f"/findings/{finding.key}").text
    assert "13 people said" not in page
    assert services.compute_you_said(finding.id)["reactions"]["overall"] == {
        "label": "All", "withheld": True}
    assert "so their answers are not shown yet" in page


def test_a_renamed_locality_is_shown_by_its_new_name(app, client, reacted):
    """The figures carry each locality's name: a rename moves the cached version, or the
    page would go on showing the old name beside the figures."""
    finding, people = reacted
    assert "Locality A" in client.get(f"/findings/{finding.key}").text  # now cached
    here = db.session.get(Locality, people["a"][0].locality_id)
    update_locality(here, "Northfield")
    db.session.commit()
    page = client.get(f"/findings/{finding.key}").text
    assert "Northfield" in page and "Locality A" not in page
    assert "Northfield" in str(db.session.get(YouSaidCache, finding.id).payload)


def test_a_question_kind_changed_moves_the_version(app, reacted, factory):
    """Which answers a workshop question counts, and so which localities the outputs
    withhold, follows its kind. The pages refuse to change the kind of an answered
    question, but a repair made to the data must still be seen."""
    finding, people = reacted
    _, question, _ = factory.workshop(people["a"][0])
    db.session.commit()
    before = services.data_version(finding.id)
    question.kind = "multiple"
    db.session.commit()
    assert services.data_version(finding.id) != before


def test_a_page_read_never_waits_long_for_the_lock(app, client, reacted):
    """Another writer holding SQLite's lock costs the page at most the short wait."""
    import time

    finding, _ = reacted
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with db.engine.connect() as holder:
        with write_transaction():
            holder.exec_driver_sql("SELECT 1")  # begins with BEGIN IMMEDIATE
        started = time.monotonic()
        page = client.get(f"/findings/{finding.key}")
        elapsed = time.monotonic() - started
        holder.rollback()
    assert page.status_code == 200 and "13 people said" in page.text
    assert elapsed < 5


def test_workshop_results_slot_lists_what_receivers_answer(app, client, reacted):
    from markupsafe import Markup

    from dialogue import page_sections

    finding, _ = reacted

    def results(sender, finding, **extra):
        return Markup("<li>Workshop X: 60% beside the national 77%</li>")

    page_sections.you_said_workshops.connect(results, app)
    try:
        html = client.get(f"/findings/{finding.key}").get_data(as_text=True)
    finally:
        page_sections.you_said_workshops.disconnect(results, app)
    assert "<li>Workshop X: 60% beside the national 77%</li>" in html


# --- We did --------------------------------------------------------------------------


@pytest.fixture
def team(factory):
    return {"author": factory.user(role="researcher", name="Rae Author"),
            "reviewer": factory.user(role="researcher", name="Rob Reviewer"),
            "admin": factory.user(role="admin", name="Ada Admin"),
            "practitioner": factory.user(name="Pat Practitioner")}


def _draft(team, finding, body="We changed the next workshop's questions.", **kw):
    response = services.create_response(team["author"], services.Target(finding.briefing,
                                                                         finding),
                                         "What we changed", body, **kw)
    db.session.commit()
    return response


def test_the_author_cannot_publish_their_own_response(app, team, reacted):
    finding, _ = reacted
    response = _draft(team, finding)
    with pytest.raises(services.NotYourResponseToPublish):
        services.publish_response(team["author"], response, dt.date(2026, 12, 2))
    db.session.rollback()
    with pytest.raises(services.NotPermitted):
        services.create_response(team["practitioner"], services.Target(finding.briefing),
                                 "t", "b")
    services.publish_response(team["reviewer"], response, dt.date(2026, 12, 2))
    db.session.commit()
    assert response.is_published and response.published_by_id == team["reviewer"].id
    with pytest.raises(services.InvalidTransition):
        services.publish_response(team["admin"], response, dt.date(2026, 12, 3))


def test_an_admin_may_publish_and_the_author_is_refused_by_the_page(app, team, reacted,
                                                                    login):
    finding, _ = reacted
    response = _draft(team, finding)
    client = app.test_client()
    login(team["author"], client)
    page = client.get(f"/research/responses/{response.id}/review").get_data(as_text=True)
    assert "another researcher or an admin must review and publish it" in page
    assert client.post(f"/research/responses/{response.id}/review",
                       data={"published_on": "2026-12-02"}).status_code == 403
    admin = app.test_client()
    login(team["admin"], admin)
    answer = admin.post(f"/research/responses/{response.id}/review",
                        data={"published_on": "2026-12-02"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(LoopResponse, response.id).published_on == dt.date(2026, 12, 2)


def test_publishing_tells_each_person_who_reacted_or_commented_once(app, team, reacted):
    finding, people = reacted
    response = _draft(team, finding)
    told = services.publish_response(team["reviewer"], response, dt.date(2026, 12, 2))
    db.session.commit()
    # 13 consenting + the non-consenting person reacted; people_a[0] also commented.
    expected = {p.id for group in ("a", "b", "c") for p in people[group]}
    expected.add(people["refuser"].id)
    assert {p.id for p in told} == expected
    notes = db.session.scalars(select(Notification)).all()
    assert sorted(n.user_id for n in notes) == sorted(expected)
    assert all(n.url == f"/findings/{finding.key}#we-did" for n in notes)


def test_editing_keeps_revisions_and_sends_a_published_response_back(app, team, reacted):
    finding, _ = reacted
    response = _draft(team, finding, body="First text.")
    services.publish_response(team["reviewer"], response, dt.date(2026, 12, 2))
    services.edit_response(team["reviewer"], response, "Better title", "Second text.", None)
    db.session.commit()
    assert not response.is_published
    assert response.author_id == team["reviewer"].id  # now the reviewer cannot approve it
    assert [r.body for r in response.revisions] == ["First text."]
    assert response.revisions[0].was_published_on == dt.date(2026, 12, 2)
    with pytest.raises(services.NotYourResponseToPublish):
        services.publish_response(team["reviewer"], response, dt.date(2026, 12, 3))


def test_an_edit_can_move_a_response_to_the_whole_briefing(app, team, reacted):
    finding, _ = reacted
    response = _draft(team, finding, body="About the finding.")
    services.edit_response(team["reviewer"], response, "About the briefing", "Wider.", None,
                           target=services.Target(finding.briefing))
    db.session.commit()
    assert (response.briefing_id, response.finding_id) == (finding.briefing_id, None)


def test_markup_in_a_response_never_runs(app, client, team, reacted, login):
    finding, _ = reacted
    response = _draft(team, finding, body=EVIL)
    services.publish_response(team["reviewer"], response, dt.date(2026, 12, 2))
    db.session.commit()
    researcher = app.test_client()
    login(team["reviewer"], researcher)
    pages = [client.get(f"/findings/{finding.key}"), client.get("/you-said-we-did"),
             client.get(f"/you-said-we-did/{response.id}"),
             client.get(f"/briefings/{finding.briefing.slug}"),
             researcher.get(f"/research/responses/{response.id}/review")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Thanks." in html
        assert "<script>alert" not in html
        assert not re.search(r"href=[\"']?\s*javascript:", html, re.I)
        assert not re.search(r"<[a-z]+[^>]*\sonerror", html)  # as text it is harmless


def _publish(team, finding=None, briefing=None, *, on, title, locality_id=None):
    target = services.Target(finding.briefing, finding) if finding else services.Target(briefing)
    response = services.create_response(team["author"], target, title, "Text.",
                                        locality_id=locality_id)
    services.publish_response(team["reviewer"], response, on)
    return response


def test_the_public_list_filters_orders_and_pages(app, client, team, factory):
    briefing, (f1, f2) = factory.briefing()
    other, (f3, _) = factory.briefing()
    b = factory.locality("locality-b")
    assert "has not published any responses yet" in client.get("/you-said-we-did").text
    _publish(team, f1, on=dt.date(2026, 11, 1), title="Oldest")
    _publish(team, briefing=briefing, on=dt.date(2026, 11, 20), title="Briefing-wide",
             locality_id=b.id)
    _publish(team, f3, on=dt.date(2026, 11, 10), title="Other briefing")
    for day in range(1, 11):
        _publish(team, f2, on=dt.date(2026, 10, day), title=f"October {day}")
    _draft(team, f1, body="Not yet.")
    db.session.commit()
    html = client.get("/you-said-we-did").text
    titles = re.findall(r'id="loop-response-\d+"><a[^>]*>([^<]+)</a>', html)
    assert titles[:3] == ["Briefing-wide", "Other briefing", "Oldest"]
    assert len(titles) == 10 and "What we changed" not in html
    assert "October 1<" in client.get("/you-said-we-did?page=2").text
    only = client.get(f"/you-said-we-did?briefing={other.id}").text
    assert "Other briefing" in only and "Oldest" not in only
    here = client.get(f"/you-said-we-did?locality={b.id}").text
    assert "Briefing-wide" in here and "Oldest" not in here
    none = client.get(f"/you-said-we-did?briefing={other.id}&locality={b.id}").text
    assert "No published responses match these choices" in none


def test_drafts_are_not_public(app, client, team, reacted):
    finding, _ = reacted
    response = _draft(team, finding)
    assert client.get(f"/you-said-we-did/{response.id}").status_code == 404
    assert "What we changed" not in client.get(f"/findings/{finding.key}").text


def test_the_briefing_page_and_pdf_carry_published_responses(app, client, team, factory):
    briefing, (finding, _) = factory.briefing()
    db.session.commit()
    before = briefings.pdf_cache_path(briefing)
    _publish(team, finding, on=dt.date(2026, 12, 2), title="Response printed in the PDF")
    db.session.commit()
    assert briefings.pdf_cache_path(briefing) != before  # a new file, not the stale one
    page = client.get(f"/briefings/{briefing.slug}").text
    assert "Response printed in the PDF" in page
    data = client.get(f"/briefings/{briefing.slug}.pdf").data
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Response printed in the PDF" in text
    assert "the research team" in text.lower()


def test_writing_a_response_through_the_pages(app, team, reacted, login):
    finding, _ = reacted
    client = app.test_client()
    login(team["author"], client)
    form = client.get(f"/research/responses/new?target=finding:{finding.id}").text
    assert f'value="finding:{finding.id}" selected' in form
    answer = client.post("/research/responses/new", data={
        "target": f"finding:{finding.id}", "locality": "", "title": "Typed title",
        "body": ""})
    assert answer.status_code == 422 and "Typed title" in answer.text
    answer = client.post("/research/responses/new", data={
        "target": f"finding:{finding.id}", "locality": "", "title": "Typed title",
        "body": "We *did* this."})
    assert answer.status_code == 303
    response = db.session.scalar(select(LoopResponse))
    assert response.body == "We *did* this." and "<em>did</em>" in response.body_html


@pytest.fixture
def posted(factory, team):
    """Locality A's space and who wrote what there (and elsewhere), for the thread rule:
    told, once each, are the signed-in authors of visible posts in its live threads."""
    here, elsewhere = factory.locality("locality-a"), factory.locality("locality-b")
    thread, removed = factory.thread(here), factory.thread(here, title="Removed")
    removed.deleted_at = utcnow()
    other = factory.thread(elsewhere)
    people = {name: factory.user(name=name) for name in (
        "twice", "once", "held", "hidden", "removed thread", "elsewhere", "inactive")}
    people["inactive"].active = False
    factory.post(people["twice"], thread=thread)
    factory.post(people["twice"], thread=thread, body="Again.")
    factory.post(people["once"], thread=thread)
    factory.post(people["held"], thread=thread, status="held")
    factory.post(people["hidden"], thread=thread, status="hidden")
    factory.post(people["removed thread"], thread=removed)
    factory.post(people["elsewhere"], thread=other)
    factory.post(people["inactive"], thread=thread)
    factory.post(team["reviewer"], thread=thread)  # the publisher is never told
    db.session.commit()
    return here, people


def test_a_response_about_a_locality_tells_who_posted_in_its_threads(app, factory, team,
                                                                    reacted, posted):
    """Issue 17 point 4, "posted in a thread": a response naming a locality is published
    there, so the people who posted in its threads hear of it, as those who reacted do."""
    finding, reactors = reacted
    here, people = posted
    thread = db.session.scalar(select(Thread).where(Thread.locality_id == here.id,
                                                    Thread.deleted_at.is_(None)))
    factory.post(reactors["a"][0], thread=thread)  # reacted, commented, posted: told once
    db.session.commit()
    response = _draft(team, finding, locality_id=here.id)
    told = services.publish_response(team["reviewer"], response, dt.date(2026, 12, 2))
    db.session.commit()
    reacted_ids = {p.id for group in ("a", "b", "c") for p in reactors[group]}
    reacted_ids.add(reactors["refuser"].id)
    expected = reacted_ids | {people["twice"].id, people["once"].id}
    assert sorted(p.id for p in told) == sorted(expected)
    notes = sorted(db.session.scalars(select(Notification.user_id)))
    assert notes == sorted(expected)


def test_a_response_naming_no_locality_tells_no_thread_posters(app, team, reacted, posted):
    finding, _ = reacted
    _, people = posted
    response = _draft(team, finding)
    told = {p.id for p in services.publish_response(team["reviewer"], response,
                                                    dt.date(2026, 12, 2))}
    assert not told & {p.id for p in people.values()}
