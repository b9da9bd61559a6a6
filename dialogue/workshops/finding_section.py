"""The published results cards of the workshops that checked a finding, on its page.

The briefings feature cannot know workshops: the finding page's "You said" block
(``dialogue.loop``) sends ``page_sections.you_said_workshops`` and lists what receivers
answer. This receiver answers with one list item per card (its figures as published, one
small query).
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dialogue.workshops.publishing import cards_for_finding


def finding_results_cards(sender, finding, **_extra) -> Markup | str:
    """The list items for ``finding``, or nothing when no public card checked it."""
    cards = cards_for_finding(finding.key)
    if not cards:
        return ""
    html = render_template("workshops/_finding_results_cards.html", cards=cards,
                           finding=finding)
    return Markup(html)  # noqa: S704 - our own template, autoescaped
