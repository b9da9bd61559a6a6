"""Text holding a right-to-left override (U+202E) where the page sweep cannot put it
(issue 16, point 8): search snippets, page titles, plain-text mail and the word cloud.

The sweep (test_bidi_isolation.py) covers the statements, answers and questions of every
page; research outputs are in tests/reports/test_bidi_quotes.py. Multi-line text is
stored as typed, the override included: only what is shown changes.
"""

from __future__ import annotations

from sqlalchemy import select

from dialogue.extensions import db
from dialogue.mail import OutboxMessage, outbox
from dialogue.notifications.models import Notification
from dialogue.notifications.services import notify
from dialogue.search import index as search
from dialogue.templating import BIDI_CONTROLS, FSI, PDI
from dialogue.workshops.wordcloud import word_counts
from tests.security.test_bidi_isolation import Unisolated

RLO = "\u202e"
WORD = "תשובה"  # "answer"
TEXT = f"{WORD}{RLO} 3 schools, 2 trusts"


def _unisolated(html: str, marker: str = WORD) -> list[str]:
    parser = Unisolated((marker,))
    parser.feed(html)
    return parser.found


def _title(html: str) -> str:
    return html.partition("<title>")[2].partition("</title>")[0]


def test_a_search_snippet_and_title_are_isolated(app, client):
    search.index_document("post", 7, f"Re: {WORD}{RLO} ideas", f"Clusters: {TEXT} agree.",
                          "/forums/posts/7")
    db.session.commit()
    page = client.get(f"/search?q={WORD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count(WORD) >= 3  # the result's title, its snippet and the query
    assert _unisolated(html) == []
    assert not any(ch in BIDI_CONTROLS for ch in _title(html))
    assert WORD in _title(html)


def test_a_page_title_loses_the_controls_its_text_holds(app, client, factory, login):
    """Text stored before one-line fields refused the controls (or written by a
    script) keeps them; the ``<title>`` shows it without them, the page isolates it."""
    locality = factory.locality()
    author = factory.user()
    thread = factory.thread(locality, author, title="Plain title")
    factory.post(author, thread=thread, body="The opening post.")
    thread.title = f"{WORD}{RLO} 12 heads"
    db.session.commit()
    html = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert _title(html).startswith(f"{WORD} 12 heads \N{EN DASH} ")
    assert f"<bdi>{WORD}{RLO} 12 heads</bdi>" in html
    assert db.session.get(type(thread), thread.id).title == f"{WORD}{RLO} 12 heads"


def test_plain_text_mail_isolates_what_people_wrote(app, factory):
    app.config["MAIL_BACKEND"] = "log"  # notifications are mailed with a real backend
    user = factory.user(name=f"{WORD}{RLO} 2")
    notify(user, f"New reply in “{TEXT}”", "/posts/5")
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    text = message.text_body
    assert RLO not in text and RLO not in message.subject
    assert f"Hello {FSI}{WORD} 2{PDI}," in text
    assert f"{FSI}New reply in “{WORD} 3 schools, 2 trusts”{PDI}" in text
    assert message.subject == f"Dialogue: New reply in “{WORD} 3 schools, 2 trusts”"
    assert _unisolated(message.html_body) == []
    # The stored text keeps what was written.
    assert db.session.scalar(select(Notification.text)) == f"New reply in “{TEXT}”"


def test_the_account_mails_isolate_a_name_and_drop_its_controls(app, client, factory):
    user = factory.user(email="sara@school.example.org", name=f"{WORD}{RLO} 2")
    client.post("/password/forgot", data={"email": user.email})
    [message] = outbox()
    text = message.get_body(("plain",)).get_content()
    assert f"Hello {FSI}{WORD} 2{PDI}," in text and RLO not in text


def test_word_cloud_words_never_carry_a_control():
    """Each word of a cloud is its own ``<text>`` in the SVG and its own table cell, so
    it has no neighbour to reorder; and a word is letters only, never a control."""
    words = dict(word_counts([TEXT, f"{RLO}{WORD} again", f"more{RLO}time"]))
    assert WORD in words
    assert not any(ch in BIDI_CONTROLS for word in words for ch in word)
