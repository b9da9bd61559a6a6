"""Pre-moderation, flags, the queue, decisions, locality limits, the audit log, deletion."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from dialogue.audit import AuditEvent
from dialogue.discussion import decisions
from dialogue.discussion import services as posts
from dialogue.discussion.models import Flag, Post, PostStatus
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.notifications.models import Notification
from tests.moderation.helpers import TagAudit


def _notes(user) -> list[str]:
    return list(db.session.scalars(select(Notification.text)
                                   .where(Notification.user_id == user.id)))


def test_first_posts_are_held_and_seen_only_by_their_author(client, login, factory, thread):
    newcomer = factory.user(name="Newcomer")
    first = forums.reply(newcomer, thread, "My first post")
    second = forums.reply(newcomer, thread, "My second post")
    db.session.commit()
    assert first.status == second.status == PostStatus.HELD
    assert b"My first post" not in client.get(f"/threads/{thread.id}").data
    login(newcomer)
    own_view = client.get(f"/threads/{thread.id}")
    assert b"My first post" in own_view.data and b"Awaiting moderation" in own_view.data
    moderator = factory.user(role="moderator")
    decisions.approve_post(first, moderator)
    decisions.approve_post(second, moderator)
    third = forums.reply(newcomer, thread, "Now I am trusted")
    db.session.commit()
    assert third.status == PostStatus.VISIBLE
    assert "A moderator approved your post; everyone can see it now." in _notes(newcomer)


def test_pre_moderation_count_is_configurable(app, factory, thread):
    app.config["PRE_MODERATED_POSTS"] = 1
    user = factory.user()
    held = forums.reply(user, thread, "one")
    decisions.approve_post(held, factory.user(role="admin"))
    assert forums.reply(user, thread, "two").status == PostStatus.VISIBLE


def test_flags_hide_a_post_at_the_threshold(client, login, factory, thread, trusted):
    author = factory.user()
    post = forums.reply(author, thread, "Something contentious")
    db.session.commit()
    for n in range(3):
        flagger = factory.user()
        login(flagger)
        response = client.post(f"/posts/{post.id}/flag",
                               data={f"flag-{post.id}-reason": "abusive"})
        assert response.status_code == 302
        db.session.refresh(post)
        assert post.status == (PostStatus.HIDDEN if n == 2 else PostStatus.VISIBLE)
    # The same person cannot flag twice; "other" needs words.
    again = client.post(f"/posts/{post.id}/flag", data={f"flag-{post.id}-reason": "spam"})
    assert again.status_code == 422
    assert db.session.scalar(select(func.count(Flag.id))) == 3
    assert b"Something contentious" not in client.get(f"/threads/{thread.id}").data
    events = db.session.scalars(select(AuditEvent.action)).all()
    assert "auto_hide" in events
    assert any("hidden" in text for text in _notes(author))


def test_flag_reason_other_needs_detail(client, login, factory, thread, trusted):
    post = forums.reply(factory.user(), thread, "Hmm")
    db.session.commit()
    login(factory.user())
    response = client.post(f"/posts/{post.id}/flag", data={f"flag-{post.id}-reason": "other"})
    assert response.status_code == 422 and b"Say what is wrong" in response.data


def test_queue_shows_held_and_flagged_and_decisions_are_audited(client, login, factory, thread,
                                                                 trusted):
    author = factory.user(name="Author")
    flagged = forums.reply(author, thread, "Flag me")
    posts.flag_post(flagged, factory.user(), "spam")
    thread.locality  # noqa: B018
    db.session.commit()
    moderator = factory.user(role="moderator", name="Mod")
    login(moderator)
    queue = client.get("/moderation/")
    assert b"Flag me" in queue.data and b"Spam or advertising" in queue.data
    hide = client.post(f"/moderation/posts/{flagged.id}/hide",
                       data={"reason": "Advertising a product",
                             "version": flagged.moderation_version})
    assert hide.status_code == 302
    db.session.refresh(flagged)
    assert flagged.status == PostStatus.HIDDEN and flagged.hidden_by_id == moderator.id
    assert flagged.body == "Flag me"  # the text is kept
    assert "A moderator hid your post. Reason: Advertising a product" in _notes(author)
    # The author sees the reason; others see a placeholder.
    login(author)
    own = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Advertising a product" in own
    restore = client.post(f"/moderation/posts/{flagged.id}/restore",
                          data={"version": flagged.moderation_version},
                          headers={"HX-Request": "true"})
    assert restore.status_code == 403  # the author is no moderator
    login(moderator)
    restore = client.post(f"/moderation/posts/{flagged.id}/restore",
                          data={"version": flagged.moderation_version},
                          headers={"HX-Request": "true"})
    assert restore.status_code == 200 and b"Restored." in restore.data
    log = client.get("/moderation/log").get_data(as_text=True)
    assert "hide" in log and "restore" in log and "Advertising a product" in log
    filtered = client.get("/moderation/log?action=restore").get_data(as_text=True)
    assert "Advertising a product" not in filtered


def test_hide_needs_a_reason(client, login, factory, thread, trusted):
    post = forums.reply(factory.user(), thread, "Text")
    db.session.commit()
    login(factory.user(role="moderator"))
    response = client.post(f"/moderation/posts/{post.id}/hide", data={"reason": ""},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    no_js = client.post(f"/moderation/posts/{post.id}/hide", data={"reason": "  "})
    assert no_js.status_code == 422 and b"There is a problem" in no_js.data
    assert b"Give a reason" in no_js.data
    db.session.refresh(post)
    assert post.status == PostStatus.VISIBLE


def test_locality_moderators_see_and_act_only_in_their_localities(client, login, factory,
                                                                  thread, trusted, finding):
    from dialogue.auth import services as accounts

    other_place = factory.locality("locality-b")
    elsewhere, _ = forums.create_thread(factory.user(role="admin"), other_place, "Elsewhere",
                                        "Opening")
    here_post = forums.reply(factory.user(), thread, "Held here")
    there_post = forums.reply(factory.user(), elsewhere, "Held there")
    comment = posts.create_post(factory.user(), "Held comment", finding=finding)
    for item in (here_post, there_post, comment):
        item.status = PostStatus.HELD
    local = factory.user(role="moderator")
    accounts.set_moderated_localities(local, [thread.locality], by=factory.user(role="admin"))
    db.session.commit()
    login(local)
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Held here" in queue and "Held there" not in queue and "Held comment" not in queue
    assert client.post(f"/moderation/posts/{there_post.id}/approve").status_code == 403
    assert client.post(f"/moderation/posts/{comment.id}/approve").status_code == 403
    assert client.post(f"/moderation/posts/{here_post.id}/approve").status_code == 302
    assert client.post(f"/threads/{elsewhere.id}/moderate",
                       data={"action": "lock"}).status_code == 403
    # An unrestricted moderator sees everything, finding comments included.
    login(factory.user(role="moderator"))
    everything = client.get("/moderation/?where=comments").get_data(as_text=True)
    assert "Held comment" in everything and "Held there" not in everything


def test_a_stale_decision_is_refused_as_already_handled(client, login, factory, thread):
    post = forums.reply(factory.user(), thread, "Held")
    db.session.commit()
    seen = post.moderation_version
    first, second = factory.user(role="moderator"), factory.user(role="moderator")
    login(first)
    assert client.post(f"/moderation/posts/{post.id}/approve",
                       data={"version": seen}).status_code == 302
    login(second)
    late = client.post(f"/moderation/posts/{post.id}/hide",
                       data={"version": seen, "reason": "No"}, headers={"HX-Request": "true"})
    assert late.status_code == 409 and b"already handled" in late.data
    db.session.refresh(post)
    assert post.status == PostStatus.VISIBLE
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action.in_(["approve", "hide"]))) == 1


def test_concurrent_moderators_end_in_one_state(app, factory, thread):
    """Two moderators in two threads (two connections) act on one post at the same time."""
    post = forums.reply(factory.user(), thread, "Contested")
    db.session.commit()
    post_id, seen = post.id, post.moderation_version
    moderators = [factory.user(role="moderator").id, factory.user(role="moderator").id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(index: int) -> None:
        from dialogue.auth.models import User
        from dialogue.transactions import write_transaction

        with app.app_context(), app.test_request_context(method="POST"), write_transaction():
            barrier.wait()
            moderator = db.session.get(User, moderators[index])
            target = db.session.get(Post, post_id)
            try:
                if index == 0:
                    decisions.approve_post(target, moderator, seen)
                else:
                    decisions.hide_post(target, moderator, "No", seen)
                db.session.commit()
                outcomes.append("done")
            except decisions.AlreadyHandled:
                db.session.rollback()
                outcomes.append("already handled")
            finally:
                db.session.remove()

    workers = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(outcomes) == ["already handled", "done"]
    db.session.rollback()  # end this test's own read transaction and its old snapshot
    final = db.session.get(Post, post_id)
    assert final.moderation_version == seen + 1
    audited = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_id == post_id, AuditEvent.action.in_(["approve", "hide"]))).all()
    assert len(audited) == 1
    assert final.status == (PostStatus.VISIBLE if audited[0] == "approve" else PostStatus.HIDDEN)


def test_suspension_stops_posting_and_is_logged(client, login, factory, thread, trusted):
    author = factory.user()
    post = forums.reply(author, thread, "Rude")
    db.session.commit()
    login(factory.user(role="moderator"))
    response = client.post(f"/moderation/posts/{post.id}/suspend",
                           data={"days": "7", "reason": "Repeated abuse"})
    assert response.status_code == 302
    db.session.refresh(author)
    assert author.is_suspended()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suspend")).reason \
        == "Repeated abuse"
    login(author)
    refused = client.post(f"/threads/{thread.id}/reply", data={"body": "Again"})
    assert refused.status_code in (409, 422)
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == author.id)) == 1


def test_deleting_twice_is_a_conflict_shown_in_place(client, login, factory, thread, trusted):
    author = factory.user()
    post = forums.reply(author, thread, "Twice")
    db.session.commit()
    login(author)
    htmx = {"HX-Request": "true"}
    assert client.post(f"/posts/{post.id}/delete", headers=htmx).status_code == 200
    again = client.post(f"/posts/{post.id}/delete", headers=htmx)
    assert again.status_code == 409
    assert b"already been deleted" in again.data and f'id="post-{post.id}"'.encode() in again.data
    assert "HX-Retarget" not in again.headers


def test_author_deletion_removes_the_text_everywhere(client, login, factory, thread, trusted):
    author = factory.user()
    post = forums.reply(author, thread, "Secret thoughts about my school")
    db.session.commit()
    posts.edit_post(post, author, "Secret thoughts, edited")
    db.session.commit()
    from dialogue.search import index as search

    assert search.search("Secret").total == 1  # indexed while visible
    login(author)
    response = client.post(f"/posts/{post.id}/delete")
    assert response.status_code == 302
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "deleted by its author" in page and "Secret thoughts" not in page
    # Nothing a research query could read still holds the text.
    texts = db.session.scalars(select(Post.body)).all()
    assert not any("Secret" in t for t in texts)
    from dialogue.discussion.models import PostRevision

    assert db.session.scalar(select(func.count(PostRevision.id))) == 0
    from dialogue.reports import contributions  # the research layer reads only visible posts

    assert contributions is not None
    assert db.session.get(Post, post.id).status == PostStatus.DELETED
    # The search index has dropped it too.
    assert search.search("Secret").total == 0


HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<div hx-post="/logout" hx-trigger="load">x</div>',
    '<a href="/x" hx-get="/admin/" hx-trigger="load">x</a>',
    "<img src=x onerror=alert(1)>",
    "![pixel](https://tracker.example/p.gif)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markdown_is_inert(client, factory, thread, trusted, hostile):
    forums.reply(factory.user(), thread, hostile)
    db.session.commit()
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    # The user's HTML (which may hold no <div>) sits inside the post body's <div>.
    opening = 'class="dialogue-post__body govuk-body" dir="auto">'
    body = page.split(opening)[-1].split("</div>", 1)[0]
    assert body.strip()
    audit_ = TagAudit()
    audit_.feed(body)
    for tag, attrs in audit_.tags:
        assert tag not in {"script", "img", "iframe", "style", "object", "embed"}, tag
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-hx")), (tag, name, value)
            if name in {"href", "src"}:
                assert not (value or "").lower().startswith(("javascript:", "data:")), value


def test_links_get_rel_nofollow_ugc(client, factory, thread, trusted):
    forums.reply(factory.user(), thread, "[site](https://example.org)")
    db.session.commit()
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert 'rel="nofollow ugc noopener"' in page


@pytest.fixture
def limited_app_config(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    app_config["POST_RATE_LIMIT"] = "2 per minute"
    return app_config


def test_posting_is_rate_limited_per_user(limited_app_config, client, login, factory, thread,
                                          trusted, app):
    first, second = factory.user(), factory.user()
    login(first)
    codes = [client.post(f"/threads/{thread.id}/reply", data={"body": f"n{i}"}).status_code
             for i in range(3)]
    assert codes == [302, 302, 429]
    # Another person on the same IP address (the same school) is not affected.
    login(second)
    assert client.post(f"/threads/{thread.id}/reply", data={"body": "mine"}).status_code == 302


def test_moderators_see_held_posts_in_place_and_can_approve_there(client, login, factory,
                                                                  thread):
    held = forums.reply(factory.user(), thread, "Held for review")
    db.session.commit()
    login(factory.user(role="moderator"))
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Held for review" in page and "Awaiting moderation" in page
    response = client.post(f"/moderation/posts/{held.id}/approve",
                           data={"version": held.moderation_version,
                                 "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/moderation/")  # no open redirect
    db.session.refresh(held)
    assert held.status == PostStatus.VISIBLE


def test_removed_threads_leave_search(factory, thread, trusted):
    from dialogue.search import index as search

    forums.reply(factory.user(), thread, "Peer review between schools")
    db.session.commit()
    assert search.search("peer review").total == 1
    moderator = factory.user(role="moderator")
    forums.moderate_thread(thread, moderator, "remove")
    db.session.commit()
    assert search.search("peer review").total == 0
    assert search.search("clusters").total == 0
    forums.moderate_thread(thread, moderator, "restore")
    db.session.commit()
    assert search.search("peer review").total == 1
