"""The public "You said, we did" list, a response's page, and researchers' drafting and
review screens."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import (
    can_publish_loop_response,
    can_research,
    can_write_loop_response,
)
from dialogue.briefings.models import Briefing, Finding
from dialogue.extensions import db
from dialogue.forms import choices, form_status
from dialogue.localities import Locality
from dialogue.loop import bp, services
from dialogue.loop.forms import PublishForm, ResponseForm
from dialogue.loop.models import LoopResponse
from dialogue.refusals import Refusal

PER_PAGE = 10


def _briefings() -> list[Briefing]:
    return list(db.session.scalars(select(Briefing).where(Briefing.retired_at.is_(None))
                                   .order_by(Briefing.position, Briefing.slug)))


def _localities() -> list[Locality]:
    return list(db.session.scalars(select(Locality).order_by(Locality.name)))


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.route("/you-said-we-did")
def index():
    """Every published response, newest first, by briefing and locality."""
    briefings, localities = _briefings(), _localities()
    briefing_id = _int_arg("briefing")
    locality_id = _int_arg("locality")
    briefing_id = briefing_id if any(b.id == briefing_id for b in briefings) else None
    locality_id = locality_id if any(loc.id == locality_id for loc in localities) else None
    page = db.paginate(services.published(briefing_id=briefing_id, locality_id=locality_id),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("loop/index.html", page=page, briefings=briefings,
                           localities=localities, briefing_id=briefing_id,
                           locality_id=locality_id)


def _response_or_404(response_id: int) -> LoopResponse:
    return db.get_or_404(LoopResponse, response_id)


@bp.route("/you-said-we-did/<int:response_id>")
def show(response_id: int):
    """One response: published ones for everyone, drafts for researchers."""
    response = _response_or_404(response_id)
    if not response.is_published and not can_research(current_user):
        abort(404)
    return render_template("loop/show.html", response=response,
                           can_see_history=can_research(current_user))


@bp.route("/research/responses")
@permission_required(can_research)
def drafts():
    """The researchers' list: drafts waiting for review, and what is published."""
    published = list(db.session.scalars(services.published().limit(50)))
    return render_template("loop/drafts.html", drafts=services.drafts(), published=published)


def _target_choices() -> list:
    pairs = [("", "Choose…")]
    for briefing in _briefings():
        pairs.append((f"briefing:{briefing.id}", f"{briefing.title} (the whole briefing)"))
        pairs += [(f"finding:{f.id}", f"Finding: {f.title}") for f in briefing.findings
                  if not f.is_retired]
    return choices(pairs)


def _form(obj: LoopResponse | None = None) -> ResponseForm:
    form = ResponseForm()
    form.target.choices = _target_choices()
    form.locality.choices = choices([("", "No locality")]
                                    + [(str(loc.id), loc.name) for loc in _localities()])
    if obj is not None and not form.is_submitted():
        form.target.data = (f"finding:{obj.finding_id}" if obj.finding_id
                            else f"briefing:{obj.briefing_id}")
        form.locality.data = str(obj.locality_id) if obj.locality_id else ""
        form.title.data, form.body.data = obj.title, obj.body
    elif not form.is_submitted() and request.args.get("target"):
        form.target.data = request.args["target"]
    return form


def _target(value: str) -> services.Target | None:
    kind, _, raw = (value or "").partition(":")
    if not raw.isdigit():
        return None
    if kind == "finding":
        finding = db.session.get(Finding, int(raw))
        return services.Target(finding.briefing, finding) if finding else None
    briefing = db.session.get(Briefing, int(raw)) if kind == "briefing" else None
    return services.Target(briefing) if briefing else None


def _locality_id(form: ResponseForm) -> int | None:
    return int(form.locality.data) if form.locality.data else None


@bp.route("/research/responses/new", methods=["GET", "POST"])
@permission_required(can_write_loop_response)
def new():
    """Write a draft response to a finding or a briefing."""
    form = _form()
    if form.validate_on_submit():
        response = services.create_response(current_user, _target(form.target.data),
                                            form.title.data, form.body.data,
                                            _locality_id(form))
        db.session.commit()
        return redirect(url_for("loop.review", response_id=response.id), code=303)
    return render_template("loop/edit.html", form=form, response=None), form_status(form)


@bp.route("/research/responses/<int:response_id>/edit", methods=["GET", "POST"])
@permission_required(can_write_loop_response)
def edit(response_id: int):
    """Change a response's text (a published one goes back to review)."""
    response = _response_or_404(response_id)
    form = _form(response)
    if form.validate_on_submit():
        services.edit_response(current_user, response, form.title.data, form.body.data,
                               _locality_id(form), target=_target(form.target.data))
        db.session.commit()
        return redirect(url_for("loop.review", response_id=response.id), code=303)
    return render_template("loop/edit.html", form=form, response=response), form_status(form)


@bp.route("/research/responses/<int:response_id>/review", methods=["GET", "POST"])
@permission_required(can_research)
def review(response_id: int):
    """See a draft as the public will, and publish it with a date (not its author)."""
    response = _response_or_404(response_id)
    form = PublishForm()
    if not form.is_submitted():
        form.published_on.data = date.today()
    may_publish = can_publish_loop_response(current_user, response)
    if form.is_submitted() and not may_publish:
        abort(403)
    if form.validate_on_submit():
        try:
            told = services.publish_response(current_user, response, form.published_on.data)
        except Refusal as error:
            db.session.rollback()
            form.published_on.errors = [error.message]
            return render_template("loop/review.html", response=response, form=form,
                                   may_publish=may_publish), error.status
        db.session.commit()
        flash(f"Published. {len(told)} {'person was' if len(told) == 1 else 'people were'} "
              "told.", "success")
        return redirect(url_for("loop.show", response_id=response.id), code=303)
    return render_template("loop/review.html", response=response, form=form,
                           may_publish=may_publish), form_status(form)
