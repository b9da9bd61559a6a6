"""What the person reading may do with the posts of one place, worked out once per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.discussion.models import Post


@dataclass(frozen=True)
class Viewer:
    """The reader's powers over posts in one place (a page shows fifty posts: the
    permission checks and the clock are read once, not once per post)."""

    user: Any
    id: int | None
    moderates: bool
    contributes: bool
    now: datetime
    edit_window: timedelta

    def is_author(self, post: Post) -> bool:
        return self.id is not None and post.author_id == self.id

    def may_edit(self, post: Post) -> bool:
        return post.editable_by(self.user, self.now, self.edit_window)


def viewer_for(user, locality_id: int | None) -> Viewer:
    """``user``'s powers over posts in a locality (None: finding comments)."""
    signed_in = getattr(user, "is_authenticated", False)
    return Viewer(
        user=user,
        id=user.id if signed_in else None,
        moderates=permissions.can_moderate(user, locality_id),
        contributes=permissions.can_contribute(user),
        now=utcnow(),
        edit_window=current_app.config["EDIT_WINDOW"],
    )
