"""Demo data for research: the default codebook, a few codings, and a bulk generator of
synthetic contributions for benchmarks (``flask dialogue demo --contributions N``)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, insert, select

from dialogue.auth.models import User
from dialogue.briefings.models import Briefing, Finding, Reaction, ReactionAnswer
from dialogue.db import utcnow
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.localities import Locality
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.reports import services
from dialogue.reports.models import Coding
from dialogue.workshops.models import Option, Participant, Question, Response, Workshop

BATCH = 5000
SYNTHETIC_DOMAIN = "synthetic.dialogue.invalid"

OPENINGS = [
    "In our school", "Across our trust", "Locally", "From where I sit", "In my experience",
    "For small primaries like ours", "Since we converted", "In the local authority",
]
MIDDLES = [
    "the inspection framework still decides what we prioritise",
    "competition for pupils shapes almost every decision governors make",
    "the cluster we belong to shares staff and training",
    "nobody owns school improvement for maintained schools any more",
    "disadvantaged pupils lose out when schools compete for the strongest intake",
    "research evidence reaches us mostly through our trust's central team",
    "decisions are made by a board we rarely meet",
    "partnerships depend on a few headteachers who trust each other",
]
ENDINGS = [
    "and that has not changed in five years.", "which worries our staff.",
    "so the finding rings true.", "though it varies between phases.",
    "and parents notice it too.", "but the picture is mixed.",
]


def load_demo(people) -> list[str]:
    """Seed the codebook and code a few demo posts (idempotent)."""
    added = [f"research code {name}" for name in services.seed_codebook()]
    researcher = people.by_role.get("researcher")
    if researcher is None or db.session.scalar(select(func.count(Coding.id))):
        return added
    codes = {c.code: c for c in services.codebook()}
    posts = db.session.execute(select(Post.id, Post.finding_id).where(Post.status == "visible")
                               .order_by(Post.id).limit(6)).all()
    for i, (post_id, finding_id) in enumerate(posts):
        name = ("hierarchy", "markets", "networks", "knowledge", "equity", "legitimacy")[i]
        services.toggle_coding(researcher, codes[name].id,
                               "comment" if finding_id else "post", post_id)
    if posts:
        added.append(f"{len(posts)} demo coding(s)")
    return added


def _text(rng: random.Random) -> str:
    return f"{rng.choice(OPENINGS)} {rng.choice(MIDDLES)}, {rng.choice(ENDINGS)}"


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start:start + BATCH])


def generate_contributions(people, count: int, *, seed: int = 2018) -> list[str]:
    """Bulk-insert ``count`` synthetic contributions with core INSERTs (for benchmarks).

    Roughly 40% reactions, 20% comments on findings, 25% forum posts and 15% workshop
    responses, from synthetic practitioners (one in ten without research consent) spread
    over localities, phases and the last 180 days; a few posts are held, hidden or deleted.
    Each call adds new people and contributions.
    """
    rng = random.Random(seed + count)
    now = utcnow()
    # Evidence only: a methods statement (the overview's) takes no reactions.
    findings = list(db.session.scalars(
        select(Finding.id).join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.retired_at.is_(None), Briefing.kind != "methods")
        .order_by(Finding.id)))
    localities = list(db.session.scalars(select(Locality.id).order_by(Locality.position)))
    if not findings or not localities:
        raise RuntimeError("Load the briefings and localities first (flask dialogue demo).")
    n_reactions, n_comments = int(count * 0.40), int(count * 0.20)
    n_posts = int(count * 0.25)
    n_responses = count - n_reactions - n_comments - n_posts

    # People: enough that each reacts to each finding at most once.
    n_people = max(50, -(-n_reactions // len(findings)) + 1, count // 25)
    run = db.session.scalar(select(func.count(User.id)).where(
        User.email.like(f"%@{SYNTHETIC_DOMAIN}"))) or 0
    roles, phases, types = list(EducationRole), list(Phase), list(SchoolType)
    people_rows = []
    for i in range(n_people):
        people_rows.append({
            "email": f"p{run + i}@{SYNTHETIC_DOMAIN}", "display_name": f"Synthetic {run + i}",
            "password_hash": "!", "session_version": 1, "active": True,
            "education_role": rng.choice(roles), "phase": rng.choice(phases),
            "school_type": rng.choice(types), "locality_id": rng.choice(localities),
            "research_consent": rng.random() > 0.1, "created_at": now,
        })
    _insert(User, people_rows)
    users = db.session.execute(
        select(User.id, User.education_role, User.phase, User.school_type, User.locality_id)
        .where(User.email.like(f"%@{SYNTHETIC_DOMAIN}")).order_by(User.id.desc())
        .limit(n_people)).all()

    def when():
        return now - timedelta(seconds=rng.randint(0, 180 * 86400))

    def snapshot(user):
        return {"education_role": user.education_role, "phase": user.phase,
                "school_type": user.school_type}

    # Reactions: distinct (finding, person) pairs.
    answers = list(ReactionAnswer)
    pairs = rng.sample(range(len(users) * len(findings)), n_reactions)
    reaction_rows = []
    for pair in pairs:
        user, finding = users[pair // len(findings)], findings[pair % len(findings)]
        at = when()
        reaction_rows.append({"finding_id": finding, "user_id": user.id,
                              "answer": rng.choices(answers, weights=(5, 3, 2))[0],
                              "created_at": at, "updated_at": at, **snapshot(user),
                              "locality_id": user.locality_id})
    _insert(Reaction, reaction_rows)

    threads = []
    for locality in localities:
        _insert(Thread, [{"locality_id": locality, "title": f"Synthetic thread {run}-{k}",
                          "author_id": users[0].id, "last_activity_at": now, "created_at": now,
                          "pinned": False, "locked": False, "is_standing": False}
                         for k in range(3)])
    threads = db.session.execute(select(Thread.id, Thread.locality_id)
                                 .where(Thread.title.like(f"Synthetic thread {run}-%"))).all()

    statuses = ["visible"] * 94 + ["held"] * 2 + ["hidden"] * 3 + ["deleted"]
    post_rows = []
    for i in range(n_comments + n_posts):
        user = rng.choice(users)
        body = _text(rng)
        status = rng.choice(statuses)
        row = {"author_id": user.id, "body": body, "body_html": f"<p>{body}</p>",
               "status": status, "created_at": when(), "moderation_version": 1,
               "hidden_reason": "", **snapshot(user), "author_locality_id": user.locality_id,
               "thread_id": None, "finding_id": None, "locality_id": None}
        if i < n_comments:
            row["finding_id"] = rng.choice(findings)
        else:
            thread_id, locality_id = rng.choice(threads)
            row["thread_id"], row["locality_id"] = thread_id, locality_id
        post_rows.append(row)
    _insert(Post, post_rows)

    # Workshops: one per 300 responses, each with a single-choice and a scale question.
    owner = people.by_role["facilitator"]
    n_workshops = max(1, n_responses // 300, -(-n_responses // (2 * len(users))))
    for w in range(n_workshops):
        workshop = Workshop(title=f"Synthetic workshop {run}-{w}", date=now.date(),
                            locality_id=localities[w % len(localities)], owner_id=owner.id,
                            code=f"{rng.randrange(16**6):06X}", code_expires_at=now,
                            state="closed", closed_at=now)
        db.session.add(workshop)
        db.session.flush()
        single = Question(workshop_id=workshop.id, position=1, kind="single", state="closed",
                          prompt="Which best describes school improvement where you work?")
        scale = Question(workshop_id=workshop.id, position=2, kind="scale", state="closed",
                         prompt="Competition between schools has increased.")
        db.session.add_all([single, scale])
        db.session.flush()
        options = [Option(question_id=single.id, position=k, label=label) for k, label in
                   enumerate(("Led by our trust", "Led by a local partnership",
                              "Led by the local authority", "Each school on its own"))]
        db.session.add_all(options)
        db.session.flush()
        share = n_responses // n_workshops + (1 if w < n_responses % n_workshops else 0)
        attendees = rng.sample(users, min(len(users), -(-share // 2)))
        _insert(Participant, [{"workshop_id": workshop.id, "token": f"syn-{workshop.id}-{k}",
                               "user_id": u.id, "created_at": now}
                              for k, u in enumerate(attendees)])
        participants = list(db.session.scalars(
            select(Participant.id).where(Participant.workshop_id == workshop.id)
            .order_by(Participant.id)))
        rows = []
        for k in range(share):
            participant, attendee = participants[k // 2], attendees[k // 2]
            at = when()
            if k % 2 == 0:
                rows.append({"question_id": single.id, "participant_id": participant,
                             "option_id": rng.choice(options).id, "value": None,
                             "hidden": False, **snapshot(attendee),
                             "created_at": at, "updated_at": at})
            else:
                rows.append({"question_id": scale.id, "participant_id": participant,
                             "option_id": None, "value": rng.randint(1, 5),
                             "hidden": False, **snapshot(attendee),
                             "created_at": at, "updated_at": at})
        _insert(Response, rows)
    db.session.flush()
    return [f"{count} synthetic contributions from {n_people} synthetic people "
            f"({n_reactions} reactions, {n_comments} comments, {n_posts} posts, "
            f"{n_responses} workshop responses)"]
