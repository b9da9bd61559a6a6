"""Administration: users, their roles, and localities."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dialogue.admin import bp
from dialogue.admin import services as admin
from dialogue.admin.forms import LocalityForm, UserRolesForm
from dialogue.auth import services as accounts
from dialogue.auth.decorators import permission_required
from dialogue.auth.models import Role, User
from dialogue.auth.permissions import can_administer
from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.localities import Locality, all_localities, update_locality
from dialogue.moderation import suspensions
from dialogue.responses import require_action_form

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
    page = db.paginate(accounts.users_matching(query), per_page=USERS_PER_PAGE,
                       error_out=False)
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
        try:
            accounts.set_roles(user, {Role(value) for value in form.roles.data},
                               by=current_user)
        except accounts.AccountError as error:
            form.roles.errors.append(error.message)
        else:
            chosen = [db.session.get(Locality, lid) for lid in form.moderated_localities.data]
            accounts.set_moderated_localities(user, [c for c in chosen if c], by=current_user)
            db.session.commit()
            flash(f"Roles saved for {user.display_name}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, form=form), form_status(form)


@bp.route("/users/<int:user_id>/lift-suspension", methods=["POST"])
@require_action_form
def lift_suspension(user_id: int):
    """End someone's suspension from posting before it runs out."""
    user = db.get_or_404(User, user_id)
    if suspensions.lift_suspension(user, current_user):
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
        locality = admin.add_locality(form.name.data, form.description.data or "")
        db.session.commit()
        flash(f"Added {locality.name}.", "success")
        return redirect(url_for("admin.localities"))
    return render_template("admin/localities.html", localities=all_localities(),
                           form=form), form_status(form)


@bp.route("/localities/<int:locality_id>", methods=["GET", "POST"])
def locality_detail(locality_id: int):
    """Rename a locality or change its description (its slug and URL stay the same)."""
    locality = db.get_or_404(Locality, locality_id)
    form = LocalityForm(locality=locality)
    if form.validate_on_submit():
        update_locality(locality, form.name.data, form.description.data or "")
        db.session.commit()
        flash(f"Saved {locality.name}.", "success")
        return redirect(url_for("admin.localities"))
    return render_template("admin/locality_detail.html", locality=locality,
                           form=form), form_status(form)
