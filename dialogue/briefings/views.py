"""Briefing pages, the finding page, reactions, the PDF and site search."""

from __future__ import annotations

import io

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from dialogue import search as search_service
from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_contribute
from dialogue.briefings import bp, pages, services
from dialogue.briefings.forms import ReactionForm
from dialogue.briefings.models import (
    REACTION_LABELS,
    Briefing,
    Finding,
    ReactionAnswer,
)
from dialogue.extensions import db, htmx, limiter
from dialogue.forms import form_status

# Themes are slugs in the front matter; these read better where it matters.
THEME_LABELS = {"mats": "Multi-academy trusts", "siss": "The self-improving system"}


def _live_briefing(slug: str) -> Briefing:
    briefing = db.session.scalar(select(Briefing).where(Briefing.slug == slug))
    if briefing is None or briefing.is_retired:
        abort(404)
    return briefing


def _reaction_state(findings: list[Finding]) -> dict:
    """What the reaction widgets need: my answers, and totals only where I answered."""
    ids = [f.id for f in findings]
    mine = services.my_reactions(current_user, ids)
    totals = services.reaction_totals(list(mine)) if mine else {}
    return {"my_reactions": mine, "totals": totals, "labels": REACTION_LABELS,
            "answers": list(ReactionAnswer)}


@bp.route("/briefings/")
def index():
    """The briefings in reading order, with summaries and headline figures."""
    theme = request.args.get("theme") or None

    def build(theme: str | None) -> str:
        everything = services.published_briefings()
        themes = sorted({t for b in everything for t in b.themes})
        briefings = [b for b in everything if theme is None or theme in b.themes]
        figures = services.headline_figures([b.id for b in briefings])
        return render_template("briefings/_index_body.html", briefings=briefings,
                               figures=figures, themes=themes,
                               theme=theme if theme in themes else None,
                               theme_labels=THEME_LABELS,
                               unknown_theme=theme is not None and theme not in themes,
                               requested_theme=theme)

    if theme is None or theme in pages.cached("themes", services.theme_slugs):
        html = pages.cached(f"index:{theme or ''}", lambda: build(theme))
    else:  # unknown themes are not cached: the key would be whatever a visitor typed
        html = build(theme)
    # ``html`` is our own autoescaped template's output, cached or fresh.
    return render_template("briefings/index.html", body=Markup(html))  # noqa: S704


@bp.route("/briefings/<slug>")
def show(slug: str):
    """One briefing: contents, findings with figures, reactions and comment counts."""
    page = pages.briefing_page(slug)
    if page is None:
        abort(404)
    counts = pages.comment_counts(page)
    reaction = None
    if current_user.is_authenticated:
        state = _reaction_state(list(page.findings.values()))

        def reaction(stub):
            return render_template("briefings/_reaction.html", finding=stub,
                                   origin="briefing", **state)

    return render_template("briefings/show.html", page=page,
                           body=pages.assemble(page, counts, reaction))


@bp.route("/briefings/<slug>.pdf")
def pdf(slug: str):
    """The briefing as a PDF, built once per content version and cached."""
    briefing = _live_briefing(slug)
    data = services.briefing_pdf(briefing).read_bytes()
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"{slug}.pdf",
                     etag=briefing.content_hash[:32], max_age=3600, conditional=True)


@bp.route("/findings/<key>")
def finding(key: str):
    """A single finding with its figures, reaction widget and discussion."""
    item = db.one_or_404(select(Finding).where(Finding.key == key))
    counts = services.comment_counts([item.id])
    return render_template("briefings/finding.html", finding=item, briefing=item.briefing,
                           form=ReactionForm(), comment_counts=counts, origin="finding",
                           **_reaction_state([item]))


def _vote_limit() -> str:
    return current_app.config.get("VOTE_RATE_LIMIT", "60 per minute")


def _per_user() -> str:
    # A whole school can share one IP address, so votes are limited per person.
    return f"user:{current_user.get_id()}"


@bp.route("/findings/<key>/reaction", methods=["POST"])
@permission_required(can_contribute)
@limiter.limit(_vote_limit, key_func=_per_user)
def react(key: str):
    """Record or change the signed-in person's reaction to a finding."""
    item = db.one_or_404(select(Finding).where(Finding.key == key))
    form = ReactionForm()
    origin = "briefing" if request.form.get("origin") == "briefing" else "finding"
    status, message = 200, None
    if item.is_retired:
        status = 409
        message = "This finding has been retired, so it no longer takes reactions."
    elif not form.validate_on_submit():
        status = form_status(form)
        message = next(iter(form.answer.errors), "Your reaction could not be recorded.")
    else:
        try:
            services.react(item, current_user, ReactionAnswer(form.answer.data))
        except services.FindingRetired:  # retired between the check and the write
            db.session.rollback()
            status = 409
            message = "This finding has been retired, so it no longer takes reactions."
        else:
            db.session.commit()
            if not htmx:
                anchor = f"reaction-{item.key}"
                if origin == "briefing":
                    return redirect(url_for("briefings.show", slug=item.briefing.slug,
                                            _anchor=anchor), code=303)
                return redirect(url_for("briefings.finding", key=item.key, _anchor=anchor),
                                code=303)
            message = "Thank you: your reaction has been recorded."
    context = dict(finding=item, form=form, origin=origin, message=message,
                   error=status != 200, **_reaction_state([item]))
    if htmx:
        return render_template("briefings/_reaction.html", oob=True, **context), status
    counts = services.comment_counts([item.id])
    return render_template("briefings/finding.html", briefing=item.briefing,
                           comment_counts=counts, **context), status


@bp.route("/search")
def search():
    """Search briefings, findings and (once they exist) forum threads."""
    query = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", 1, type=int) or 1
    results = search_service.search(query, page=page, per_page=20) if query else None
    return render_template("search/page.html", query=query, results=results)
