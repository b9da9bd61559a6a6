"""The notifications' periodic job: digests, sent by the worker."""

from __future__ import annotations

from huey import crontab

from dialogue.jobs import periodic
from dialogue.notifications.services import send_due_digests


@periodic(crontab(minute="*/15"))
def send_digests() -> None:
    """Every 15 minutes: send the daily and weekly digests that are due (a digest is due
    once its period has ended, so a late or missed run only delays it)."""
    send_due_digests()
