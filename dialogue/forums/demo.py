"""Demo forums: standing threads everywhere, a few conversations, and moderator work."""

from __future__ import annotations

from sqlalchemy import select

from dialogue.discussion import services as posts
from dialogue.discussion.models import FlagReason, Post, PostStatus
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.forums.models import Thread
from dialogue.moderation.subscribers import index_post

DEMO_THREADS = [
    ("locality-a", "Sharing subject leadership across our cluster",
     "Our primary cluster has started sharing subject leads between schools. Has anyone "
     "made this work without a teaching school alliance behind it?",
     ["We tried it for maths. It worked while the heads trusted each other; it stalled "
      "when one school joined a trust.",
      "The research found networks depend on trust and reciprocity. See "
      "/findings/networks-collaboration-widespread for what it says."]),
    ("locality-b", "What does the trust's central team actually do for us?",
     "Since joining the MAT our curriculum is set centrally. Is that **coercive autonomy** "
     "or just efficiency?",
     ["Both, perhaps. We gained support on finance and lost say over the curriculum."]),
    ("national", "Ofsted grades and collaboration",
     "Does chasing an outstanding grade stop schools collaborating with neighbours?",
     ["In our town it did: the outstanding school stopped sharing once it had a rival."]),
]


def load_demo(people) -> list[str]:
    """Add standing threads, demo threads, one held post and one flagged post (idempotent)."""
    added = [f"standing thread {t.title} ({t.locality.name})"
             for t in forums.ensure_standing_threads()]
    voices = people.practitioners or [people.by_role["practitioner"]]
    for index, (slug, title, opening, replies) in enumerate(DEMO_THREADS):
        locality = people.localities.get(slug)
        if locality is None or db.session.scalar(
                select(Thread.id).where(Thread.locality_id == locality.id,
                                        Thread.title == title)) is not None:
            continue
        author = voices[index % len(voices)]
        thread, opening_post = forums.create_thread(author, locality, title, opening)
        _publish_now(opening_post)
        for offset, text in enumerate(replies, start=1):
            _publish_now(forums.reply(voices[(index + offset) % len(voices)], thread, text))
        added.append(f"thread {title}")

    # Work for the moderator: one post held for approval, one flagged.
    practice = db.session.scalar(select(Thread).where(Thread.standing_key == "practice")
                                 .order_by(Thread.id))
    if practice is not None and db.session.scalar(
            select(Post.id).where(Post.thread_id == practice.id,
                                  Post.status == PostStatus.HELD)) is None:
        newcomer = voices[-1]
        post = forums.reply(newcomer, practice, "First time here. In our area the local "
                            "authority still convenes heads every term, trust or not.")
        post.status, post.approved_at = PostStatus.HELD, None
        index_post(post)  # out of search until a moderator approves it
        added.append("a held post awaiting approval")
        flagged = forums.reply(voices[0], practice,
                               "Anyone who disagrees with me here clearly has not read it.")
        _publish_now(flagged)
        db.session.flush()
        posts.flag_post(flagged, voices[1], FlagReason.ABUSIVE, "Dismissive of others")
        added.append("a flagged post")
    db.session.flush()
    return added


def _publish_now(post: Post) -> Post:
    # Demo voices skip pre-moderation so the forums have something to read.
    return posts.publish_unreviewed(post)
