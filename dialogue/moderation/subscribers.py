"""What moderation does when a post changes: tell its author, keep its search entry.

Connected to the discussion signals by ``dialogue.moderation.init_app``. A post's search
entry points at its permalink (``moderation.show_post``), which finds its page.
"""

from __future__ import annotations

from flask import Flask, url_for

from dialogue.auth.models import User
from dialogue.discussion import contexts, signals
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.notifications.services import notify
from dialogue.search import index as search


def post_url(post: Post) -> str:
    """A post's permalink: a redirect to the page (and place) where it is shown."""
    return url_for("moderation.show_post", post_id=post.id)


def index_post(post: Post) -> None:
    """Give a post everyone can see its search entry, or take any other post out of
    search (hidden, held, deleted, or in a place that is no longer shown)."""
    context = contexts.context_of(post)
    if post.is_visible and context.listed(post):
        search.index_document("post", post.id, context.title(post), post.body,
                              post_url(post), locality_id=post.locality_id)
    else:
        search.remove_document("post", post.id)


def _tell_author(post: Post, text: str) -> None:
    if post.author_id is not None:
        notify(db.session.get(User, post.author_id), text, post_url(post))


def _search_entry(sender, post: Post, **extra) -> None:
    index_post(post)


def _approved(sender, post: Post, was_held: bool, **extra) -> None:
    if was_held:
        _tell_author(post, "A moderator approved your post; everyone can see it now.")


def _hidden(sender, post: Post, moderator, reason: str, **extra) -> None:
    if moderator is None:
        _tell_author(post, "Your post has been hidden after several people flagged it. "
                     "A moderator will review it.")
    else:
        _tell_author(post, f"A moderator hid your post. Reason: {reason}")


def _restored(sender, post: Post, **extra) -> None:
    _tell_author(post, "A moderator restored your post; everyone can see it again.")


def connect(app: Flask) -> None:
    """Subscribe this application's moderation to the discussion signals."""
    for signal in (signals.post_published, signals.post_edited, signals.post_hidden,
                   signals.post_deleted):
        signal.connect(_search_entry, app)
    signals.post_approved.connect(_approved, app)
    signals.post_hidden.connect(_hidden, app)
    signals.post_restored.connect(_restored, app)
