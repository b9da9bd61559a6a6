"""Sections that features higher up add to lower features' pages, as blinker signals.

The briefings feature knows no feature above it, yet the finding page shows what people
said and what the research team did about it ("You said, we did", ``dialogue.loop``),
and the workshops' results belong beside it. Moderation knows no feature either, yet a
consensus map's held and flagged statements wait for moderators too. So the pages send
these signals and show whatever the receivers answer; a feature connects its receiver in
its ``init_app`` with ``signal.connect(receiver, app)``. Every receiver returns ``Markup``
(our own rendered templates), or ``""`` to add nothing.
"""

from __future__ import annotations

from flask import current_app
from flask.signals import Namespace
from markupsafe import Markup

_signals = Namespace()

# On a finding's page, below its figures: sent with ``finding``.
finding_sections = _signals.signal("finding-sections")
# On a briefing's page, after its body: sent with ``briefing_id``.
briefing_sections = _signals.signal("briefing-sections")
# In a briefing's PDF, after its body: sent with ``briefing``. Receivers return
# ``(stamp, Markup)``; the stamp changes whenever their part changes, so the cached PDF
# is rebuilt then (and only then).
briefing_pdf_sections = _signals.signal("briefing-pdf-sections")
# Inside a finding's "You said" block: the workshops that checked the finding, each
# room's result beside the national figure. Sent with ``finding``; receivers return
# ``Markup`` of list items (``<li>...</li>``) or ``""``.
you_said_workshops = _signals.signal("you-said-workshops")
# In the moderation queue, after the posts: sent with ``moderator``.
moderation_queue_sections = _signals.signal("moderation-queue-sections")
# A workshop's activities that live in other features (the consensus map): on the
# facilitator's console, on the audience screen's stage, and in the phones' live region.
# Sent with ``workshop`` by the templates themselves (``page_section`` below), so the
# workshops' views need not know them.
workshop_console_sections = _signals.signal("workshop-console-sections")
workshop_screen_sections = _signals.signal("workshop-screen-sections")
workshop_phone_sections = _signals.signal("workshop-phone-sections")
TEMPLATE_SIGNALS = {"workshop_console": workshop_console_sections,
                    "workshop_screen": workshop_screen_sections,
                    "workshop_phone": workshop_phone_sections}


def collect(signal, **extra) -> Markup:
    """Every receiver's answer to ``signal``, joined in the order they connected."""
    answers = signal.send(current_app._get_current_object(), **extra)
    # Markup.join escapes anything that is not Markup already.
    return Markup("").join(value for _, value in answers if value)


def page_section(name: str, **extra) -> Markup:
    """The template global: ``{{ page_section('workshop_screen', workshop=workshop) }}``."""
    return collect(TEMPLATE_SIGNALS[name], **extra)


def pdf_sections(briefing) -> tuple[str, Markup]:
    """(a stamp of every PDF section's state, the sections' HTML) for ``briefing``."""
    answers = [value for _, value in briefing_pdf_sections.send(
        current_app._get_current_object(), briefing=briefing) if value]
    return ("|".join(stamp for stamp, _ in answers),
            Markup("").join(html for _, html in answers))
