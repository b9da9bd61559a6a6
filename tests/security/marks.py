"""Marks for the heavy tests of the security, fault and load suites.

``heavy`` tests are marked ``slow`` and run only when ``DIALOGUE_HEAVY=1`` (``make
security`` and ``make load`` set it), so ``make test`` stays within its time budget.
"""

import os

import pytest

RUN_HEAVY = os.environ.get("DIALOGUE_HEAVY") == "1"


def heavy(test):
    """Mark a test slow, and skip it unless DIALOGUE_HEAVY=1."""
    test = pytest.mark.slow(test)
    return pytest.mark.skipif(not RUN_HEAVY, reason="heavy: run with DIALOGUE_HEAVY=1 "
                              "(make security / make load)")(test)
