"""Comments on findings: the shared template, replies, counts, retirement, moderation."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from dialogue.briefings.comments import comment_counts, comment_section
from dialogue.discussion import decisions
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post, PostStatus
from dialogue.extensions import db
from tests.moderation.helpers import TagAudit


def _render(finding) -> str:
    with db.session.no_autoflush:
        return render_template("briefings/_comments.html", finding=finding,
                               comments=comment_section(finding))


def test_comment_without_js_then_reply_one_level(client, login, factory, finding, trusted):
    user = factory.user(name="Commenter", phase="primary")
    login(user)
    response = client.post(f"/findings/{finding.key}/comments", data={"body": "This matches."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/findings/{finding.key}#post-1")
    top = db.session.scalar(select(Post).where(Post.finding_id == finding.id))
    assert top.locality_id is None and top.phase == "primary"  # the profile at that moment
    reply = client.post(f"/findings/{finding.key}/comments",
                        data={"body": "Reply", "parent_id": str(top.id)})
    assert reply.status_code == 302
    # A reply to a reply still hangs off the top-level comment: one level only.
    child = db.session.scalar(select(Post).where(Post.body == "Reply"))
    client.post(f"/findings/{finding.key}/comments",
                data={"body": "Deeper", "parent_id": str(child.id)})
    deeper = db.session.scalar(select(Post).where(Post.body == "Deeper"))
    assert child.parent_id == top.id and deeper.parent_id == top.id


def test_comment_with_htmx_returns_the_section(client, login, factory, finding, trusted):
    login(factory.user())
    response = client.post(f"/findings/{finding.key}/comments", data={"body": "**Yes**"},
                           headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="comments-{finding.id}"' in text and "<strong>Yes</strong>" in text
    assert "Comments (1)" in text


def test_empty_overlong_and_retired_comments_are_refused_with_text_kept(client, login, factory,
                                                                       finding, trusted):
    login(factory.user())
    empty = client.post(f"/findings/{finding.key}/comments", data={"body": ""},
                        headers={"HX-Request": "true"})
    assert empty.status_code == 422 and b"Enter some text" in empty.data
    long_text = "x" * 10_001
    long = client.post(f"/findings/{finding.key}/comments", data={"body": long_text})
    assert long.status_code == 422 and long_text.encode() in long.data
    retired = factory.finding("old-one", "Retired finding", retired=True)
    refused = client.post(f"/findings/{retired.key}/comments", data={"body": "Still true"})
    assert refused.status_code == 409 and b"retired" in refused.data
    assert db.session.scalar(select(Post.id)) is None


def test_template_shows_sign_in_prompt_and_hides_held_comments(app, client, factory, finding):
    newcomer = factory.user()
    held = posts.create_post(newcomer, "Held comment", finding=finding)
    db.session.commit()
    assert held.status == PostStatus.HELD
    with app.test_request_context(f"/findings/{finding.key}"):
        html = _render(finding)
    assert "Sign in" in html and "Held comment" not in html and "No comments yet." in html


def test_comment_counts_are_visible_only(app, factory, trusted):
    one, two = factory.finding("f-one", "One"), factory.finding("f-two", "Two")
    author = factory.user()
    posts.create_post(author, "a", finding=one)
    posts.create_post(author, "b", finding=one)
    hidden = posts.create_post(author, "c", finding=two)
    decisions.hide_post(hidden, factory.user(role="admin"), "No")
    db.session.commit()
    assert comment_counts([one.id, two.id]) == {one.id: 2}
    assert comment_counts([]) == {}


def test_flagging_and_hiding_comments_uses_the_shared_moderation(client, login, factory,
                                                                   finding, trusted):
    comment = posts.create_post(factory.user(), "Off topic rant", finding=finding)
    db.session.commit()
    for _ in range(3):
        login(factory.user())
        client.post(f"/posts/{comment.id}/flag", data={f"flag-{comment.id}-reason": "off_topic"})
    db.session.refresh(comment)
    assert comment.status == PostStatus.HIDDEN
    login(factory.user(role="moderator"))
    queue = client.get("/moderation/?where=comments").get_data(as_text=True)
    assert "Off topic rant" in queue and "A finding" in queue


def test_hostile_comment_is_inert(app, factory, finding, trusted):
    posts.create_post(factory.user(), '<script>x</script><b hx-get="/x">b</b>[j](javascript:y)',
                      finding=finding)
    db.session.commit()
    with app.test_request_context(f"/findings/{finding.key}"):
        html = _render(finding)
    audit_ = TagAudit()
    audit_.feed(html)
    assert "script" not in {tag for tag, _ in audit_.tags}
    assert not [attrs for _, attrs in audit_.tags if attrs.get("hx-get") == "/x"]
    assert not [a for _, a in audit_.tags if (a.get("href") or "").startswith("javascript:")]


def test_finding_page_shows_the_comments(client, login, factory, finding, trusted):
    login(factory.user(name="Reader One"))
    client.post(f"/findings/{finding.key}/comments", data={"body": "Seen this in *my* school"})
    page = client.get(f"/findings/{finding.key}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Seen this in <em>my</em> school" in text and f'id="comments-{finding.id}"' in text
