"""Registering without saying whether an address is taken (issue 16, point 6).

The registration page answers "check your email" for every address, and the request
does the same work for each: it hashes the password, stores a ``PendingRegistration``
and queues one job. The job (``auth.mails.registration_mail``) decides what to send:
a confirmation link to a free address, or a note to the owner of a taken one. The
account is made only when the link is followed (``confirm``), so an address nobody
confirmed never has an account to sign in to, and a stranger cannot claim someone
else's address.

Services flush, never commit: the view (or the job) commits once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from dialogue.auth.models import PendingRegistration, User
from dialogue.auth.services import (
    AccountError,
    email_taken,
    normalise_email,
    register_user,
)
from dialogue.db import utcnow
from dialogue.extensions import db


def start(*, email: str, password: str, display_name: str, research_consent: bool,
          **profile) -> PendingRegistration:
    """Keep a registration until its address is confirmed. Never looks the address up:
    that is the job's, after the answer has gone."""
    pending = PendingRegistration(
        email=normalise_email(email), display_name=display_name.strip(),
        password_hash=generate_password_hash(password), profile=profile,
        research_consent=research_consent, nonce=secrets.token_urlsafe(16),
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email")


def max_age() -> timedelta:
    return current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]


def whole_hours(delta: timedelta) -> int:
    """A link's lifetime as people are told it (at least one hour)."""
    return max(int(delta.total_seconds() // 3600), 1)


def token_for(pending: PendingRegistration) -> str:
    """The signed token of the confirmation link."""
    return _serializer().dumps({"p": pending.id, "n": pending.nonce})


def pending_for_token(token: str) -> PendingRegistration:
    """The registration a valid link confirms; AccountError says why not."""
    try:
        data = _serializer().loads(token, max_age=int(max_age().total_seconds()))
    except SignatureExpired as exc:
        raise AccountError("This link has expired. Register again to get a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This link is not valid. Check it was copied whole, "
                           "or register again.") from exc
    pending = db.session.get(PendingRegistration, data.get("p")) if isinstance(data, dict) \
        else None
    if pending is None or not secrets.compare_digest(pending.nonce, str(data.get("n"))):
        raise AccountError("This link has already been used. Sign in, or reset your "
                           "password if you have forgotten it.")
    return pending


def confirm(pending: PendingRegistration) -> User:
    """Make the account the registration describes, and forget every pending
    registration of the address (one account per address)."""
    if email_taken(pending.email):
        # Only someone who reads the address's mail gets here: saying so leaks nothing.
        db.session.execute(delete(PendingRegistration)
                           .where(PendingRegistration.email == pending.email))
        raise AccountError("This address already has an account. Sign in, or reset your "
                           "password if you have forgotten it.")
    user = register_user(email=pending.email, display_name=pending.display_name,
                         password_hash=pending.password_hash,
                         research_consent=pending.research_consent, **pending.profile)
    db.session.execute(delete(PendingRegistration)
                       .where(PendingRegistration.email == pending.email))
    return user


def account_for(pending: PendingRegistration) -> User | None:
    """The account already using the registration's address, if any (the job asks)."""
    return db.session.scalar(select(User).where(User.email == pending.email))


def purge_expired(now=None) -> int:
    """Forget registrations nobody confirmed in time: they hold a password hash."""
    cutoff = (now or utcnow()) - max_age()
    result = db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.created_at < cutoff))
    return result.rowcount or 0
