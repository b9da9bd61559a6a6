"""The moderation log: every decision, newest first."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dialogue.audit import AuditEvent
from dialogue.auth import permissions
from dialogue.auth.decorators import permission_required
from dialogue.extensions import db
from dialogue.localities import Locality, all_localities
from dialogue.moderation import bp


def _events(limited_to: set[int] | None, where: str, action: str):
    statement = (select(AuditEvent).options(joinedload(AuditEvent.actor))
                 .where(AuditEvent.category == "moderation")
                 .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if limited_to is not None:
        statement = statement.where(AuditEvent.locality_id.in_(limited_to))
    if where.isdigit():
        statement = statement.where(AuditEvent.locality_id == int(where))
    if action:
        statement = statement.where(AuditEvent.action == action)
    return statement


@bp.route("/moderation/log")
@permission_required(permissions.can_moderate_somewhere)
def log():
    """Every moderation decision, newest first, filterable by locality and action."""
    limited_to = permissions.moderated_locality_ids(current_user)
    where = request.args.get("where", "")
    action = request.args.get("action", "")
    page = db.paginate(_events(limited_to, where, action),
                       page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    actions = sorted(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.category == "moderation").distinct()))
    localities = [loc for loc in all_localities() if limited_to is None or loc.id in limited_to]
    names = {loc.id: loc.name for loc in db.session.scalars(select(Locality))}
    return render_template("moderation/log.html", page=page, where=where, action=action,
                actions=actions, localities=localities, locality_names=names)
