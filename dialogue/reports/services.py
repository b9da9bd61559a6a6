"""Research services: the codebook, coding, API tokens and synthesis jobs.

Verbs that flush and never commit; the acting researcher is passed in explicitly.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError

from dialogue import audit
from dialogue.auth.models import User
from dialogue.auth.permissions import can_research
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.refusals import Unprocessable
from dialogue.reports.models import (
    CONTRIBUTION_KINDS,
    ApiToken,
    Code,
    Coding,
    JobState,
    SynthesisJob,
)

# The research frame (Greany and Higham 2018): three governance logics and four themes.
DEFAULT_CODES = [
    ("frame", None, "The governance logics the research uses to read the system.",
     "Group code: apply one of its children instead.", ""),
    ("hierarchy", "frame",
     "Steering by the state through accountability: Ofsted, DfE, RSCs, performance tables.",
     "When someone describes doing something because inspection or the department expects it.",
     "We changed the curriculum because we knew Ofsted would ask about it."),
    ("markets", "frame",
     "Competition between schools for pupils, staff, reputation and funding.",
     "When choice, competition, status or league tables shape what a school does.",
     "Parents look at the results tables, so we cannot afford to drop."),
    ("networks", "frame",
     "Collaboration between schools: trusts, teaching schools, local partnerships.",
     "When schools work together, share staff or knowledge, or join a trust.",
     "Our cluster shares a maths lead across five primaries."),
    ("themes", None, "The four cross-cutting themes of the research.",
     "Group code: apply one of its children instead.", ""),
    ("knowledge", "themes",
     "How evidence and professional knowledge move (or fail to move) between schools.",
     "When someone talks about research use, CPD, or learning from other schools.",
     "We only hear about what works from the schools in our own trust."),
    ("fragmentation", "themes",
     "Gaps, overlaps and confusion as the middle tier splits into many parts.",
     "When responsibilities are unclear or services have fallen through the gaps.",
     "Nobody seems to own school improvement for the small maintained schools now."),
    ("equity", "themes",
     "Who gains and who loses: disadvantaged pupils, vulnerable schools, left-behind areas.",
     "When outcomes, access or support differ by pupils' background or a school's position.",
     "The schools that most need support are the ones no trust wants to take on."),
    ("legitimacy", "themes",
     "Whether people accept the system's authority and decisions as fair and accountable.",
     "When someone questions who decides, on what grounds, and to whom they answer.",
     "Decisions about our school are made by a board we have never met."),
]


def seed_codebook() -> list[str]:
    """Create the default codes that are missing (idempotent); return the ones added."""
    existing = {code.code: code for code in db.session.scalars(select(Code))}
    added = []
    for position, (name, parent, definition, when, example) in enumerate(DEFAULT_CODES):
        if name in existing:
            continue
        code = Code(code=name, parent=existing.get(parent) if parent else None,
                    definition=definition, when_to_use=when, example=example,
                    position=position)
        db.session.add(code)
        db.session.flush()
        existing[name] = code
        added.append(name)
    return added


def codebook() -> list[Code]:
    """Every code, parents before their children, in a stable order."""
    codes = list(db.session.scalars(select(Code).order_by(Code.position, Code.code)))
    roots = [c for c in codes if c.parent_id is None]
    ordered = []
    for root in roots:
        ordered.append(root)
        ordered.extend(c for c in codes if c.parent_id == root.id)
    ordered.extend(c for c in codes if c not in ordered)
    return ordered


def code_name_taken(name: str, except_id: int | None = None) -> bool:
    """Whether another code already has this name (codes are unique by name)."""
    query = select(Code.id).where(Code.code == name)
    if except_id is not None:
        query = query.where(Code.id != except_id)
    return db.session.scalar(query) is not None


def save_code(researcher, code: Code | None, *, name: str, parent_id: int | None,
              definition: str, when_to_use: str, example: str) -> Code:
    """Add a code to the codebook or change one."""
    if code is None:
        position = (db.session.scalar(select(db.func.max(Code.position))) or 0) + 1
        code = Code(position=position)
        db.session.add(code)
    if parent_id == code.id and code.id is not None:
        parent_id = None  # a code cannot be its own parent
    code.code, code.parent_id = name, parent_id
    code.definition, code.when_to_use, code.example = definition, when_to_use, example
    db.session.flush()
    audit.record("research", "code_saved", researcher, "code", code.id, code=name)
    return code


def toggle_coding(researcher, code_id: int, kind: str, contribution_id: int) -> bool:
    """Apply the code to the contribution for this researcher, or remove it; True if now on."""
    if kind not in CONTRIBUTION_KINDS:
        raise Unprocessable(f"There is no kind of contribution called {kind!r}.")
    existing = db.session.scalar(select(Coding).where(
        Coding.researcher_id == researcher.id, Coding.code_id == code_id,
        Coding.contribution_kind == kind, Coding.contribution_id == contribution_id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(Coding(researcher_id=researcher.id, code_id=code_id,
                          contribution_kind=kind, contribution_id=contribution_id))
    db.session.flush()
    return True


def codes_for(researcher_id: int, units: list[tuple[str, int]]) -> dict[tuple[str, int], set]:
    """The code ids this researcher applied to each of ``units``."""
    result: dict[tuple[str, int], set] = {unit: set() for unit in units}
    if not units:
        return result
    by_kind: dict[str, list[int]] = {}
    for kind, ident in units:
        by_kind.setdefault(kind, []).append(ident)
    for kind, ids in by_kind.items():
        rows = db.session.execute(select(Coding.contribution_id, Coding.code_id).where(
            Coding.researcher_id == researcher_id, Coding.contribution_kind == kind,
            Coding.contribution_id.in_(ids)))
        for ident, code_id in rows:
            result[(kind, ident)].add(code_id)
    return result


# --- API tokens -------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(researcher, name: str) -> tuple[ApiToken, str]:
    """A new token for the researcher; the secret is returned once and only its hash kept."""
    secret = "dlg_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=researcher.id, name=name, token_hash=hash_token(secret),
                     prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record("research", "api_token_created", researcher, "api_token", token.id)
    return token, secret


def api_tokens_of(researcher) -> list[ApiToken]:
    """A researcher's API tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == researcher.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(researcher, token: ApiToken) -> None:
    """Stop a token working."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record("research", "api_token_revoked", researcher, "api_token", token.id)


def user_for_token(secret: str):
    """The researcher a bearer token belongs to, or None (revoked, unknown, no longer
    a researcher)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret),
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active or not can_research(user):
        return None
    record_token_use(token)
    return user


