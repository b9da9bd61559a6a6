"""Briefing pages, the finding page, reactions, comments and the PDF."""

from __future__ import annotations

import io

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from dialogue import page_sections, responses
from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_contribute
from dialogue.briefings import bp, comments, pages, services
from dialogue.briefings.forms import CommentForm, ReactionForm
from dialogue.briefings.models import (
    REACTION_LABELS,
    Briefing,
    Finding,
    ReactionAnswer,
)
from dialogue.discussion import services as posts
from dialogue.extensions import db, htmx
from dialogue.forms import form_status
from dialogue.ratelimits import posting_limit, reaction_limit
from dialogue.refusals import Refusal, Unprocessable
from dialogue.responses import done

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
                           body=pages.assemble(page, counts, reaction),
                           sections=page_sections.collect(page_sections.briefing_sections,
                                                          briefing_id=page.briefing_id))


@bp.route("/briefings/<slug>.pdf")
def pdf(slug: str):
    """The briefing as a PDF, built once per content version and cached."""
    briefing = _live_briefing(slug)
    data = services.briefing_pdf(briefing).read_bytes()
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"{slug}.pdf",
                     etag=briefing.content_hash[:32], max_age=3600, conditional=True)


def _finding_or_404(key: str) -> Finding:
    return db.one_or_404(select(Finding).where(Finding.key == key))


@bp.route("/findings/<key>")
def finding(key: str):
    """A single finding with its figures, reaction widget and discussion."""
    item = _finding_or_404(key)
    return responses.show("briefings/finding.html", finding=item, briefing=item.briefing,
                form=ReactionForm(), comment_counts=comments.comment_counts([item.id]),
                comments=comments.comment_section(item), origin="finding",
                sections=page_sections.collect(page_sections.finding_sections, finding=item),
                **_reaction_state([item]))


def _answer(item: Finding, form: ReactionForm) -> ReactionAnswer:
    """The answer given, or a refusal saying why there is none."""
    if item.is_retired:
        raise services.FindingRetired(services.RETIRED)
    if item.is_methods:
        raise services.MethodsStatement(services.METHODS)
    if not form.validate_on_submit():
        raise Unprocessable(next(iter(form.answer.errors), "Your reaction could not be recorded."))
    return ReactionAnswer(form.answer.data)


@bp.route("/findings/<key>/reaction", methods=["POST"])
@permission_required(can_contribute)
@reaction_limit
def react(key: str):
    """Record or change the signed-in person's reaction to a finding."""
    item = _finding_or_404(key)
    form = ReactionForm()
    origin = "briefing" if request.form.get("origin") == "briefing" else "finding"
    try:
        services.react(item, current_user, _answer(item, form))
    except Refusal as error:  # retired, also between the check and the write
        db.session.rollback()
        status, message = error.status, error.message
    else:
        db.session.commit()
        if not htmx:
            anchor = f"reaction-{item.key}"
            if origin == "briefing":
                return redirect(url_for("briefings.show", slug=item.briefing.slug,
                                        _anchor=anchor), code=303)
            return redirect(url_for("briefings.finding", key=item.key, _anchor=anchor),
                            code=303)
        status, message = 200, "Thank you: your reaction has been recorded."
    context = dict(finding=item, form=form, origin=origin, message=message,
                   error=status != 200, **_reaction_state([item]))
    if htmx:
        return responses.show("briefings/_reaction.html", status=status, oob=True, **context)
    return responses.show("briefings/finding.html", status=status, briefing=item.briefing,
                comment_counts=comments.comment_counts([item.id]),
                comments=comments.comment_section(item),
                sections=page_sections.collect(page_sections.finding_sections, finding=item),
                **context)


@bp.route("/findings/<key>/comments", methods=["POST"])
@login_required
@posting_limit
def comment(key: str):
    """Comment on a finding, or reply to a comment (one level)."""
    item = _finding_or_404(key)
    form = CommentForm()
    if item.is_retired:
        # The form already holds what was typed; it is shown again with this error.
        form.body.errors = ["This finding has been retired, so it takes no new comments"]
        status = 409
    elif form.validate_on_submit():
        try:
            post = posts.create_post(current_user, form.body.data, finding=item,
                                     parent=comments.reply_parent(item, form.parent_id.data))
        except posts.PostingRefused as error:
            form.body.errors = [str(error)]
            status = error.status
        else:
            db.session.commit()
            return done(url_for("briefings.finding", key=item.key, _anchor=f"post-{post.id}"),
                        "Your comment is waiting for a moderator. Only you can see it until "
                        "it is approved." if post.is_held else "Your comment has been posted.",
                        fragment="briefings/_comments.html", finding=item,
                        comments=comments.comment_section(item))
    else:
        status = form_status(form)
    return responses.show("briefings/comment.html", "briefings/_comments.html", status=status,
                finding=item, form=form, comments=comments.comment_section(item, form))
