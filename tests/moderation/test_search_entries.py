"""Search entries follow what everyone can see (issue 16, point 2), and a post's edit
history is its author's and its moderators' only.

The search runs on the test database's engine: SQLite FTS5 here, PostgreSQL full text
with TEST_DATABASE_URL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogue.discussion import decisions
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.search import index as search


def _found(words: str, kind: str | None = None) -> int:
    return search.search(words, kinds=[kind] if kind else None).total


@pytest.fixture
def opened(factory, locality, trusted):
    """A public thread whose opening post says something personal, with one reply."""
    starter = factory.user(name="Starter")
    thread, opening = forums.create_thread(
        starter, locality, "Sharing a moderation rota",
        "Ask Mrs Hargreaves at Elmfield about the rota.")
    forums.reply(factory.user(), thread, "We share ours across three schools.")
    db.session.commit()
    assert _found("Hargreaves") >= 1
    return thread, opening, starter


def test_an_opening_post_hidden_by_a_moderator_leaves_search_and_returns_on_restore(
        factory, opened):
    _, opening, _ = opened
    moderator = factory.user(role="moderator")
    decisions.hide_post(opening, moderator, "Names a teacher")
    db.session.commit()
    assert _found("Hargreaves") == 0
    assert _found("moderation rota", "thread") == 1  # the title, still shown, stays findable
    decisions.restore_post(opening, moderator)
    db.session.commit()
    assert _found("Hargreaves", "thread") == 1
    assert _found("Hargreaves", "post") == 1


def test_an_opening_post_deleted_by_its_author_leaves_search(opened):
    _, opening, starter = opened
    posts.delete_post(opening, starter)
    db.session.commit()
    assert _found("Hargreaves") == 0


def test_an_opening_post_hidden_by_flags_leaves_search(app, factory, opened):
    _, opening, _ = opened
    for _ in range(app.config["FLAGS_TO_HIDE"]):
        posts.flag_post(opening, factory.user(), "personal_information")
    db.session.commit()
    assert db.session.get(Post, opening.id).is_hidden
    assert _found("Hargreaves") == 0


def test_a_reply_hidden_by_flags_or_deleted_leaves_search(app, factory, opened):
    thread, _, _ = opened
    author = factory.user()
    flagged = forums.reply(author, thread, "Peer review between federations")
    deleted = forums.reply(author, thread, "Governors from the diocese")
    db.session.commit()
    for _ in range(app.config["FLAGS_TO_HIDE"]):
        posts.flag_post(flagged, factory.user(), "off_topic")
    posts.delete_post(deleted, author)
    db.session.commit()
    assert _found("federations") == 0
    assert _found("diocese") == 0


def test_a_removed_thread_stays_out_of_search_when_its_posts_change(factory, opened):
    thread, opening, starter = opened
    moderator = factory.user(role="moderator")
    forums.moderate_thread(thread, moderator, "remove")
    db.session.commit()
    assert _found("rota") == 0 and _found("Hargreaves") == 0
    posts.edit_post(opening, starter, "Ask Mrs Hargreaves again about the rota.")
    db.session.commit()
    assert _found("Hargreaves") == 0  # an edit does not bring a removed thread back
    forums.moderate_thread(thread, moderator, "restore")
    db.session.commit()
    assert _found("Hargreaves", "thread") == 1 and _found("Hargreaves", "post") == 1


def test_edit_history_is_for_the_author_and_moderators_only(client, login, factory, opened):
    _, opening, starter = opened
    posts.edit_post(opening, starter, "Ask at Elmfield about the rota.")
    db.session.commit()
    url = f"/posts/{opening.id}/history"
    assert client.get(url).status_code == 302  # signed out: sign in first
    login(factory.user())
    assert client.get(url).status_code == 403
    page = client.get(f"/threads/{opening.thread_id}").get_data(as_text=True)
    assert "edited" in page and url not in page  # no link to what it cannot read
    for reader in (starter, factory.user(role="moderator")):
        login(reader)
        history = client.get(url)
        assert history.status_code == 200 and b"Hargreaves" in history.data
    assert db.session.scalar(select(Post.body).where(Post.id == opening.id)) == (
        "Ask at Elmfield about the rota.")
