"""Research pages: dashboard, contributions and coding, codebook, agreement, exports,
PDF synthesis jobs and API tokens. Researchers and admins only."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_research
from dialogue.db import utcnow
from dialogue.extensions import db, htmx
from dialogue.forms import ActionForm, choices, form_status
from dialogue.reports import analysis, bp, exports, services
from dialogue.reports.contributions import KIND_LABELS, Filters
from dialogue.reports.forms import CodeForm, CodingForm, FilterForm, TokenForm
from dialogue.reports.models import CONTRIBUTION_KINDS, ApiToken, Code, JobState, SynthesisJob

PAGE_SIZE = 25

research_only = permission_required(can_research)


def _filters_and_form():
    filters = Filters.from_args(request.args)
    form = FilterForm(formdata=request.args).fill(analysis.filter_choices())
    return filters, form


@bp.route("/research/")
@research_only
def dashboard():
    """Counts, reaction shares and locality views for the current filters."""
    filters, form = _filters_and_form()
    context = {
        "filters": filters, "form": form,
        "participation": analysis.participation(filters),
        "findings": analysis.reaction_shares(filters),
        "localities": analysis.locality_view(filters),
        "codes": analysis.code_counts(filters),
        "workshops": analysis.workshop_results(filters),
        "kind_labels": KIND_LABELS, "answers": analysis.ANSWERS,
        "answer_labels": analysis.ANSWER_LABELS, "cell": analysis.cell,
        "small_cell": analysis.SMALL_CELL, "export_names": list(exports.FILES),
        "chart": _shares_chart,
        "action_form": ActionForm(),
    }
    if htmx and htmx.target == "results":
        return render_template("reports/_results.html", **context)
    context["jobs"] = db.session.scalars(
        select(SynthesisJob).where(SynthesisJob.requested_by_id == current_user.id)
        .order_by(SynthesisJob.created_at.desc(), SynthesisJob.id.desc()).limit(5)).all()
    return render_template("reports/dashboard.html", **context)


def _shares_chart(shares, title: str):
    from dialogue.reports.synthesis import _chart

    return _chart(shares, title)


@bp.route("/research/contributions")
@research_only
def contributions():
    """Every contribution in scope, a page at a time, with this researcher's codes."""
    filters, form = _filters_and_form()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    total = exports.count_contributions(filters)
    rows = list(exports.contribution_rows(filters, offset=(page - 1) * PAGE_SIZE,
                                          limit=PAGE_SIZE))
    mine = services.codes_for(current_user.id, [(r["kind"], r["id"]) for r in rows])
    context = {
        "filters": filters, "form": form, "rows": rows, "mine": mine, "total": total,
        "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "kind_labels": KIND_LABELS,
        "codes": services.codebook(), "coding_form": CodingForm(),
    }
    if htmx and htmx.target == "results":
        return render_template("reports/_contributions.html", **context)
    return render_template("reports/contributions.html", **context)


