"""The parts of the briefings' pages and PDF this feature fills, through the signals of
``dialogue.page_sections``."""

from __future__ import annotations

from flask import current_app, render_template
from markupsafe import Markup

from dialogue import page_sections
from dialogue.loop import services


def _html(template: str, **context) -> Markup:
    # Our own autoescaped template's output; response bodies are the untrusted renderer's.
    return Markup(render_template(template, **context))  # noqa: S704


def finding_section(sender, finding, **extra) -> Markup:
    """"You said" and "We did" on a finding's page."""
    # A methods statement takes no reactions, so there is nothing to say back.
    said = None if finding.is_methods else services.you_said(finding.id)
    return _html("loop/_finding_section.html", finding=finding,
                 said=said, answers=services.answer_labels(),
                 workshops=page_sections.collect(page_sections.you_said_workshops,
                                                 finding=finding),
                 responses=services.for_finding(finding))


def briefing_section(sender, briefing_id, **extra) -> Markup | str:
    """"We did" on a briefing's page: responses to it and to its findings.

    The briefing page is the site's busiest, so the rendered block is kept per process,
    keyed on a stamp read from the database on each view (one indexed aggregate): a
    publication, edit or withdrawal changes the stamp, so no worker serves an old block.
    """
    stamp = services.pdf_stamp(briefing_id)
    if not stamp:
        return ""
    kept: dict = current_app.extensions.setdefault("loop_briefing_sections", {})
    hit = kept.get(briefing_id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    html = _html("loop/_briefing_section.html",
                 responses=services.for_briefing(briefing_id))
    kept[briefing_id] = (stamp, html)  # one entry per live briefing, replaced in place
    return html


def pdf_section(sender, briefing, **extra):
    """"We did" in the briefing's PDF, with a stamp that moves when it changes."""
    stamp = services.pdf_stamp(briefing.id)
    if not stamp:
        return None
    return stamp, _html("loop/_pdf_section.html",
                        responses=services.for_briefing(briefing.id))
