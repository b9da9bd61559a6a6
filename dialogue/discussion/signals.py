"""What happens to posts, as Flask (blinker) signals the features above subscribe to.

Every signal is sent with the application as sender and the post as ``post``, inside
the request's transaction (subscribers flush, never commit). Features connect their
receivers in their ``init_app`` with ``signal.connect(receiver, app)``.
"""

from __future__ import annotations

from flask import current_app
from flask.signals import Namespace

_signals = Namespace()

# The post became visible to everyone: posted, approved, restored, or published by the
# demo loader. ``first_time`` is False when it had been visible before (a restore), so
# followers are not told twice.
post_published = _signals.signal("post-published")
# The author changed the text (held or visible post).
post_edited = _signals.signal("post-edited")
# A moderator decided on a post: ``moderator`` and ``was_held`` (approving a held post
# publishes it; approving a visible one keeps it and dismisses its flags).
post_approved = _signals.signal("post-approved")
# No longer shown to others: ``moderator`` (None when flags hid it) and ``reason``.
post_hidden = _signals.signal("post-hidden")
# A hidden post shown again, by ``moderator`` (post_published follows).
post_restored = _signals.signal("post-restored")
# The author deleted the post; its text is gone.
post_deleted = _signals.signal("post-deleted")


def send(signal, post, **extra) -> None:
    """Send ``signal`` about ``post`` from the current application."""
    signal.send(current_app._get_current_object(), post=post, **extra)