@bp.route("/research/contributions/<kind>/<int:ident>/codes", methods=["POST"])
@research_only
def code_contribution(kind: str, ident: int):
    """Apply or remove one of this researcher's codes on a contribution."""
    from dialogue.reports.contributions import is_eligible

    if kind not in CONTRIBUTION_KINDS or not is_eligible(kind, ident):
        abort(404)  # only what research may use can be coded
    form = CodingForm()
    if not form.validate_on_submit():
        abort(400)
    code = db.get_or_404(Code, int(form.code_id.data))
    on = services.toggle_coding(current_user, code.id, kind, ident)
    db.session.commit()
    if htmx:
        mine = services.codes_for(current_user.id, [(kind, ident)])
        return render_template("reports/_codes.html", kind=kind, ident=ident,
                               applied=mine[(kind, ident)], codes=services.codebook(),
                               coding_form=CodingForm(),
                               announce=f"{code.code} {'applied' if on else 'removed'}")
    flash(f"Code {code.code} {'applied' if on else 'removed'}.", "success")
    return redirect(request.referrer if _same_site(request.referrer)
                    else url_for("reports.contributions"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.route("/research/codebook", methods=["GET", "POST"])
@research_only
def codebook():
    """The codebook, and a form to add a code."""
    form = _code_form(None)
    if form.validate_on_submit():
        if _name_taken(form.code.data, None):
            form.code.errors.append("There is already a code with that name")
        else:
            code = services.save_code(current_user, None, name=form.code.data,
                                      parent_id=_parent(form), definition=form.definition.data,
                                      when_to_use=form.when_to_use.data,
                                      example=form.example.data)
            db.session.commit()
            flash(f"Code {code.code} added.", "success")
            return redirect(url_for("reports.codebook"))
    return render_template("reports/codebook.html", form=form, codes=services.codebook(),
                           seed_form=ActionForm()), form_status(form)


@bp.route("/research/codebook/defaults", methods=["POST"])
@research_only
def seed_codebook():
    """Add the research frame's default codes that are missing."""
    if not ActionForm().validate_on_submit():
        abort(400)
    added = services.seed_codebook()
    db.session.commit()
    flash(f"{len(added)} default code(s) added." if added else "The default codes are there.",
          "success")
    return redirect(url_for("reports.codebook"))


@bp.route("/research/codebook/<int:code_id>", methods=["GET", "POST"])
@research_only
def edit_code(code_id: int):
    """Change a code's name, parent, definition, guidance or example."""
    code = db.get_or_404(Code, code_id)
    form = _code_form(code)
    if form.validate_on_submit():
        if _name_taken(form.code.data, code.id):
            form.code.errors.append("There is already a code with that name")
        else:
            services.save_code(current_user, code, name=form.code.data,
                               parent_id=_parent(form), definition=form.definition.data,
                               when_to_use=form.when_to_use.data, example=form.example.data)
            db.session.commit()
            flash(f"Code {code.code} saved.", "success")
            return redirect(url_for("reports.codebook"))
    return render_template("reports/code.html", form=form, code=code), form_status(form)


def _code_form(code: Code | None) -> CodeForm:
    if code is not None and request.method == "GET":
        form = CodeForm(data={"code": code.code, "parent": str(code.parent_id or ""),
                              "definition": code.definition, "when_to_use": code.when_to_use,
                              "example": code.example})
    else:
        form = CodeForm()
    parents = [(str(c.id), c.code) for c in services.codebook()
               if c.parent_id is None and (code is None or c.id != code.id)]
    form.parent.choices = choices([("", "Nothing (a top-level code)"), *parents])
    return form


def _parent(form: CodeForm) -> int | None:
    return int(form.parent.data) if form.parent.data else None


def _name_taken(name: str, except_id: int | None) -> bool:
    query = select(Code.id).where(Code.code == name)
    if except_id is not None:
        query = query.where(Code.id != except_id)
    return db.session.scalar(query) is not None


@bp.route("/research/agreement")
@research_only
def agreement():
    """Where researchers agree and disagree, per code."""
    codes = {c.id: c for c in services.codebook()}
    results = analysis.agreement(list(codes))
    return render_template("reports/agreement.html", results=results, codes=codes)


# --- exports ------------------------------------------------------------------------


@bp.route("/research/export/<name>.csv")
@research_only
def export_csv(name: str):
    """One CSV file for the current filters."""
    if name not in exports.FILES:
        abort(404)
    body = exports.build_csv(name, Filters.from_args(request.args))
    return _download(body.encode("utf-8"), f"dialogue-{name}.csv", "text/csv; charset=utf-8")


@bp.route("/research/export.zip")
@research_only
def export_zip():
    """Every CSV and the README in one zip, for the current filters."""
    return _download(exports.build_zip(Filters.from_args(request.args)),
                     "dialogue-research-export.zip", "application/zip")


@bp.route("/research/export.qdpx")
@research_only
def export_qdpx():
    """A REFI-QDA project (NVivo, ATLAS.ti, MAXQDA) of the current filters."""
    from dialogue.reports.qdpx import build_project

    return _download(build_project(Filters.from_args(request.args)),
                     "dialogue-research.qdpx", "application/zip")


@bp.route("/research/export/README.txt")
@research_only
def export_readme():
    """The export's README on its own."""
    return _download(exports.readme(Filters.from_args(request.args)).encode(),
                     "README.txt", "text/plain; charset=utf-8")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- PDF synthesis ----------------------------------------------------------------


@bp.route("/research/synthesis", methods=["POST"])
@research_only
def start_synthesis():
    """Queue a PDF synthesis for the current filters and show its progress."""
    if not ActionForm().validate_on_submit():
        abort(400)
    filters = Filters.from_args(request.form)
    services.purge_expired_jobs()
    job = services.request_synthesis(current_user, filters.query_string())
    job_id, fresh = job.id, job.state == JobState.QUEUED and job.progress == 0
    db.session.commit()
    if fresh:
        _enqueue(job_id)
    return redirect(url_for("reports.synthesis", job_id=job_id))


def _enqueue(job_id: int) -> None:
    # Called after the commit, touching no ORM state: with the inline queue (tests) the
    # job runs right here and must not find this request holding SQLite's write lock.
    from dialogue.jobs import enqueue

    enqueue("dialogue.reports.synthesis:run_job", job_id)


def _own_job(job_id: int) -> SynthesisJob:
    job = db.get_or_404(SynthesisJob, job_id)
    if job.requested_by_id != current_user.id:
        abort(404)
    return job


@bp.route("/research/synthesis/<int:job_id>")
@research_only
def synthesis(job_id: int):
    """A synthesis job's progress (the page polls while it runs)."""
    job = _own_job(job_id)
    expired = job.is_expired()
    context = {"job": job, "expired": expired, "retry_form": ActionForm(),
               "filters": Filters.from_args(dict(_pairs(job.filters)))}
    if htmx:
        response = Response(render_template("reports/_job.html", **context))
        if job.state in (JobState.DONE, JobState.FAILED):
            response.status_code = 286  # htmx: stop polling
        return response
    return render_template("reports/synthesis_job.html", **context)


def _pairs(query: str):
    from urllib.parse import parse_qsl

    return parse_qsl(query)


@bp.route("/research/synthesis/<int:job_id>.pdf")
@research_only
def synthesis_pdf(job_id: int):
    """Download a finished synthesis while it is kept."""
    job = _own_job(job_id)
    if job.state != JobState.DONE or job.is_expired() or job.pdf is None:
        abort(404)
    return _download(job.pdf, f"dialogue-synthesis-{job.id}.pdf", "application/pdf")


@bp.route("/research/synthesis/<int:job_id>/retry", methods=["POST"])
@research_only
def retry_synthesis(job_id: int):
    """Try a failed synthesis again."""
    if not ActionForm().validate_on_submit():
        abort(400)
    job = _own_job(job_id)
    if job.state == JobState.FAILED:
        job.retry()
        db.session.commit()
        _enqueue(job_id)
    return redirect(url_for("reports.synthesis", job_id=job_id))


# --- API tokens -----------------------------------------------------------------


@bp.route("/research/tokens", methods=["GET", "POST"])
@research_only
def tokens():
    """This researcher's API tokens; a new one is shown once."""
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        _token, secret = services.create_api_token(current_user, form.name.data)
        db.session.commit()
        form = TokenForm(formdata=None)
    mine = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    return render_template("reports/tokens.html", form=form, tokens=mine, secret=secret,
                           revoke_form=ActionForm(), now=utcnow()), form_status(form)


@bp.route("/research/tokens/<int:token_id>/revoke", methods=["POST"])
@research_only
def revoke_token(token_id: int):
    """Stop one of this researcher's tokens working."""
    if not ActionForm().validate_on_submit():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    services.revoke_api_token(current_user, token)
    db.session.commit()
    flash(f"Token {token.name} revoked.", "success")
    return redirect(url_for("reports.tokens"))
