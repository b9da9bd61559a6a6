"""Access rows for post actions, finding comments, the moderation queue and its log."""

from dialogue.discussion import services as posts
from tests.access import ADMIN, EVERYONE, MODERATOR, PRACTITIONER, SIGNED_IN, Route, World

MODERATORS = frozenset({MODERATOR, ADMIN})
AUTHOR = frozenset({PRACTITIONER})


def setup(world: World) -> None:
    author = world.users["practitioner"]
    # Each action gets its own post, so one row cannot spoil another's.
    world.own_post = posts.create_post(author, "Mine to edit.", thread=world.thread)
    world.own_post_to_delete = posts.create_post(author, "Mine to delete.", thread=world.thread)
    world.held_post = posts.create_post(author, "Waiting.", thread=world.thread)
    world.other_post = world.opening_post  # by the moderator: flaggable by others


ROUTES = [
    Route("moderation.show_post", "GET", lambda w: f"/posts/{w.other_post.id}", EVERYONE),
    # Its author (the moderator) and the moderators: an edit may have removed something.
    Route("moderation.history", "GET", lambda w: f"/posts/{w.other_post.id}/history",
          MODERATORS),
    Route("moderation.edit_post", "GET", lambda w: f"/posts/{w.own_post.id}/edit", AUTHOR),
    Route("moderation.edit_post", "POST", lambda w: f"/posts/{w.own_post.id}/edit", AUTHOR,
          data={"body": "Edited."}),
    Route("moderation.delete_post", "POST", lambda w: f"/posts/{w.own_post_to_delete.id}/delete",
          AUTHOR),
    Route("moderation.flag_post", "GET", lambda w: f"/posts/{w.other_post.id}/flag", SIGNED_IN),
    Route("moderation.flag_post", "POST", lambda w: f"/posts/{w.other_post.id}/flag", SIGNED_IN,
          data=lambda w: {f"flag-{w.other_post.id}-reason": "spam"}),
    Route("briefings.comment", "POST", lambda w: f"/findings/{w.finding.key}/comments",
          SIGNED_IN, data={"body": "A comment."}),
    Route("moderation.queue", "GET", "/moderation/", MODERATORS),
    Route("moderation.log", "GET", "/moderation/log", MODERATORS),
    Route("moderation.decide", "POST", lambda w: f"/moderation/posts/{w.held_post.id}/approve",
          MODERATORS),
    Route("moderation.suspend_author", "POST",
          lambda w: f"/moderation/posts/{w.held_post.id}/suspend", MODERATORS,
          data={"days": "1", "reason": "Sweep"}),
]
