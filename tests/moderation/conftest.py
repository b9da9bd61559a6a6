"""Moderation fixtures: findings to comment on, and the forum fixtures."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from dialogue.extensions import db
from tests.forums.conftest import locality, thread, trusted  # noqa: F401


def make_finding(key: str = "a-finding", title: str = "A finding", *, figure: str | None = None,
                 retired: bool = False):
    """A briefing with one finding (and optionally one key figure)."""
    from dialogue.briefings.models import Briefing, Finding, KeyFigure
    from dialogue.db import utcnow

    briefing = db.session.scalar(db.select(Briefing).where(Briefing.slug == "test-briefing"))
    if briefing is None:
        briefing = Briefing(slug="test-briefing", title="Test briefing", summary="S",
                            updated=date(2018, 1, 1))
        db.session.add(briefing)
        db.session.flush()
    finding = Finding(key=key, briefing_id=briefing.id, title=title,
                      retired_at=utcnow() if retired else None)
    db.session.add(finding)
    db.session.flush()
    if figure:
        db.session.add(KeyFigure(finding_id=finding.id, value=figure, measures="of leaders",
                                 base="all respondents", source_key="survey",
                                 source_label="Survey"))
    db.session.commit()
    return finding


@pytest.fixture
def finding(app):
    return make_finding()


class TagAudit(HTMLParser):
    """Collects the tags and attributes of rendered HTML (text stays text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
