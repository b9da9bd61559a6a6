"""Factories for test data. Each returns a flushed object; tests commit when needed."""

from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from dialogue.auth import services as accounts
from dialogue.auth.models import Role, User
from dialogue.extensions import db
from dialogue.localities import Locality, ensure_default_localities

PASSWORD = "correct horse battery"
# A cheap hash keeps the suite fast; the real default is used by the app itself.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_counter = itertools.count(1)


class Factory:
    """``factory.user(role="moderator")``, ``factory.locality("locality-a")`` ..."""

    def locality(self, slug: str = "locality-a") -> Locality:
        ensure_default_localities()
        return db.session.scalar(db.select(Locality).where(Locality.slug == slug))

    def user(self, role: str | Role | None = None, *, email: str | None = None,
             name: str | None = None, consent: bool = True, commit: bool = True,
             **profile) -> User:
        n = next(_counter)
        user = User(
            email=email or f"user{n}@dialogue.example.org",
            display_name=name or f"Test User {n}",
            password_hash=_CHEAP_HASH,
            **profile,
        )
        db.session.add(user)
        db.session.flush()
        accounts.set_consent(user, consent)
        if role and role != "practitioner":
            accounts.grant_role(user, Role(role), by=None)
        if commit:
            db.session.commit()
        return user
