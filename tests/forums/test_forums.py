"""Locality spaces, standing threads, threads, replies, editing, subscriptions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dialogue.auth.models import User
from dialogue.discussion.models import Post, PostRevision, PostStatus
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.forums.models import Subscription, Thread
from dialogue.localities import add_locality


def test_standing_threads_are_created_once_for_every_locality(app, factory):
    factory.locality()
    first = forums.ensure_standing_threads()
    added = add_locality("Locality E")
    second = forums.ensure_standing_threads()
    again = forums.ensure_standing_threads()
    db.session.commit()
    assert len(first) == 15 and len(second) == 3 and again == []
    titles = {t.title for t in db.session.scalars(
        select(Thread).where(Thread.locality_id == added.id))}
    assert any("mean here" in t for t in titles)
    assert any("in practice" in t for t in titles)
    assert any("enhanced" in t for t in titles)


def test_index_and_locality_pages_list_threads_pinned_first(client, factory, locality, thread):
    forums.ensure_standing_threads([locality])
    db.session.commit()
    index = client.get("/localities/")
    assert index.status_code == 200
    assert b"Locality A" in index.data and b"National" in index.data
    page = client.get(f"/localities/{locality.slug}")
    text = page.get_data(as_text=True)
    # Standing threads are pinned, so they come before the newer ordinary thread.
    assert text.index("What should a self-improving") < text.index("How do clusters work here?")


def test_reply_without_js_redirects_and_shows_the_reply(client, login, factory, thread, trusted):
    user = factory.user(name="Replier")
    login(user)
    response = client.post(f"/threads/{thread.id}/reply", data={"body": "We meet *monthly*."})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert b"<em>monthly</em>" in page.data
    post = db.session.scalar(select(Post).where(Post.body == "We meet *monthly*."))
    assert post.status == PostStatus.VISIBLE
    assert post.locality_id == thread.locality_id


def test_reply_with_htmx_returns_the_post_and_a_fresh_form(client, login, factory, thread,
                                                           trusted):
    login(factory.user())
    response = client.post(f"/threads/{thread.id}/reply", data={"body": "By htmx."},
                           headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="reply-form"' in text and 'hx-swap-oob="beforeend:#posts"' in text
    assert "By htmx." in text


def test_empty_and_overlong_replies_are_refused_with_the_text_kept(client, login, factory,
                                                                  thread, trusted):
    login(factory.user())
    empty = client.post(f"/threads/{thread.id}/reply", data={"body": "   "})
    assert empty.status_code == 422 and b"Enter some text" in empty.data
    long_text = "word " * 2001
    too_long = client.post(f"/threads/{thread.id}/reply", data={"body": long_text})
    assert too_long.status_code == 422
    assert b"10,000 characters or fewer" in too_long.data
    assert long_text[:200].encode() in too_long.data  # kept in the form
    nul = client.post(f"/threads/{thread.id}/reply", data={"body": "a\x00b"})
    assert nul.status_code in (400, 422)  # NUL bytes are refused site-wide
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 1


def test_new_thread_form_keeps_text_and_refuses_missing_title(client, login, factory, locality):
    login(factory.user())
    response = client.post(f"/localities/{locality.slug}/new",
                           data={"title": "", "body": "My opening words"})
    assert response.status_code == 422
    assert b"Enter a title" in response.data and b"My opening words" in response.data
    ok = client.post(f"/localities/{locality.slug}/new",
                     data={"title": "Our thread", "body": "My opening words"})
    assert ok.status_code == 302
    created = db.session.scalar(select(Thread).where(Thread.title == "Our thread"))
    assert created is not None
    # The author follows their own thread.
    assert db.session.scalar(select(Subscription).where(Subscription.thread_id == created.id))


def test_locked_and_removed_threads_refuse_replies(client, login, factory, thread, trusted):
    moderator = factory.user(role="moderator")
    login(factory.user())
    forums.moderate_thread(thread, moderator, "lock")
    db.session.commit()
    locked = client.post(f"/threads/{thread.id}/reply", data={"body": "Let me in"})
    assert locked.status_code == 409 and b"locked" in locked.data
    assert b"Let me in" in locked.data
    forums.moderate_thread(thread, moderator, "unlock")
    forums.moderate_thread(thread, moderator, "remove")
    db.session.commit()
    removed = client.post(f"/threads/{thread.id}/reply", data={"body": "Still here?"})
    assert removed.status_code == 404
    assert client.get(f"/threads/{thread.id}").status_code == 404
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 1


def test_suspended_user_cannot_post(client, login, factory, thread, locality):
    from dialogue.db import utcnow

    user = factory.user(suspended_until=utcnow() + timedelta(days=2))
    login(user)
    reply = client.post(f"/threads/{thread.id}/reply", data={"body": "Hello"})
    assert reply.status_code in (409, 422) and b"cannot post" in reply.data
    new = client.post(f"/localities/{locality.slug}/new", data={"title": "T", "body": "B"})
    assert new.status_code == 403 and b"suspended" in new.data


def test_editing_keeps_history_within_the_window(app, client, login, factory, thread, trusted):
    author = factory.user()
    post = forums.reply(author, thread, "First words")
    db.session.commit()
    login(author)
    response = client.post(f"/posts/{post.id}/edit", data={"body": "Better words"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.body == "Better words" and post.edited_at is not None
    history = client.get(f"/posts/{post.id}/history")
    assert b"First words" in history.data and b"Better words" in history.data
    # Someone else cannot edit it.
    login(factory.user())
    assert client.post(f"/posts/{post.id}/edit", data={"body": "Mine now"}).status_code == 403
    # After the window, the author cannot either.
    app.config["EDIT_WINDOW"] = timedelta(seconds=0)
    login(author)
    late = client.post(f"/posts/{post.id}/edit", data={"body": "Too late"})
    db.session.refresh(post)
    assert late.status_code == 302 and post.body == "Better words"
    assert db.session.scalar(select(func.count(PostRevision.id))) == 1


def test_subscribers_are_notified_of_replies(app, client, login, factory, thread, trusted):
    from dialogue.notifications.models import Notification

    follower = factory.user(name="Follower")
    locality_follower = factory.user(name="Locality follower")
    forums.subscribe(follower, thread=thread)
    forums.subscribe(locality_follower, locality=thread.locality)
    db.session.commit()
    replier = factory.user()
    login(replier)
    client.post(f"/threads/{thread.id}/reply", data={"body": "News"})
    notes = db.session.scalars(select(Notification)).all()
    recipients = {n.user_id for n in notes}
    assert follower.id in recipients and locality_follower.id in recipients
    assert replier.id not in recipients
    assert all(n.url.startswith("/posts/") for n in notes)


def test_subscription_toggle(client, login, factory, thread):
    user = factory.user()
    login(user)
    client.post(f"/threads/{thread.id}/subscription", data={"follow": "yes"})
    assert forums.is_subscribed(user, thread=thread)
    client.post(f"/threads/{thread.id}/subscription", data={"follow": "no"})
    assert not forums.is_subscribed(user, thread=thread)


def test_linked_finding_shows_as_a_card(client, factory, thread, trusted):
    finding = factory.finding("networks-trust", "Trust makes networks work", figure="61%")
    forums.reply(factory.user(), thread, "See /findings/networks-trust for the evidence.")
    db.session.commit()
    page = client.get(f"/threads/{thread.id}")
    assert b"Trust makes networks work" in page.data
    assert b"61%" in page.data
    assert finding.key.encode() in page.data


def test_moderator_can_lock_and_pin(client, login, factory, thread):
    moderator = factory.user(role="moderator")
    login(moderator)
    client.post(f"/threads/{thread.id}/moderate", data={"action": "pin"})
    client.post(f"/threads/{thread.id}/moderate", data={"action": "lock"})
    db.session.refresh(thread)
    assert thread.pinned and thread.locked
    login(factory.user())
    assert client.post(f"/threads/{thread.id}/moderate",
                       data={"action": "unlock"}).status_code == 403


def test_a_new_accounts_thread_stays_out_of_listings_until_approved(client, login, factory,
                                                                    locality):
    from dialogue.discussion import decisions as posts

    newcomer = factory.user()
    new_thread, opening = forums.create_thread(newcomer, locality, "Buy cheap essays", "spam")
    db.session.commit()
    assert opening.status == PostStatus.HELD
    assert b"Buy cheap essays" not in client.get(f"/localities/{locality.slug}").data
    assert client.get(f"/threads/{new_thread.id}").status_code == 404
    login(newcomer)
    assert b"Buy cheap essays" in client.get(f"/localities/{locality.slug}").data
    assert client.get(f"/threads/{new_thread.id}").status_code == 200
    posts.approve_post(opening, factory.user(role="moderator"))
    db.session.commit()
    login(factory.user())
    assert b"Buy cheap essays" in client.get(f"/localities/{locality.slug}").data


def test_restoring_a_post_does_not_notify_followers_again(factory, thread, trusted):
    from dialogue.discussion import decisions as posts
    from dialogue.notifications.models import Notification

    follower = factory.user()
    forums.subscribe(follower, thread=thread)
    post = forums.reply(factory.user(), thread, "Once")
    moderator = factory.user(role="moderator")
    posts.hide_post(post, moderator, "Check")
    posts.restore_post(post, moderator)
    db.session.commit()
    texts = db.session.scalars(select(Notification.text)
                               .where(Notification.user_id == follower.id)).all()
    assert len(texts) == 1


def test_posting_needs_the_csrf_token(app, client, login, factory, thread, trusted):
    app.config["WTF_CSRF_ENABLED"] = True
    login(factory.user())
    response = client.post(f"/threads/{thread.id}/reply", data={"body": "No token"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Post.id)).where(Post.body == "No token")) == 0


def test_threads_and_posts_are_searchable_and_leave_search_when_hidden(factory, thread,
                                                                       trusted):
    from dialogue.discussion import decisions as posts
    from dialogue.search import index as search

    assert search.search("clusters").total >= 1  # the thread's title and opening post
    post = forums.reply(factory.user(), thread, "Federations of small rural schools")
    db.session.commit()
    assert search.search("rural federations").total == 1
    posts.hide_post(post, factory.user(role="moderator"), "Off topic")
    db.session.commit()
    assert search.search("rural federations").total == 0


def test_editing_the_opening_post_updates_the_threads_search_entry(factory, thread, trusted):
    from dialogue.discussion import services as posts
    from dialogue.search import index as search

    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id)
                                .order_by(Post.id))
    author = db.session.get(User, opening.author_id)
    posts.edit_post(opening, author, "Tell us about your teaching school alliance.")
    db.session.commit()
    found = search.search("alliance")
    assert {(hit.kind, hit.ref_id) for hit in found.items} >= {("thread", thread.id),
                                                               ("post", opening.id)}
