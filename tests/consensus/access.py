"""Access rows for the consensus maps."""

import datetime as dt

from dialogue.consensus import room
from dialogue.consensus import services as consensus
from dialogue.localities import all_localities
from dialogue.workshops import services as workshops
from tests.access import (
    ADMIN,
    EVERYONE,
    FACILITATOR,
    MODERATOR,
    RESEARCHER,
    SIGNED_IN,
    Route,
    World,
)

STARTERS = frozenset({FACILITATOR, RESEARCHER, ADMIN})
MODERATORS = frozenset({FACILITATOR, MODERATOR, ADMIN})  # the owner is the facilitator
RUNNERS = frozenset({FACILITATOR, ADMIN})
RESEARCHERS = frozenset({RESEARCHER, ADMIN})


def setup(world: World) -> None:
    owner = world.users["facilitator"]
    place = next(loc for loc in all_localities() if loc.slug != "national")
    world.conversation = consensus.create_conversation(
        owner, title="Sweep map", prompt="What should the system mean here?", locality=place,
        requires_approval=True)
    world.statement = consensus.add_statement(world.conversation, owner,
                                              "Schools should share leaders.", seed=True)
    world.hideable = consensus.add_statement(world.conversation, owner,
                                             "Trusts know best.", seed=True)
    world.flaggable = consensus.add_statement(world.conversation, owner,
                                              "Flag me if you like.", seed=True)
    world.held = consensus.add_statement(world.conversation, world.users["practitioner"],
                                         "Local authorities still matter.")
    # A workshop running a map, and one without a map yet (its start form).
    world.room_workshop = workshops.create_workshop(owner, title="Sweep room",
                                                    date=dt.date.today(), locality_id=None)
    workshops.add_question(world.room_workshop, owner, kind="open_text", prompt="Anything?")
    workshops.control(world.room_workshop, owner, "next")
    world.room_map = room.start_map(world.room_workshop, owner, title="Sweep room map",
                                    seeds=["Phones can vote on this."])
    world.room_statement = consensus.statements_of(world.room_map)[0]
    world.mapless_workshop = workshops.create_workshop(owner, title="Sweep room, no map",
                                                       date=dt.date.today(), locality_id=None)


def _page(w: World, rest: str = "") -> str:
    return f"/consensus/{w.conversation.id}{rest}"


ROUTES = [
    Route("consensus.index", "GET", "/consensus/", EVERYONE),
    Route("consensus.new", "GET", "/consensus/new", STARTERS),
    Route("consensus.new", "POST", "/consensus/new", STARTERS,
          data={"title": "A new map", "space": "national", "seeds": "One idea."}),
    Route("consensus.conversation", "GET", _page, EVERYONE),
    Route("consensus.polis_export", "GET", lambda w: _page(w, "/polis-export.zip"), RESEARCHERS),
    Route("consensus.results", "GET", lambda w: _page(w, "/results"), EVERYONE),
    Route("consensus.vote", "POST", lambda w: _page(w, f"/statements/{w.statement.id}/vote"),
          SIGNED_IN, data={"vote": "agree"}),
    Route("consensus.add_statement", "POST", lambda w: _page(w, "/statements"), SIGNED_IN,
          data={"text": "A statement of my own."}),
    Route("consensus.approve", "POST", lambda w: _page(w, f"/statements/{w.held.id}/approve"),
          MODERATORS),
    Route("consensus.hide", "POST", lambda w: _page(w, f"/statements/{w.hideable.id}/hide"),
          MODERATORS, data={"reason": "Off-topic"}),
    Route("consensus.flag", "GET", lambda w: _page(w, f"/statements/{w.flaggable.id}/flag"),
          SIGNED_IN),
    Route("consensus.flag", "POST", lambda w: _page(w, f"/statements/{w.flaggable.id}/flag"),
          SIGNED_IN, data={"reason": "spam"}),
    Route("consensus.change_state", "POST", lambda w: _page(w, "/state"), RUNNERS),
    # The workshop activity: the workshop's runners; the phones are anyone with the code
    # (without the join cookie they are sent to the join page, which counts as access).
    Route("consensus.room_manage", "GET", lambda w: f"/workshops/{w.room_workshop.id}/map",
          RUNNERS),
    Route("consensus.room_manage", "POST",
          lambda w: f"/workshops/{w.mapless_workshop.id}/map", RUNNERS,
          data={"title": "A room map", "seeds": "One idea."}),
    Route("consensus.room_screen", "GET",
          lambda w: f"/workshops/{w.room_workshop.id}/map/screen", RUNNERS),
    Route("consensus.room_screen_toggle", "POST",
          lambda w: f"/workshops/{w.room_workshop.id}/map/screen", RUNNERS,
          data={"shown": "0"}),
    Route("consensus.room_phone", "GET", lambda w: f"/j/{w.room_workshop.code}/map",
          EVERYONE),
    Route("consensus.room_phone_vote", "GET",
          lambda w: f"/j/{w.room_workshop.code}/map/vote", EVERYONE),
    Route("consensus.room_vote", "POST",
          lambda w: f"/j/{w.room_workshop.code}/map/statements/{w.room_statement.id}/vote",
          EVERYONE, data={"vote": "agree"}),
    Route("consensus.room_add_statement", "POST",
          lambda w: f"/j/{w.room_workshop.code}/map/statements", EVERYONE,
          data={"text": "A statement from the room."}),
]
