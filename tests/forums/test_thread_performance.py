"""A thread page costs a constant number of SQL queries, however many replies it has."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from sqlalchemy import event

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.markdown import render_user_markdown
from dialogue.moderation.models import Post, PostStatus
from tests.moderation.conftest import make_finding


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _thread_with_replies(factory, locality, replies: int, title: str):
    authors = [factory.user(name=f"Voice {title} {n}", commit=False) for n in range(25)]
    starter = factory.user(role="moderator", commit=False)
    thread, _ = forums.create_thread(starter, locality, title, "Opening post")
    body = ("A reply with **markdown**, a [link](https://example.org) and a finding: "
            "/findings/perf-finding\n\n> quoted line\n\n- one\n- two")
    html = render_user_markdown(body)
    now = utcnow()
    db.session.add_all([
        Post(thread_id=thread.id, author_id=authors[n % len(authors)].id, body=body,
             body_html=html, status=PostStatus.VISIBLE, approved_at=now,
             locality_id=locality.id, edited_at=now if n % 7 == 0 else None)
        for n in range(replies)
    ])
    db.session.commit()
    return thread


def test_thread_page_queries_do_not_grow_with_replies(client, login, factory, locality):
    make_finding("perf-finding", "A finding for the cards", figure="42%")
    small = _thread_with_replies(factory, locality, 10, "small")
    large = _thread_with_replies(factory, locality, 500, "large")
    viewer = factory.user()
    login(viewer)
    counts = {}
    for name, url in [("small", f"/threads/{small.id}"), ("large", f"/threads/{large.id}"),
                      ("large, last page", f"/threads/{large.id}?page=11")]:
        client.get(url)  # warm caches (templates, compiled statements)
        with counting_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(statements)
    assert counts["small"] == counts["large"] == counts["large, last page"], counts
    assert counts["large"] <= 14, counts
    page = client.get(f"/threads/{large.id}").get_data(as_text=True)
    assert page.count('class="dialogue-post ') == 50  # paginated
    assert "A finding for the cards" in page and "42%" in page


def test_thread_page_render_time(client, login, factory, locality, capsys):
    """Measures (and reports) what a page of a 500-reply thread costs to render."""
    thread = _thread_with_replies(factory, locality, 500, "timed")
    login(factory.user())
    url = f"/threads/{thread.id}"
    client.get(url)
    timings = []
    for _ in range(15):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    with capsys.disabled():
        print(f"\n500-reply thread, first page of 50 posts: median {median * 1000:.1f} ms "
              f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}) over 15 requests")
    assert median < 1.0  # a generous ceiling; the figure itself is what we report
