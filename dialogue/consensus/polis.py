"""The Polis export: comments.csv, votes.csv, participant-votes.csv and summary.csv, with
Polis' columns, in one zip, so that tools built for Polis data read a Dialogue map.

Research rules as everywhere: only people who consented to research use (in a workshop's
map, participants signed in with a consenting account), only visible
statements, and of those only seeds and consenting authors' (a statement whose author
removed their account has no consent behind it). People appear as small
integers, as Polis' participant ids do: 0 is the research team (seed statements), the
rest numbered in the order they first voted; no account id leaves Dialogue. CSVs come
from ``dialogue.csvexport`` (formula neutralising), without a BOM, which Polis tools
would read as part of the first column's name.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from sqlalchemy import select, true

from dialogue.auth.models import User
from dialogue.consensus import maps, research
from dialogue.consensus.models import Conversation, Statement, StatementStatus, Vote
from dialogue.csvexport import to_csv
from dialogue.extensions import db

SEED_AUTHOR = 0
FILES = ("comments.csv", "votes.csv", "participant-votes.csv", "summary.csv")


def _polis_datetime(moment: datetime) -> str:
    # JavaScript's Date.toString() in UTC, as Polis writes it.
    return moment.astimezone(UTC).strftime(
        "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")


def _consenting_votes(conversation: Conversation, statement_ids: set[int]) -> list:
    # A workshop's map is voted on by its participants: their votes count when they signed
    # in with a consenting account (research.research_person), as on the dashboard.
    person = research.research_person()
    consenting = select(User.id).where(User.research_consent.is_(true()))
    rows = db.session.execute(
        select(person.label("person"), maps.voter_key().label("map_key"), Vote.statement_id,
               Vote.value, Vote.created_at, Vote.updated_at)
        .where(Vote.conversation_id == conversation.id, person.in_(consenting))
        .order_by(Vote.created_at, Vote.id)).all()
    return [row for row in rows if row.statement_id in statement_ids]


def _statements(conversation: Conversation) -> list[Statement]:
    consenting = select(User.id).where(User.research_consent.is_(true()))
    return list(db.session.scalars(
        select(Statement)
        .where(Statement.conversation_id == conversation.id,
               Statement.status == StatementStatus.VISIBLE,
               Statement.is_seed.is_(True) | Statement.author_id.in_(consenting))
        .order_by(Statement.id)))


def polis_files(conversation: Conversation, groups: dict[int, int], url: str) -> dict[str, str]:
    """The four CSVs by file name. ``groups`` maps a voter's key on the kept map
    (``maps.voter_key``: an account's id, or minus a workshop participant's) to their
    group there; a workshop's participants are exported as the accounts they signed in
    with."""
    statements = _statements(conversation)
    votes = _consenting_votes(conversation, {s.id for s in statements})
    pid: dict[int, int] = {}
    group_of: dict[int, int] = {}
    for row in votes:
        pid.setdefault(row.person, len(pid) + 1)
        if row.map_key in groups:
            group_of[row.person] = groups[row.map_key]
    for statement in statements:
        if not statement.is_seed:
            pid.setdefault(statement.author_id, len(pid) + 1)

    def author(statement: Statement) -> int:
        return SEED_AUTHOR if statement.is_seed else pid[statement.author_id]

    tally = {s.id: [0, 0] for s in statements}
    by_person: dict[int, dict[int, int]] = {}
    for row in votes:
        by_person.setdefault(row.person, {})[row.statement_id] = row.value
        if row.value:
            tally[row.statement_id][0 if row.value > 0 else 1] += 1
    moderated = 1 if conversation.requires_approval else 0
    comments = to_csv(
        ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
         "moderated", "comment-body"),
        ([int(s.created_at.timestamp()), _polis_datetime(s.created_at), s.id, author(s),
          tally[s.id][0], tally[s.id][1], moderated, s.text] for s in statements), bom=False)
    votes_csv = to_csv(
        ("timestamp", "datetime", "comment-id", "voter-id", "vote"),
        ([int(r.updated_at.timestamp()), _polis_datetime(r.updated_at), r.statement_id,
          pid[r.person], r.value] for r in votes), bom=False)
    authored: dict[int, int] = {}
    for statement in statements:
        authored[author(statement)] = authored.get(author(statement), 0) + 1
    participants = to_csv(
        ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree",
         *(str(s.id) for s in statements)),
        ([pid[user], group_of.get(user, ""), authored.get(pid[user], 0), len(cast),
          sum(1 for v in cast.values() if v > 0), sum(1 for v in cast.values() if v < 0),
          *(cast.get(s.id, "") for s in statements)]
         for user, cast in sorted(by_person.items(), key=lambda item: pid[item[0]])),
        bom=False)
    summary = to_csv(("topic", conversation.title), [
        ("url", url),
        ("voters", len(by_person)),
        ("voters-in-conv", sum(1 for user in by_person if user in group_of)),
        ("commenters", len({author(s) for s in statements})),
        ("comments", len(statements)),
        ("groups", len(set(groups.values()))),
        ("conversation-description", conversation.prompt),
    ], bom=False)
    return dict(zip(FILES, (comments, votes_csv, participants, summary), strict=True))


def polis_zip(files: dict[str, str]) -> bytes:
    """The CSVs in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
