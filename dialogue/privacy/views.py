"""Your data: see and download what Dialogue holds, or delete your account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.privacy import bp
from dialogue.privacy import services as privacy
from dialogue.privacy.forms import DeleteAccountForm


@bp.route("/account/privacy")
@login_required
def index():
    """What we hold, the download link and the deletion form."""
    return render_template("privacy/page.html", form=DeleteAccountForm())


@bp.route("/account/data.json")
@login_required
def download():
    """Everything held about the signed-in person, as a JSON file."""
    document = privacy.own_data(current_user)
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body, mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="dialogue-my-data.json"',
                 "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete():
    """Delete the account, removing or anonymising what the person contributed."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append("Your password is not right")
        else:
            try:
                record = privacy.erase_account(current_user._get_current_object(),
                                               form.mode.data, by=current_user)
            except privacy.PrivacyError as error:
                form.mode.errors.append(str(error))
            else:
                db.session.commit()
                privacy.append_to_erasure_log(record)
                logout_user()
                flash("Your account has been deleted.", "success")
                return redirect(url_for("main.home"))
    return render_template("privacy/page.html", form=form), form_status(form)
