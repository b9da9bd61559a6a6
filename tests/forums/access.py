"""Access rows for the locality forums."""

from dialogue.forums import services as forums
from dialogue.localities import all_localities
from tests.access import ADMIN, EVERYONE, MODERATOR, SIGNED_IN, Route, World

MODERATORS = frozenset({MODERATOR, ADMIN})


def setup(world: World) -> None:
    world.forum_locality = all_localities()[0]
    forums.ensure_standing_threads([world.forum_locality])
    author = world.users["moderator"]  # not pre-moderated, so the thread is public
    world.thread, world.opening_post = forums.create_thread(
        author, world.forum_locality, "Sweep thread", "An opening post.")


ROUTES = [
    Route("forums.index", "GET", "/localities/", EVERYONE),
    Route("forums.locality", "GET", lambda w: f"/localities/{w.forum_locality.slug}", EVERYONE),
    Route("forums.new_thread", "GET", lambda w: f"/localities/{w.forum_locality.slug}/new",
          SIGNED_IN),
    Route("forums.new_thread", "POST", lambda w: f"/localities/{w.forum_locality.slug}/new",
          SIGNED_IN, data={"title": "A new thread", "body": "Some words."}),
    Route("forums.thread", "GET", lambda w: f"/threads/{w.thread.id}", EVERYONE),
    Route("forums.reply", "POST", lambda w: f"/threads/{w.thread.id}/reply", SIGNED_IN,
          data={"body": "A reply."}),
    Route("forums.thread_subscription", "POST",
          lambda w: f"/threads/{w.thread.id}/subscription", SIGNED_IN),
    Route("forums.locality_subscription", "POST",
          lambda w: f"/localities/{w.forum_locality.slug}/subscription", SIGNED_IN),
    Route("forums.moderate_thread", "POST", lambda w: f"/threads/{w.thread.id}/moderate",
          MODERATORS, data={"action": "pin"}),
]
