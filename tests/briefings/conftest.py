"""Fixtures for briefing tests: a private copy of the content, imported or not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dialogue.briefings import services
from dialogue.extensions import db

CONTENT = Path(__file__).resolve().parents[2] / "content" / "briefings"


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """A writable copy of content/briefings."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture
def imported(app, content_dir):
    """The content imported and committed; returns the content folder."""
    services.import_content(content_dir)
    db.session.commit()
    return content_dir
