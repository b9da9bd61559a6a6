"""Administration: users, their roles, and localities."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from dialogue.admin import bp
from dialogue.auth import services as accounts
from dialogue.auth.decorators import permission_required
from dialogue.auth.forms import LocalityForm, UserRolesForm
from dialogue.auth.models import Role, User
from dialogue.auth.permissions import can_administer
from dialogue.extensions import db
from dialogue.forms import ActionForm, form_status
from dialogue.forums.services import ensure_standing_threads
from dialogue.localities import Locality, add_locality, all_localities
from dialogue.moderation import services as posts

USERS_PER_PAGE = 25
MAX_QUERY = 200  # longer searches are cut: no name or email is longer


@bp.before_request
@permission_required(can_administer)
def _admins_only():
    """Every admin page needs the admin role."""


@bp.route("/")
def users():
    """Users, searchable by name or email, with their roles."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    stmt = select(User).order_by(User.display_name, User.id)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(User.display_name.ilike(like), User.email.ilike(like)))
    page = db.paginate(stmt, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_detail(user_id: int):
    """Grant or revoke roles and limit a moderator to localities."""
    user = db.get_or_404(User, user_id)
    form = UserRolesForm(
        roles=[role.value for role in user.roles],
        moderated_localities=[loc.id for loc in user.moderated_localities],
    )
    form.load_locality_choices()
    if form.validate_on_submit():
        wanted = {Role(value) for value in form.roles.data}
        if user.id == current_user.id and Role.ADMIN not in wanted:
            form.roles.errors.append("You cannot remove your own admin role. "
                                     "Ask another admin to do it.")
        else:
            for role in Role:
                if role in wanted:
                    accounts.grant_role(user, role, by=current_user)
                else:
                    accounts.revoke_role(user, role, by=current_user)
            chosen = [db.session.get(Locality, lid) for lid in form.moderated_localities.data]
            accounts.set_moderated_localities(user, [c for c in chosen if c], by=current_user)
            db.session.commit()
            flash(f"Roles saved for {user.display_name}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, form=form,
                           action_form=ActionForm()), form_status(form)


@bp.route("/users/<int:user_id>/lift-suspension", methods=["POST"])
def lift_suspension(user_id: int):
    """End someone's suspension from posting before it runs out."""
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if posts.lift_suspension(user, current_user):
        db.session.commit()
        flash(f"{user.display_name} can post again.", "success")
    else:
        flash(f"{user.display_name} is not suspended.", "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/localities", methods=["GET", "POST"])
def localities():
    """List localities and add a new one."""
    form = LocalityForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Locality.id).where(Locality.name == form.name.data)):
            form.name.errors.append("A locality with that name already exists")
        else:
            locality = add_locality(form.name.data, form.description.data or "")
            ensure_standing_threads([locality])
            db.session.commit()
            flash(f"Added {locality.name}.", "success")
            return redirect(url_for("admin.localities"))
    return render_template("admin/localities.html", localities=all_localities(),
                           form=form), form_status(form)


@bp.route("/localities/<int:locality_id>", methods=["GET", "POST"])
def locality_detail(locality_id: int):
    """Rename a locality or change its description (its slug and URL stay the same)."""
    locality = db.get_or_404(Locality, locality_id)
    form = LocalityForm(obj=locality)
    if form.validate_on_submit():
        clash = db.session.scalar(
            select(Locality.id).where(Locality.name == form.name.data, Locality.id != locality.id)
        )
        if clash:
            form.name.errors.append("A locality with that name already exists")
        else:
            locality.name = form.name.data
            locality.description = form.description.data or ""
            db.session.commit()
            flash(f"Saved {locality.name}.", "success")
            return redirect(url_for("admin.localities"))
    return render_template("admin/locality_detail.html", locality=locality,
                           form=form), form_status(form)
