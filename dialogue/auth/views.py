"""Account pages. Views load, check, call a service, commit once, then render or redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dialogue.auth import bp, registration
from dialogue.auth import services as accounts
from dialogue.auth.consent import CONSENT_STATEMENT, CONSENT_VERSION
from dialogue.auth.forms import (
    ChangePasswordForm,
    ConfirmRegistrationForm,
    ConsentForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from dialogue.auth.mails import password_reset_mail, registration_mail
from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.ratelimits import login_limit, password_reset_limit, register_limit
from dialogue.transactions import on_commit
from dialogue.urls import safe_next_url


@bp.route("/register", methods=["GET", "POST"])
@register_limit
def register():
    """Start an account: every address gets the same answer, "check your email"."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.load_locality_choices()
    if form.validate_on_submit():
        # No lookup of the address here: the job decides what to mail, so a taken
        # address and a free one get the same page after the same work.
        pending = registration.start(
            email=form.email.data,
            password=form.password.data,
            research_consent=form.research_consent.data == "yes",
            **form.profile_data(),
        )
        pending_id = pending.id
        on_commit(lambda: registration_mail(pending_id))
        db.session.commit()
        return render_template("auth/register_sent.html", email=form.email.data,
                               hours=registration.whole_hours(registration.max_age()))
    return render_template("auth/register.html", form=form,
                           consent_statement=CONSENT_STATEMENT), form_status(form)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@register_limit
def confirm_registration(token: str):
    """Make the account once its address is confirmed. A GET only shows the button, so
    a mail scanner that fetches links makes nothing."""
    try:
        pending = registration.pending_for_token(token)
    except accounts.AccountError as error:
        return render_template("auth/confirm_invalid.html", message=str(error)), 400
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        try:
            user = registration.confirm(pending)
        except accounts.AccountError as error:
            db.session.commit()  # the address's pending registrations are gone
            return render_template("auth/confirm_invalid.html", message=str(error)), 400
        db.session.commit()
        login_user(user)
        flash("Your account has been created. Welcome to Dialogue.", "success")
        return redirect(url_for("main.home"))
    return render_template("auth/confirm_registration.html", form=form,
                           email=pending.email), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@login_limit
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
            # The user, not the proxy: a proxy stored as the user recurses when read.
            login_user(current_user._get_current_object())  # this browser stays signed in
            flash("Your password has been changed. Other devices have been signed out.",
                  "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@password_reset_limit
def forgot_password():
    """Email a single-use reset link (the reply never says whether the account exists)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The job looks the address up and mails the link: this request does the same
        # work, and takes the same time, whether or not the address has an account.
        password_reset_mail(form.email.data)
        return render_template("auth/forgot_password_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@password_reset_limit
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
