"""The facilitator reviews a workshop's results card, writes its introduction and
publishes it once (a thread in the locality's space; see ``workshops.publishing``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from dialogue.extensions import db
from dialogue.forms import form_status
from dialogue.refusals import Refusal
from dialogue.workshops import bp, publishing
from dialogue.workshops.forms import ResultsCardForm
from dialogue.workshops.models import Workshop
from dialogue.workshops.results_card import Card, build_card
from dialogue.workshops.views.common import load_workshop


def _review_page(workshop: Workshop, form: ResultsCardForm, *, status: int | None = None,
                 error: str | None = None):
    """The review page: the card as published, or as it would be published now."""
    stored = publishing.card_for(workshop)
    card = (Card.from_dict(stored.figures) if stored is not None and stored.is_published
            else build_card(workshop))
    return render_template(
        "workshops/results_card.html", workshop=workshop, card=card, stored=stored,
        form=form, space=publishing.card_space(workshop), error=error,
        cannot_publish=publishing.publish_refusal(workshop, stored),
        thread_title=publishing.thread_title(workshop),
    ), status or form_status(form)


@bp.route("/workshops/<int:workshop_id>/results-card", methods=["GET", "POST"])
def results_card(workshop_id: int):
    """Review the results card; save its introduction (before or after publishing)."""
    workshop = load_workshop(workshop_id)
    stored = publishing.card_for(workshop)
    form = ResultsCardForm(data={"intro": stored.intro if stored else ""})
    if not form.validate_on_submit():
        return _review_page(workshop, form)
    publishing.save_intro(workshop, current_user, form.intro.data or "")
    db.session.commit()
    flash("The introduction is saved.", "success")
    return redirect(url_for("workshops.results_card", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/results-card/publish", methods=["POST"])
def results_card_publish(workshop_id: int):
    """Publish the results card: once, after the workshop has ended."""
    workshop = load_workshop(workshop_id)
    form = ResultsCardForm()
    if not form.validate_on_submit():
        return _review_page(workshop, form)
    try:
        card = publishing.publish_card(workshop, current_user, form.intro.data or "")
    except Refusal as refusal:
        db.session.rollback()
        return _review_page(workshop, form, status=refusal.status, error=refusal.message)
    db.session.commit()
    flash("The results are published, in their own thread.", "success")
    return redirect(url_for("forums.thread", thread_id=card.thread_id))
