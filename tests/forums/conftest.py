"""Forum fixtures: a locality, a public thread, and people who post without pre-moderation."""

from __future__ import annotations

import pytest

from dialogue.extensions import db


@pytest.fixture
def locality(factory):
    return factory.locality("locality-a")


@pytest.fixture
def thread(app, factory, locality):
    from dialogue.forums import services as forums

    starter = factory.user(role="moderator", name="Thread Starter")
    item, _ = forums.create_thread(starter, locality, "How do clusters work here?",
                                   "Tell us about your **cluster**.")
    db.session.commit()
    return item


@pytest.fixture
def trusted(app):
    """Switch pre-moderation off, for tests about something else."""
    app.config["PRE_MODERATED_POSTS"] = 0
    return app
