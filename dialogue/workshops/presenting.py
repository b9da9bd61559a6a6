"""What the presenter screen shows: the QR code and the current question's stage."""

from __future__ import annotations

import io
import re

import segno
from markupsafe import Markup, escape

from dialogue.workshops.models import Workshop
from dialogue.workshops.results import question_results
from dialogue.workshops.services import response_count

_STYLE_ATTRIBUTE = re.compile(r"\sstyle=\"[^\"]*\"")


def qr_svg(url: str) -> Markup:
    """The join link as an inline SVG QR code (no style attribute: the CSP forbids it)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=8, border=2, nl=False,
        dark="#0b0c0c", light="#ffffff", svgclass="dialogue-qr", lineclass=None)
    svg = _STYLE_ATTRIBUTE.sub("", buffer.getvalue().decode())
    label = escape(f"QR code for {url}")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Markup(svg)  # noqa: S704 - made by segno from our own URL; label escaped


def stage_context(workshop: Workshop) -> dict:
    """The current question, its position, live count and results for the presenter."""
    questions = list(workshop.questions)
    question = workshop.current_question
    index = questions.index(question) if question in questions else None
    return {
        "question": question,
        "position": None if index is None else index + 1,
        "question_total": len(questions),
        "has_previous": bool(index),
        "has_next": (index is None and bool(questions)) or (
            index is not None and index + 1 < len(questions)),
        "count": response_count(question) if question is not None else 0,
        "results": question_results(question) if question is not None else None,
        "version": workshop.version,
        "state_version": workshop.state_version,
    }
