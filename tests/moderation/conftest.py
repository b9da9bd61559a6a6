"""Moderation fixtures: a finding to comment on (the forum fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def finding(app, factory):
    return factory.finding()
