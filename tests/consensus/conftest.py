"""A consensus map in Locality A, opened by a facilitator with three seed statements."""

from __future__ import annotations

import pytest

from dialogue.consensus import services as consensus
from dialogue.extensions import db

SEEDS = ["Schools should share subject leaders.", "Trusts know their schools best.",
         "The local authority should convene every school."]


@pytest.fixture
def owner(factory):
    return factory.user(role="facilitator", name="Fran Facilitator")


@pytest.fixture
def conversation(app, owner, locality):
    item = consensus.create_conversation(owner, title="What should the system mean here?",
                                         prompt="Agree, disagree or pass.", locality=locality)
    for text in SEEDS:
        consensus.add_statement(item, owner, text, seed=True)
    db.session.commit()
    return item


@pytest.fixture
def statements(conversation):
    return consensus.statements_of(conversation)
