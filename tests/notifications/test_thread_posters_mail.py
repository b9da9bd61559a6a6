"""People who posted in a locality's threads are emailed when a response naming that
locality is published, as each chose (issue 17 point 4): at once after the commit, in
their digest, or never; against the real SMTP server on loopback (see conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dialogue.extensions import db
from dialogue.loop import services as loop
from dialogue.notifications.models import EmailFrequency, EmailStatus, Notification
from dialogue.notifications.services import set_frequency
from tests.notifications.conftest import PUBLIC_URL, smtp_settings


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_settings(smtp_server.port))
    return app_config


def test_thread_posters_are_mailed_as_they_chose_after_the_commit(app, factory,
                                                                  smtp_server):
    here = factory.locality("locality-a")
    thread = factory.thread(here)
    now, daily, never = (factory.user(email=f"{n}@school.example.org", name=n)
                         for n in ("now", "daily", "never"))
    set_frequency(daily.id, EmailFrequency.DAILY)
    set_frequency(never.id, EmailFrequency.NEVER)
    for person in (now, daily, never):
        factory.post(person, thread=thread)
    author = factory.user(role="researcher")
    reviewer = factory.user(role="researcher")
    finding = factory.finding(figure="60%")
    response = loop.create_response(author, loop.Target(finding.briefing, finding),
                                    "What we changed", "We changed it.",
                                    locality_id=here.id)
    db.session.commit()

    loop.publish_response(reviewer, response, dt.date(2026, 12, 2))
    assert smtp_server.received == []  # nothing before the commit
    db.session.commit()

    [message] = smtp_server.received
    assert message["To"] == "now@school.example.org"
    link = f"{PUBLIC_URL}/findings/{finding.key}#we-did"
    assert link in message.get_body(("plain",)).get_content()
    status = dict(db.session.execute(select(Notification.user_id,
                                            Notification.email_status)).all())
    assert status == {now.id: EmailStatus.SENT, daily.id: EmailStatus.DIGEST,
                      never.id: EmailStatus.SKIPPED}
