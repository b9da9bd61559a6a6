"""Account operations. Services flush, never commit: the view commits once."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, or_, select

from dialogue import audit
from dialogue.auth.consent import CONSENT_VERSION
from dialogue.auth.models import ConsentEvent, Role, RoleGrant, User
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.refusals import Unprocessable


class AccountError(Unprocessable):
    """An account operation that cannot be done, with a message for the person (422)."""


def normalise_email(email: str) -> str:
    """Emails compare without surrounding spaces or capitals."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    """Whether an account already uses this email address."""
    return find_user_by_email(email) is not None


def register_user(
    *, email: str, display_name: str, research_consent: bool, password: str | None = None,
    password_hash: str | None = None, **profile
) -> User:
    """Create an account with its profile and its first consent decision (from a
    password, or the hash a confirmed registration kept)."""
    if email_taken(email):
        raise AccountError("An account with that email address already exists.")
    user = User(email=normalise_email(email), display_name=display_name.strip(), **profile)
    if password_hash is not None:
        user.password_hash = password_hash
    elif password is not None:
        user.set_password(password)
    else:
        raise ValueError("register_user needs a password or a password hash")
    db.session.add(user)
    db.session.flush()
    set_consent(user, research_consent)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = find_user_by_email(email)
    if user is None:
        # Hash anyway so a missing account takes as long as a wrong password.
        User(password_hash="").set_password(password)
        return None
    # The password is checked first: a deactivated account costs the same hash.
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie this user holds."""
    user.session_version += 1


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every session, recorded in the audit trail."""
    user.set_password(new_password)
    end_all_sessions(user)
    audit.record("account", "password_changed", user, "user", user.id)


def set_consent(user: User, accepted: bool) -> None:
    """Record a research-use decision against the current statement version."""
    now = utcnow()
    user.research_consent = accepted
    user.consent_version = CONSENT_VERSION
    user.consent_recorded_at = now
    db.session.add(
        ConsentEvent(user_id=user.id, version=CONSENT_VERSION, accepted=accepted,
                     recorded_at=now)
    )


def update_profile(user: User, **fields) -> None:
    """Change the person's profile attributes."""
    for name, value in fields.items():
        setattr(user, name, value)


# --- password reset -----------------------------------------------------------------
# The token signs the user's id and a fragment of the current password hash. Using it
# changes the hash, so a token works once; the serializer's max_age makes it expire.

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed, single-use password reset token for ``user``."""
    return _reset_serializer().dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User:
    """The user a valid reset token belongs to; AccountError says why not."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds())
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError("This reset link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This reset link is not valid. Ask for a new one.") from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("ph"):
        raise AccountError("This reset link has already been used. Ask for a new one.")
    return user


# --- roles and administration ---------------------------------------------------------

def grant_role(user: User, role: Role, *, by: User | None) -> bool:
    """Give a role; False if the user already had it."""
    if user.has_role(role):
        return False
    user.role_grants.append(RoleGrant(role=role, granted_by_id=by.id if by else None))
    audit.record("admin", "role_granted", by, "user", user.id, role=role.value)
    return True


def revoke_role(user: User, role: Role, *, by: User | None) -> bool:
    """Take a role away; False if the user did not have it."""
    for grant in list(user.role_grants):
        if grant.role == role:
            user.role_grants.remove(grant)
            audit.record("admin", "role_revoked", by, "user", user.id, role=role.value)
            return True
    return False


def set_roles(user: User, wanted: set[Role], *, by: User) -> None:
    """Grant the roles in ``wanted`` and revoke the others; nobody removes their own admin."""
    if user.id == by.id and Role.ADMIN not in wanted:
        raise AccountError("You cannot remove your own admin role. Ask another admin to do it.")
    for role in Role:
        if role in wanted:
            grant_role(user, role, by=by)
        else:
            revoke_role(user, role, by=by)


def users_matching(query: str) -> Select:
    """Users whose name or email contains ``query`` (every user when it is empty), by name."""
    statement = select(User).order_by(User.display_name, User.id)
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(User.display_name.ilike(like), User.email.ilike(like)))
    return statement


def set_moderated_localities(user: User, localities: list[Locality], *, by: User) -> None:
    """Limit a moderator to these localities (none: every locality), audited."""
    user.moderated_localities = list(localities)
    audit.record("admin", "moderator_localities_set", by, "user", user.id,
                 localities=[loc.slug for loc in localities])


def count_admins() -> int:
    """How many accounts hold the admin role."""
    return db.session.scalar(
        select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.ADMIN)
    ) or 0
