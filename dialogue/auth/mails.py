"""The account mails, decided in the job worker, after the answer has gone.

Registration and password reset answer every address alike, and take the same time
for each: the request only queues one of these jobs. Whether the address has an account
is looked up here, where nobody waits for the answer (issue 16, point 6).
"""

from __future__ import annotations

from flask import current_app, url_for
from huey import crontab

from dialogue.auth import registration
from dialogue.auth import services as accounts
from dialogue.auth.models import PendingRegistration
from dialogue.extensions import db
from dialogue.jobs import periodic, task
from dialogue.mail import send_mail
from dialogue.templating import isolate  # a name in plain text: FSI ... PDI (issue 16, point 8)


def send_registration_mail(pending_id: int) -> None:
    """A confirmation link to a free address; a note to the owner of a taken one."""
    pending = db.session.get(PendingRegistration, pending_id)
    if pending is None:
        return
    if registration.account_for(pending) is not None:
        send_mail(
            pending.email,
            "Someone tried to create a Dialogue account with your address",
            "Hello,\n\nSomeone (perhaps you) tried to create a Dialogue account with this "
            "email address. It already has a Dialogue account, so nothing has changed.\n\n"
            f"To sign in: {url_for('auth.login', _external=True)}\n"
            "If you have forgotten your password, you can choose a new one here: "
            f"{url_for('auth.forgot_password', _external=True)}\n\n"
            "If it was not you, you can ignore this message.\n",
        )
        db.session.delete(pending)
    else:
        link = url_for("auth.confirm_registration", token=registration.token_for(pending),
                       _external=True)
        hours = registration.whole_hours(registration.max_age())
        send_mail(
            pending.email,
            "Confirm your email address for Dialogue",
            f"Hello {isolate(pending.display_name)},\n\nTo finish creating your Dialogue "
            f"account, open this link and press \"Create my account\". It expires in "
            f"{hours} hours:\n\n{link}\n\n"
            "If you did not ask for an account, you can ignore this message: none is made "
            "until the link is used.\n",
        )
    db.session.commit()


def send_password_reset_mail(email: str) -> None:
    """A single-use reset link, if the address has an active account; else nothing."""
    user = accounts.find_user_by_email(email)
    if user is None or not user.active:
        return
    link = url_for("auth.reset_password", token=accounts.make_reset_token(user),
                   _external=True)
    hours = registration.whole_hours(current_app.config["PASSWORD_RESET_MAX_AGE"])
    send_mail(
        user.email,
        "Reset your Dialogue password",
        f"Hello {isolate(user.display_name)},\n\nUse this link to choose a new password. "
        f"It works once and expires in {hours} hour(s):\n\n{link}\n\n"
        "If you did not ask for this, you can ignore this message.\n",
    )
    db.session.commit()  # the outbox row: the job worker sends it


# The jobs: calling one queues it.
registration_mail = task(send_registration_mail)
password_reset_mail = task(send_password_reset_mail)


@periodic(crontab(minute="47", hour="3"))
def purge_pending_registrations() -> None:
    """Every night: forget registrations nobody confirmed in time."""
    registration.purge_expired()
    db.session.commit()