# How stale "last used" may be: a scan calling the API many times a second wrote the
# token's row on every call, inside the request's transaction, and got 503 "database is
# locked" on SQLite.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def record_token_use(token: ApiToken) -> None:
    """Note the token's use at most once a minute, in a short transaction of its own
    (never the request's: an API read stays a read). Best effort: if the database is
    busy, the time is noted on a later call."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_RESOLUTION:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(
                ApiToken.id == token.id,
                or_(ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at < now - TOKEN_USE_RESOLUTION),
            ).values(last_used_at=now))
    except OperationalError:
        return


# --- synthesis jobs ----------------------------------------------------------------


def request_synthesis(researcher, filters_query: str) -> SynthesisJob:
    """Queue a PDF synthesis for these filters (a running one for the same is reused)."""
    job = db.session.scalar(select(SynthesisJob).where(
        SynthesisJob.requested_by_id == researcher.id, SynthesisJob.filters == filters_query,
        SynthesisJob.state.in_([JobState.QUEUED, JobState.RUNNING])))
    if job is None:
        job = SynthesisJob(requested_by_id=researcher.id, filters=filters_query)
        db.session.add(job)
        db.session.flush()
    return job


def recent_syntheses(researcher, limit: int = 5) -> list[SynthesisJob]:
    """The researcher's latest synthesis jobs, newest first."""
    return list(db.session.scalars(
        select(SynthesisJob).where(SynthesisJob.requested_by_id == researcher.id)
        .order_by(SynthesisJob.created_at.desc(), SynthesisJob.id.desc()).limit(limit)))


def purge_expired_jobs() -> int:
    """Drop finished synthesis files past their retention time."""
    result = db.session.execute(delete(SynthesisJob).where(
        SynthesisJob.expires_at.is_not(None), SynthesisJob.expires_at <= utcnow()))
    return result.rowcount or 0
