"""Names and titles people type are isolated from the text around them (issue 16,
point 8): a right-to-left display name or thread title must not reorder what the page
says next to it ("by <name>, 3 days ago" read backwards).

One-line fields already refuse the bidirectional controls (tests/test_text_controls.py),
but right-to-left letters are ordinary text and still pull neutral characters (commas,
digits, brackets) into their run. Every page of the route sweep is read with every
user's display name, every thread's title and every workshop's title written in Hebrew;
wherever such text is shown in the page's body it must sit inside a ``<bdi>`` (or an
element with a ``dir`` attribute), which isolates it. A new page is covered without
editing this test.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from dialogue.auth.models import User
from dialogue.consensus.models import Statement
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.templating import BIDI_CONTROLS
from dialogue.workshops.models import Response, Workshop
from dialogue.workshops.qa import AudienceQuestion
from tests.access import ANONYMOUS, ROLES
from tests.routes import ALL_ROUTES, build_world

NAME = "שרה"  # "Sarah"
TITLE = "שיחה"  # "conversation"
# Multi-line text keeps what was typed, a right-to-left override included: "answer",
# then U+202E, which reverses what follows it to the end of its paragraph or isolate.
RLO = "\u202e"
ANSWER = "תשובה"
# Elements whose text is not laid out in the page's flow, or cannot hold a <bdi>; an
# SVG's <text> is one word placed by itself, with no neighbour to reorder.
NOT_FLOW = {"title", "script", "style", "option", "textarea", "text"}
ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Unisolated(HTMLParser):
    """The body text holding a marker with no isolating element around it."""

    def __init__(self, markers: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.markers = markers
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        isolates = tag == "bdi" or any(name == "dir" for name, _ in attrs)
        self.stack.append((tag, isolates))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        # Text between the isolate characters FSI and PDI is isolated without an element
        # (an SVG's description, which holds no markup).
        data = ISOLATED.sub("", data)
        if not any(marker in data for marker in self.markers):
            return
        if any(tag in NOT_FLOW or isolates for tag, isolates in self.stack):
            return
        self.found.append(" ".join(data.split())[:80])


def _unisolated(html: str) -> list[str]:
    parser = Unisolated((NAME, TITLE))
    parser.feed(html)
    return parser.found


def test_the_checker_sees_a_bare_name_and_passes_an_isolated_one():
    assert _unisolated(f"<p>by {NAME}, 3 days ago</p>") == [f"by {NAME}, 3 days ago"]
    assert _unisolated(f"<p>by <bdi>{NAME}</bdi>, 3 days ago</p>") == []
    assert _unisolated(f"<title>{TITLE}</title><option>{NAME}</option>") == []
    assert _unisolated(f'<p dir="auto">{TITLE}</p><p>{TITLE}<br>x</p>') == [TITLE]
    assert _unisolated(f"<desc>\u2068{TITLE}\u2069 (3), {NAME} (2)</desc>") == [
        f"(3), {NAME} (2)"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != ANONYMOUS] + [ANONYMOUS])
def test_names_and_titles_are_isolated_on_every_page(role, app, factory, login):
    world = build_world(factory)
    for user in db.session.scalars(select(User)):
        user.display_name = f"{NAME} {user.display_name}"
    for thread in db.session.scalars(select(Thread)):
        thread.title = f"{TITLE} {thread.title}"
    for workshop in db.session.scalars(select(Workshop)):
        workshop.title = f"{TITLE} {workshop.title}"
    db.session.commit()
    client = app.test_client()
    if role != ANONYMOUS:
        login(world.users[role], client)
    problems = []
    for route in ALL_ROUTES:
        if route.method != "GET" or role not in route.allowed:
            continue
        url = route.url(world) if callable(route.url) else route.url
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        problems += [f"{route.endpoint} {url}: {text!r}"
                     for text in _unisolated(response.get_data(as_text=True))]
    assert not problems, f"{len(problems)} unisolated:\n" + "\n".join(sorted(set(problems)))


def test_a_post_body_takes_its_own_direction(client, factory, login):
    """Multi-line text (a post, on the thread page and in the moderation queue) is laid
    out in its own direction: a Hebrew post reads right to left without reordering the
    author line or the buttons around it."""
    locality = factory.locality()
    author = factory.user()
    thread = factory.thread(locality, author, title="Plain title")
    factory.post(author, thread=thread, body=f"{TITLE} 1, 2, 3.", status="held")
    factory.post(author, thread=thread, body=f"{TITLE} 4, 5.")
    moderator = factory.user(role="moderator")
    login(moderator)
    pages = [client.get(f"/threads/{thread.id}"), client.get("/moderation/")]
    for page in pages:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert TITLE in html
        assert _unisolated(html) == [], page.request.path


@pytest.mark.parametrize("role", [r for r in ROLES if r != ANONYMOUS] + [ANONYMOUS])
def test_statements_answers_and_questions_are_isolated_on_every_page(role, app, factory,
                                                                     login):
    """Consensus statements, open-text answers and the audience's questions may hold a
    right-to-left override (multi-line text is stored as typed). Wherever a page shows
    one, it sits in a ``<bdi>`` or an element with ``dir``, so the override ends at the
    text's own edge instead of turning round the figures, buttons and words after it;
    and no page's ``<title>`` carries a control at all."""
    world = build_world(factory)
    for model in (Statement, Response, AudienceQuestion):
        for row in db.session.scalars(select(model).where(model.text.is_not(None))):
            row.text = f"{ANSWER}{RLO} {row.text}"
    db.session.commit()
    client = app.test_client()
    if role != ANONYMOUS:
        login(world.users[role], client)
    problems, seen = [], 0
    for route in ALL_ROUTES:
        if route.method != "GET" or role not in route.allowed:
            continue
        url = route.url(world) if callable(route.url) else route.url
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        seen += ANSWER in html
        parser = Unisolated((ANSWER,))
        parser.feed(html)
        problems += [f"{route.endpoint} {url}: {text!r}" for text in parser.found]
        title = html.partition("<title>")[2].partition("</title>")[0]
        if any(ch in BIDI_CONTROLS for ch in title):
            problems.append(f"{route.endpoint} {url}: a control in the title {title!r}")
    if role != ANONYMOUS:
        assert seen, "no page showed the text: the test would prove nothing"
    assert not problems, f"{len(problems)} unisolated:\n" + "\n".join(sorted(set(problems)))
