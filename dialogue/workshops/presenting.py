"""What the audience screen and the facilitator's console show: the join strip, the current
question's stage, what comes next."""

from __future__ import annotations

import io
import re

import segno
from flask import url_for
from markupsafe import Markup, escape

from dialogue.workshops import live, timers
from dialogue.workshops.models import Workshop, WorkshopState
from dialogue.workshops.participants import participant_count, response_count
from dialogue.workshops.results import question_results

_STYLE_ATTRIBUTE = re.compile(r"\sstyle=\"[^\"]*\"")
_SCHEME = re.compile(r"^https?://")
_SIZE = re.compile(r'width="(?P<w>\d+)" height="(?P<h>\d+)"')


def qr_svg(url: str) -> Markup:
    """The join link as an inline SVG QR code with its four-module quiet zone (no style
    attribute: the CSP forbids it)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=8, border=4, nl=False,
        dark="#0b0c0c", light="#ffffff", svgclass="dialogue-qr", lineclass=None)
    svg = _STYLE_ATTRIBUTE.sub("", buffer.getvalue().decode())
    # A viewBox, so that CSS can scale the code (without one a smaller box crops it).
    size = _SIZE.search(svg)
    if size and "viewBox" not in svg:
        svg = svg.replace("<svg ", f'<svg viewBox="0 0 {size["w"]} {size["h"]}" ', 1)
    label = escape(f"QR code for {url}")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Markup(svg)  # noqa: S704 - made by segno from our own URL; label escaped


def join_details(workshop: Workshop) -> dict:
    """The join strip: the short address to type (from the public address when set), the
    code, and the QR code of the workshop's own join link."""
    join_url = url_for("workshops.join_code", code=workshop.code, _external=True)
    address = _SCHEME.sub("", url_for("workshops.join", _external=True))
    return {"join_url": join_url, "join_address": address, "qr": qr_svg(join_url)}


def screen_version(workshop: Workshop, version: int) -> str:
    """The screen's and console's poll version for the question they show (none once
    the workshop has ended), with the workshop's own ``version``."""
    question_id = (workshop.current_question_id if workshop.state != WorkshopState.CLOSED
                   else None)
    return live.presenter_version(workshop.id, version, question_id)


def stage_context(workshop: Workshop) -> dict:
    """The current question, its position, live count, timer and results; who has joined;
    and the question after it (for the console)."""
    questions = list(workshop.questions)
    # Once ended, the screen and the console say so: the last question stays the
    # workshop's current one, but it is no longer what the room is shown.
    question = workshop.current_question if workshop.state != WorkshopState.CLOSED else None
    index = questions.index(question) if question in questions else None
    following = (0 if index is None else index + 1)
    # First: the version is read before the count and results it describes.
    version = screen_version(workshop, workshop.version)
    return {
        "question": question,
        "position": None if index is None else index + 1,
        "question_total": len(questions),
        "has_previous": bool(index),
        "has_next": following < len(questions),
        "next_question": questions[following] if following < len(questions) else None,
        "count": response_count(question) if question is not None else 0,
        "joined": participant_count(workshop),
        "results": question_results(question) if question is not None else None,
        "seconds_left": timers.seconds_left(workshop),
        "closes_at": workshop.closes_at.timestamp() if workshop.closes_at else None,
        "version": version,
        "state_version": workshop.state_version,
    }
