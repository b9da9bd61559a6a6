"""Account pages. Views load, check, call a service, commit once, then render or redirect."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dialogue.auth import bp
from dialogue.auth import services as accounts
from dialogue.auth.consent import CONSENT_STATEMENT, CONSENT_VERSION
from dialogue.auth.forms import (
    ChangePasswordForm,
    ConsentForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from dialogue.extensions import db, limiter
from dialogue.forms import form_status
from dialogue.mail import send_mail
from dialogue.urls import safe_next_url


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@_limit("REGISTER_RATE_LIMIT")
def register():
    """Create an account, with profile attributes and a consent decision."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.load_locality_choices()
    if form.validate_on_submit():
        user = accounts.register_user(
            email=form.email.data,
            password=form.password.data,
            research_consent=form.research_consent.data == "yes",
            **form.profile_data(),
        )
        db.session.commit()
        login_user(user)
        flash("Your account has been created. Welcome to Dialogue.", "success")
        return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form,
                           consent_statement=CONSENT_STATEMENT), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@_limit("LOGIN_RATE_LIMIT")
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("The email address or password is not right")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next"), url_for("main.home")))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere: every copy of the session cookie stops working."""
    accounts.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Edit the profile attributes researchers break results down by."""
    form = ProfileForm(obj=current_user)
    form.load_locality_choices()
    if form.validate_on_submit():
        accounts.update_profile(current_user, **form.profile_data())
        db.session.commit()
        flash("Your profile has been saved.", "success")
        return redirect(url_for("auth.profile"))
    consent_form = ConsentForm(
        formdata=None, research_consent="yes" if current_user.research_consent else "no"
    )
    return _profile_page(form, consent_form), form_status(form)


def _profile_page(form: ProfileForm, consent_form: ConsentForm) -> str:
    return render_template(
        "auth/profile.html", form=form, consent_form=consent_form,
        consent_statement=CONSENT_STATEMENT, consent_version=CONSENT_VERSION,
    )


@bp.route("/account/consent", methods=["POST"])
@login_required
def consent():
    """Change the research-use decision."""
    form = ConsentForm()
    if form.validate_on_submit():
        accounts.set_consent(current_user, form.research_consent.data == "yes")
        db.session.commit()
        flash("Your research-use choice has been saved.", "success")
        return redirect(url_for("auth.profile") + "#consent")
    profile_form = ProfileForm(formdata=None, obj=current_user)
    profile_form.load_locality_choices()
    return _profile_page(profile_form, form), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            accounts.change_password(current_user, form.new_password.data)
            db.session.commit()
            login_user(current_user)  # this browser stays signed in with the new version
            flash("Your password has been changed. Other devices have been signed out.",
                  "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@_limit("PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    """Email a single-use reset link (the reply never says whether the account exists)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is not None and user.active:
            token = accounts.make_reset_token(user)
            link = url_for("auth.reset_password", token=token, _external=True)
            hours = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600)
            send_mail(
                user.email,
                "Reset your Dialogue password",
                f"Hello {user.display_name},\n\nUse this link to choose a new password. "
                f"It works once and expires in {hours} hour(s):\n\n{link}\n\n"
                "If you did not ask for this, you can ignore this message.\n",
            )
        return render_template("auth/forgot_password_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_limit("PASSWORD_RESET_RATE_LIMIT")
def reset_password(token: str):
    """Choose a new password with a reset link."""
    try:
        user = accounts.user_for_reset_token(token)
    except accounts.AccountError as error:
        return render_template("auth/reset_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.new_password.data)
        db.session.commit()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)
