"""Posts, their edit history and flags: the discussion shared by every feature.

A post belongs to one place (a forum thread or a finding: the ``thread_id`` and
``finding_id`` columns keep the database's integrity and cascades); this layer never
looks at what the place is, it asks the context registry (``dialogue.discussion.contexts``).

Moderation is data, not deletion: hiding keeps the text, who hid it, when and why.
Only an author's own deletion removes the text.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue import refusals
from dialogue.db import Base, ProfileSnapshot, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from dialogue.auth.models import User


class PostStatus(enum.StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # pre-moderation: only its author sees it, marked "awaiting moderation"
    HIDDEN = "hidden"  # by a moderator or by the flag threshold; the text is kept
    DELETED = "deleted"  # by its author; the text is removed


class FlagReason(enum.StrEnum):
    OFF_TOPIC = "off_topic"
    PERSONAL_INFORMATION = "personal_information"
    ABUSIVE = "abusive"
    SPAM = "spam"
    OTHER = "other"


FLAG_REASON_LABELS = {
    FlagReason.OFF_TOPIC: "Off-topic",
    FlagReason.PERSONAL_INFORMATION: "Shares personal information",
    FlagReason.ABUSIVE: "Abusive or offensive",
    FlagReason.SPAM: "Spam or advertising",
    FlagReason.OTHER: "Something else",
}


class InvalidTransition(refusals.InvalidTransition):
    """A moderation or author action that the post's current state does not allow."""


# Which states each action may start from. Services also put these in the WHERE clause
# of a conditional UPDATE, so two moderators acting at once cannot both succeed.
TRANSITIONS: dict[str, tuple[PostStatus, ...]] = {
    "approve": (PostStatus.HELD, PostStatus.VISIBLE),  # visible: keep it, dismiss flags
    "hide": (PostStatus.HELD, PostStatus.VISIBLE, PostStatus.HIDDEN),  # hidden: confirm
    "restore": (PostStatus.HIDDEN,),
    "delete": (PostStatus.HELD, PostStatus.VISIBLE, PostStatus.HIDDEN),
    "edit": (PostStatus.HELD, PostStatus.VISIBLE),
}


class Post(TimestampMixin, ProfileSnapshot, Base):
    """One piece of user-written discussion: a forum post or a comment on a finding."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (finding_id IS NULL)", name="one_context"),
        CheckConstraint("status IN ('visible', 'held', 'hidden', 'deleted')", name="status"),
        Index("ix_posts_thread_status_created", "thread_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the standing threads' opening posts, which the research team wrote.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text, default="")  # markdown exactly as typed
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered once, at write time
    edited_at: Mapped[datetime | None]
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    # Comments: the comment this replies to (one level). Forums: the post quoted.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=PostStatus.VISIBLE, index=True)
    approved_at: Mapped[datetime | None]  # when it first became visible
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(1000), default="")
    deleted_at: Mapped[datetime | None]
    # Bumped by every moderation decision: a decision made on a stale view is refused.
    moderation_version: Mapped[int] = mapped_column(default=1)

    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL"), index=True
    )
    # With ProfileSnapshot: the author's locality when writing, for research breakdowns.
    author_locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL")
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.status}>"

    # --- guarded transitions ------------------------------------------------------
    def check(self, action: str) -> tuple[PostStatus, ...]:
        """The states ``action`` may start from; raises if this post is not in one."""
        allowed = TRANSITIONS[action]
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {action} a {self.status} post")
        return allowed

    @property
    def html(self) -> Markup:
        """The stored HTML, which ``render_user_markdown`` sanitised when it was written."""
        return Markup(self.body_html)  # noqa: S704 - sanitised by nh3 at write time

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.VISIBLE

    @property
    def is_held(self) -> bool:
        return self.status == PostStatus.HELD

    @property
    def is_hidden(self) -> bool:
        return self.status == PostStatus.HIDDEN

    @property
    def is_deleted(self) -> bool:
        return self.status == PostStatus.DELETED

    @property
    def context_kind(self) -> str:
        """The kind of place this post belongs to, as the context registry names it."""
        return "thread" if self.thread_id is not None else "finding"

    @property
    def context_id(self) -> int:
        return self.thread_id if self.thread_id is not None else self.finding_id

    def editable_by(self, user, now: datetime | None = None,
                    window: timedelta | None = None) -> bool:
        """The author, within the edit window, while the post is held or visible.

        A page of fifty posts passes ``now`` and ``window`` once rather than re-reading them.
        """
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.author_id != user.id or self.status not in TRANSITIONS["edit"]:
            return False
        window = window if window is not None else current_app.config["EDIT_WINDOW"]
        return (now or utcnow()) - self.created_at <= window


class PostRevision(Base):
    """An earlier text of an edited post."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this text was replaced

    @property
    def html(self) -> Markup:
        return Markup(self.body_html)  # noqa: S704 - sanitised by nh3 when first written


class Flag(Base):
    """Someone signed in saying a post needs a moderator's attention."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "flagger_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    flagger_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[FlagReason] = mapped_column(enum_column(FlagReason, "flag_reason"))
    detail: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    flagger: Mapped[User | None] = relationship(lazy="raise")


def in_context(kind: str):
    """The SQL condition "the post belongs to a place of this kind"."""
    column = Post.thread_id if kind == "thread" else Post.finding_id
    return column.is_not(None)
