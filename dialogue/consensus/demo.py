"""Demo consensus map: one finished locality conversation whose votes show two groups.

``seed_demo_conversation()`` is idempotent. The votes come from ``planted_votes``,
which the tests and the benchmark also use: participants drawn from known opinion
groups, each voting on a share of the statements with some noise.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import insert, select

from dialogue.auth import services as accounts
from dialogue.auth.models import User
from dialogue.consensus import analysis, maps, research, services
from dialogue.consensus.models import Conversation, Statement, Vote
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.profiles import EducationRole, Phase

DEMO_TITLE = "What would make the school-led system work here?"
DEMO_LOCALITY = "locality-c"
DEMO_FACILITATOR = "facilitator@dialogue.example.org"
VOTER_DOMAIN = "consensus.demo.dialogue.example.org"
VOTERS = 48

# Statements the two demo camps answer differently (+1: the collaborative camp agrees,
# -1: the trust camp agrees), and two that everyone shares (0).
DEMO_STATEMENTS = [
    ("Pupils' wellbeing should come before league tables.", 0),
    ("Teachers need time in the week to learn from other schools.", 0),
    ("The local authority should still convene every school in the area.", 1),
    ("Joining a multi-academy trust gives a school the support it needs.", -1),
    ("Schools improve fastest when they collaborate rather than compete.", 1),
    ("A trust's central curriculum frees teachers to focus on teaching.", -1),
    ("Ofsted grades push schools apart.", 1),
    ("Competition between schools drives standards up.", -1),
    ("Small rural schools are left out of the new system.", 1),
    ("Headteachers in a strong trust have enough say over their school.", -1),
    ("Teaching school hubs reach the schools that need them most.", -1),
    ("Nobody is responsible for all the children in this locality any more.", 1),
    ("Sharing staff between schools works only when heads trust each other.", 1),
    ("The best trusts should take over struggling schools quickly.", -1),
]
PROFILES = [
    (EducationRole.HEADTEACHER, Phase.PRIMARY), (EducationRole.TEACHER, Phase.SECONDARY),
    (EducationRole.GOVERNOR, Phase.PRIMARY), (EducationRole.SENIOR_LEADER, Phase.SECONDARY),
    (EducationRole.TRUST_OR_LA_OFFICER, Phase.OTHER), (EducationRole.TEACHER, Phase.PRIMARY),
]
Votes = list[tuple[int, int, int]]


def planted_votes(participants: int, statements: int, groups: int, *, rate: float = 0.6,
                  noise: float = 0.15, shared: int = 0, seed: int = 18,
                  stances: np.ndarray | None = None) -> tuple[Votes, list[int]]:
    """Votes ``(participant, statement, value)`` (0-based indexes) from planted groups.

    Participant i belongs to group ``i % groups``; each group has a stance on every
    statement (random, or ``stances`` of shape (groups, statements)); the first
    ``shared`` statements everyone agrees with. Each participant votes on a share
    ``rate`` of the statements (always at least the shared ones); with probability
    ``noise`` a vote is random instead of the group's stance. Returns the votes and
    each participant's true group."""
    rng = np.random.default_rng(seed)
    if stances is None:
        stances = rng.choice([-1, 1], size=(groups, statements))
    stances[:, :shared] = 1
    truth = [i % groups for i in range(participants)]
    votes = []
    for person in range(participants):
        chosen = rng.random(statements) < rate
        chosen[:shared] = True
        random_votes = rng.choice([-1, 0, 1], size=statements)
        noisy = rng.random(statements) < noise
        for j in np.flatnonzero(chosen):
            value = random_votes[j] if noisy[j] else stances[truth[person], j]
            votes.append((person, int(j), int(value)))
    return votes, truth


def seed_demo_conversation(owner: User | None = None) -> list[str]:
    """Add the finished demo conversation with its voters and map, unless it is there."""
    if db.session.scalar(select(Conversation.id).where(Conversation.title == DEMO_TITLE)):
        return []
    owner = owner or accounts.find_user_by_email(DEMO_FACILITATOR)
    locality = db.session.scalar(select(Locality).where(Locality.slug == DEMO_LOCALITY))
    if owner is None or locality is None:
        raise RuntimeError("Load the demo accounts and localities first (flask dialogue demo).")
    conversation = services.create_conversation(
        owner, title=DEMO_TITLE, locality=locality,
        prompt="What we mean by a self-improving school-led system, how it is developing "
               "here and how it might be enhanced: agree, disagree or pass on each statement.")
    statements = [services.add_statement(conversation, owner, text, seed=True)
                  for text, _camp in DEMO_STATEMENTS]
    voters = _voters(locality)
    camps = np.array([[camp or 1 for _text, camp in DEMO_STATEMENTS],
                      [-camp or 1 for _text, camp in DEMO_STATEMENTS]])
    votes, _truth = planted_votes(len(voters), len(statements), 2, rate=0.8, noise=0.1,
                                  seed=2018, stances=camps)
    _insert_votes(conversation, statements, voters, votes)
    conversation.version += len(votes)
    conversation.close()
    db.session.flush()
    data = maps.load_input(conversation.id)
    maps.store(conversation.id, data.version,
               {**analysis.compute_map(data.votes, data.statement_ids, data.profiles),
                "version": data.version})
    research.store_research_map(conversation.id,
                                research.research_map(research.research_votes(conversation.id)))
    db.session.flush()
    return [f"consensus map {DEMO_TITLE} ({len(voters)} voters, {len(votes)} votes)"]


def _voters(locality: Locality) -> list[User]:
    rows = [{"email": f"voter{n}@{VOTER_DOMAIN}", "display_name": f"Demo voter {n}",
             "password_hash": "!", "session_version": 1, "active": True,
             "education_role": PROFILES[n % len(PROFILES)][0],
             "phase": PROFILES[n % len(PROFILES)][1], "locality_id": locality.id,
             "research_consent": n % 10 != 0, "created_at": utcnow()}
            for n in range(1, VOTERS + 1)]
    db.session.execute(insert(User), rows)
    return list(db.session.scalars(select(User).where(User.email.like(f"%@{VOTER_DOMAIN}"))
                                   .order_by(User.id)))


def _insert_votes(conversation: Conversation, statements: list[Statement],
                  voters: list[User], votes: list[tuple[int, int, int]]) -> None:
    now = utcnow()
    rows = [{"conversation_id": conversation.id, "statement_id": statements[j].id,
             "user_id": voters[i].id, "value": value, "created_at": now, "updated_at": now,
             "education_role": voters[i].education_role, "phase": voters[i].phase,
             "locality_id": voters[i].locality_id}
            for i, j, value in votes]
    db.session.execute(insert(Vote), rows)
