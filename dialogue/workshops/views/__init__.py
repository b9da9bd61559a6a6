"""Workshop pages, one module per idea: building, presenting, results, participants.

Views load, check permission, call a service, commit once, then render or redirect.
Every control is an ordinary form (it works without JavaScript); htmx swaps fragments.
"""

from dialogue.workshops.views import builder, cards, participants, presenter, qa, results

__all__ = ["builder", "cards", "participants", "presenter", "qa", "results"]
