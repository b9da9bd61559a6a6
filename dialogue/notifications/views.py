"""The notifications page, marking them read, the email choice and unsubscribing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dialogue.auth.models import User
from dialogue.extensions import csrf, db, htmx
from dialogue.forms import form_status
from dialogue.notifications import bp
from dialogue.notifications import services as notifications
from dialogue.notifications.forms import EmailChoiceForm
from dialogue.notifications.models import EmailFrequency


@bp.route("/notifications")
@login_required
def index():
    """This user's notifications, newest first, unread ones marked."""
    page = notifications.notifications_for(current_user, request.args.get("page", 1, type=int))
    return render_template("notifications/page.html", page=page)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    """Mark one notification (``id``) or all of them as read."""
    raw = request.form.get("id", "")
    count = notifications.mark_read(current_user, int(raw) if raw.isdigit() else None)
    db.session.commit()
    if htmx:
        page = notifications.notifications_for(current_user,
                                               request.args.get("page", 1, type=int))
        return render_template("notifications/_list.html", page=page,
                               message=f"Marked {count} as read.")
    flash("Marked as read." if count else "There was nothing unread.", "success")
    return redirect(url_for("notifications.index"))


def email_choice_form() -> EmailChoiceForm:
    """The signed-in person's email choice, as a form (for the profile page)."""
    return EmailChoiceForm(formdata=None,
                           data={"frequency": notifications.frequency_for(current_user).value})


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email_settings():
    """Choose how often to be emailed: as it happens, daily, weekly or never."""
    form = EmailChoiceForm()
    if form.validate_on_submit():
        notifications.set_frequency(current_user.id, EmailFrequency(form.frequency.data))
        db.session.commit()
        flash("Your email choice has been saved.", "success")
        return redirect(url_for("auth.profile") + "#email")
    if request.method == "GET":
        form = email_choice_form()
    return render_template("notifications/email_settings.html", form=form), form_status(form)


# A mail program's one-click unsubscribe (RFC 8058) POSTs here with no cookie and no
# form of ours, so there can be no CSRF token: the signed token in the URL, which only
# the recipient's mailbox holds, is what proves the request comes from them.
@csrf.exempt
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET: ask to confirm (link scanners follow links); POST: stop all email."""
    user_id = notifications.user_id_for_token(token)
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        abort(404)
    if request.method == "POST":
        notifications.set_frequency(user.id, EmailFrequency.NEVER)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", user=user)
    return render_template("notifications/unsubscribe.html", user=user, token=token,
                           frequency=notifications.frequency_for(user))
