"""Own-data download and account deletion (remove or anonymise), and the erasure log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dialogue.auth.models import ConsentEvent, User
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.privacy import services as privacy
from dialogue.privacy.models import ErasureRecord
from dialogue.reports.contributions import all_contributions
from dialogue.search.index import SearchDocument
from dialogue.workshops.models import Participant, Response
from tests.factories import PASSWORD


@pytest.fixture
def app_config(app_config):
    app_config["PRE_MODERATED_POSTS"] = 0  # posts visible at once, so research sees them
    return app_config


def _forum(factory, author, other):
    locality = factory.locality()
    mine, first = forums.create_thread(author, locality, "A thread I started", "My opening post")
    forums.reply(other, mine, "Someone else's reply")
    theirs, _ = forums.create_thread(other, locality, "Their thread", "Their opening")
    reply = forums.reply(author, theirs, "My reply in their thread")
    lonely, _ = forums.create_thread(author, locality, "Nobody answered", "Alone here")
    db.session.commit()
    return mine, theirs, lonely, first, reply


def _eligible_user_ids() -> set[int]:
    c = all_contributions()
    return {uid for uid in db.session.scalars(select(c.c.user_id)) if uid is not None}


def test_download_holds_account_consent_and_contributions(app, factory, login, client):
    author, other = factory.user(name="Ann Author"), factory.user()
    _forum(factory, author, other)
    login(author)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["account"]["display_name"] == "Ann Author"
    assert document["account"]["email"] == author.email
    assert "password_hash" not in document["account"]
    assert "session_version" not in document["account"]
    records = document["records"]
    assert len(records["consent_events"]) == 1
    bodies = {post["body"] for post in records["posts"]}
    assert bodies == {"My opening post", "My reply in their thread", "Alone here"}
    assert {t["title"] for t in records["threads"]} == {"A thread I started", "Nobody answered"}
    # Nobody else's contributions, and nobody else's id.
    assert "Someone else's reply" not in response.get_data(as_text=True)
    assert all("hidden_by_id" not in post for post in records["posts"])


def test_download_needs_sign_in(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_anonymise_keeps_posts_unlinked_and_out_of_research(app, factory, login, client):
    author, other = factory.user(), factory.user()
    _mine, _theirs, lonely, _first, reply = _forum(factory, author, other)
    author_id = author.id
    assert author_id in _eligible_user_ids()
    login(author)
    response = client.post("/account/delete", data={"mode": "anonymise", "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.get(User, author_id) is None
    post = db.session.get(type(reply), reply.id)
    assert post is not None and post.author_id is None and post.body == "My reply in their thread"
    assert db.session.get(type(lonely), lonely.id).author_id is None
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)
                             .where(ConsentEvent.user_id == author_id)) == 0
    assert author_id not in _eligible_user_ids()
    record = db.session.scalar(select(ErasureRecord).where(ErasureRecord.user_id == author_id))
    assert record.mode == "anonymise"
    with app.test_request_context():
        assert privacy.read_erasure_log()[-1]["user_id"] == author_id
    # The old session cookie is refused now.
    assert client.get("/account/privacy").status_code == 302


def test_remove_deletes_what_they_wrote(app, factory, login, client):
    author, other = factory.user(), factory.user()
    mine, theirs, lonely, first, reply = _forum(factory, author, other)
    Post, Thread = type(reply), type(mine)
    ids = {name: obj.id for name, obj in
           {"mine": mine, "theirs": theirs, "lonely": lonely, "first": first,
            "reply": reply}.items()}
    login(author)
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Post, ids["reply"]) is None
    assert db.session.get(Post, ids["first"]) is None
    assert db.session.get(Thread, ids["lonely"]) is None  # nothing left in it
    kept = db.session.get(Thread, ids["mine"])  # other people replied: their words stay
    assert kept is not None and kept.author_id is None
    assert db.session.scalar(select(func.count()).select_from(Post)
                             .where(Post.thread_id == ids["mine"])) == 1
    assert db.session.get(Thread, ids["theirs"]) is not None


def test_wrong_password_deletes_nothing(app, factory, login, client):
    user = factory.user()
    login(user)
    response = client.post("/account/delete", data={"mode": "remove", "password": "nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Your password is not right" in page
    assert 'value="remove" checked' in page  # the choice made is kept
    assert db.session.get(User, user.id) is not None


def test_missing_mode_is_refused_with_a_message(app, factory, login, client):
    user = factory.user()
    login(user)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 422
    assert "Choose what should happen" in response.get_data(as_text=True)
    assert db.session.get(User, user.id) is not None


def test_owner_of_restricted_rows_is_told_what_to_do(app, factory, login, client):
    owner = factory.user(role="facilitator")
    factory.workshop(owner)
    db.session.commit()
    login(owner)
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 422
    assert "Hand them over" in response.get_data(as_text=True)
    assert db.session.get(User, owner.id) is not None


def test_remove_asks_every_feature_to_erase_what_it_owns(app, factory, login, client):
    author, other = factory.user(), factory.user(role="facilitator")
    finding = factory.finding()
    comment, kept = factory.post(author, finding=finding), factory.post(other, finding=finding)
    workshop, question, options = factory.workshop(other)
    answer = factory.response(workshop, question, author, option=options[0])
    thread, opening = forums.create_thread(author, factory.locality(), "Alone", "Nobody came")
    db.session.commit()
    ids = {"comment": comment.id, "kept": kept.id, "answer": answer.id,
           "participant": answer.participant_id, "thread": thread.id, "opening": opening.id}
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)
                             .where(SearchDocument.ref_id.in_([thread.id, opening.id]))) >= 1
    login(author)
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Post, ids["comment"]) is None  # briefings: their comment
    assert db.session.get(Post, ids["kept"]) is not None  # nobody else's
    assert db.session.get(Response, ids["answer"]) is None  # workshops: their answer
    assert db.session.get(Participant, ids["participant"]).user_id is None
    assert db.session.get(Post, ids["opening"]) is None  # forums: posts and empty threads
    found = db.session.execute(select(SearchDocument.kind, SearchDocument.ref_id)).all()
    assert ("thread", ids["thread"]) not in found and ("post", ids["opening"]) not in found


def test_download_follows_rows_owned_through_a_parent(app, factory, login, client):
    author, facilitator = factory.user(), factory.user(role="facilitator")
    workshop, question, options = factory.workshop(facilitator)
    factory.response(workshop, question, author, option=options[1])
    _thread, opening = forums.create_thread(author, factory.locality(), "Revised", "First go")
    posts.edit_post(opening, author, "Second go")
    db.session.commit()
    login(author)
    records = json.loads(client.get("/account/data.json").get_data(as_text=True))["records"]
    assert [r["option_id"] for r in records["workshop_responses"]] == [options[1].id]
    assert [r["body"] for r in records["post_revisions"]] == ["First go"]


def test_reapplying_an_erasure(app, factory):
    user = factory.user()
    user_id = user.id
    with app.test_request_context():
        erased = privacy.reapply_erasures([{"user_id": user_id, "mode": "anonymise"}])
        db.session.commit()
    assert erased == [user_id]
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(select(ErasureRecord.mode)
                             .where(ErasureRecord.user_id == user_id)) == "anonymise"
