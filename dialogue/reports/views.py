"""Research pages: dashboard, contributions and coding, codebook, agreement, exports,
PDF synthesis jobs and API tokens. Researchers and admins only."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_research, can_revoke_api_token, can_see_synthesis
from dialogue.db import utcnow
from dialogue.extensions import db, htmx
from dialogue.forms import ActionForm, choices, form_status
from dialogue.refusals import InvalidTransition
from dialogue.reports import (
    analysis,
    api_reference,
    bp,
    consensus_maps,
    exports,
    services,
    statfiles,
)
from dialogue.reports.api import openapi_document
from dialogue.reports.contributions import is_eligible
from dialogue.reports.filters import Filters
from dialogue.reports.forms import CodeForm, CodingForm, FilterForm, TokenForm
from dialogue.reports.labels import readable
from dialogue.reports.models import (
    CONTRIBUTION_KINDS,
    KIND_LABELS,
    ApiToken,
    Code,
    JobState,
    SynthesisJob,
)
from dialogue.reports.qdpx import build_project
from dialogue.reports.tasks import build_synthesis_pdf
from dialogue.responses import done, refused, require_action_form, stop_polling

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
        "consensus_maps": consensus_maps.summaries(filters),
        "kind_labels": KIND_LABELS, "answers": analysis.ANSWERS,
        "answer_labels": analysis.ANSWER_LABELS, "figure_for": analysis.figure_for,
        "small_cell": analysis.SMALL_CELL, "export_names": list(exports.FILES),
        "chart": analysis.shares_chart,
        "action_form": ActionForm(),
    }
    if htmx and htmx.target == "results":
        return render_template("reports/_results.html", **context)
    context["jobs"] = services.recent_syntheses(current_user)
    return render_template("reports/dashboard.html", **context)


@bp.route("/research/contributions")
@research_only
def contributions():
    """Every contribution in scope, a page at a time, with this researcher's codes."""
    filters, form = _filters_and_form()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    total = exports.count_contributions(filters)
    rows = [readable(row) for row in exports.contribution_rows(
        filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)]
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
    if kind not in CONTRIBUTION_KINDS or not is_eligible(kind, ident):
        abort(404)  # only what research may use can be coded
    form = CodingForm()
    if not form.validate_on_submit():
        abort(400)
    code = db.get_or_404(Code, int(form.code_id.data))
    on = services.toggle_coding(current_user, code.id, kind, ident)
    db.session.commit()
    back = (request.referrer if _same_site(request.referrer)
            else url_for("reports.contributions"))
    mine = services.codes_for(current_user.id, [(kind, ident)])
    return done(back, f"Code {code.code} {'applied' if on else 'removed'}.",
                fragment="reports/_codes.html", kind=kind, ident=ident,
                applied=mine[(kind, ident)], codes=services.codebook(),
                coding_form=CodingForm())


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.route("/research/codebook", methods=["GET", "POST"])
@research_only
def codebook():
    """The codebook, and a form to add a code."""
    form = _code_form(None)
    if form.validate_on_submit():
        if services.code_name_taken(form.code.data, None):
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
@require_action_form
def seed_codebook():
    """Add the research frame's default codes that are missing."""
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
        if services.code_name_taken(form.code.data, code.id):
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


@bp.route("/research/agreement")
@research_only
def agreement():
    """Where researchers agree and disagree, per code."""
    codes = {c.id: c for c in services.codebook()}
    results = analysis.agreement(list(codes))
    summary = analysis.agreement_summary(list(codes))
    return render_template("reports/agreement.html", results=results, codes=codes,
                           summary=summary, coder=exports.coder_label,
                           kind_labels=KIND_LABELS)


# --- exports ------------------------------------------------------------------------


@bp.route("/research/export/<name>.csv")
@research_only
def export_csv(name: str):
    """One CSV file for the current filters."""
    if name not in exports.FILES:
        abort(404)
    body = exports.build_csv(name, Filters.from_args(request.args))
    return _download(body.encode("utf-8"), f"dialogue-{name}.csv", "text/csv")


@bp.route("/research/export/<name>.<any(sav, dta):fmt>")
@research_only
def export_statfile(name: str, fmt: str):
    """The contributions or the participants as an SPSS or Stata file, with labels."""
    if name not in statfiles.FILES:
        abort(404)
    body = statfiles.build(name, fmt, Filters.from_args(request.args))
    return _download(body, f"dialogue-{name}.{fmt}", "application/octet-stream")


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
    return _download(build_project(Filters.from_args(request.args)),
                     "dialogue-research.qdpx", "application/zip")


@bp.route("/research/export/README.txt")
@research_only
def export_readme():
    """The export's README on its own."""
    return _download(exports.readme(Filters.from_args(request.args)).encode(),
                     "README.txt", "text/plain")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    # Werkzeug adds "; charset=utf-8" to text/* types itself.
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- PDF synthesis ----------------------------------------------------------------


@bp.route("/research/synthesis", methods=["POST"])
@research_only
@require_action_form
def start_synthesis():
    """Queue a PDF synthesis for the current filters and show its progress."""
    filters = Filters.from_args(request.form)
    services.purge_expired_jobs()
    job = services.request_synthesis(current_user, filters.query_string())
    job_id, fresh = job.id, job.state == JobState.QUEUED and job.progress == 0
    db.session.commit()
    if fresh:
        # After the commit, touching no ORM state: with the inline queue (tests) the job
        # runs right here and must not find this request holding SQLite's write lock.
        build_synthesis_pdf(job_id)
    return redirect(url_for("reports.synthesis", job_id=job_id))


def _own_job(job_id: int) -> SynthesisJob:
    job = db.get_or_404(SynthesisJob, job_id)
    if not can_see_synthesis(current_user, job):
        abort(404)  # someone else's job is not there for this researcher
    return job


@bp.route("/research/synthesis/<int:job_id>")
@research_only
def synthesis(job_id: int):
    """A synthesis job's progress (the page polls while it runs)."""
    job = _own_job(job_id)
    context = {"job": job, "expired": job.is_expired(), "retry_form": ActionForm(),
               "filters": Filters.from_query(job.filters)}
    if not htmx:
        return render_template("reports/synthesis_job.html", **context)
    body = render_template("reports/_job.html", **context)
    return stop_polling(body) if job.state in (JobState.DONE, JobState.FAILED) else body


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
@require_action_form
def retry_synthesis(job_id: int):
    """Try a failed synthesis again."""
    job = _own_job(job_id)
    url = url_for("reports.synthesis", job_id=job_id)
    try:
        job.retry()
    except InvalidTransition as error:
        return refused(error, url)
    db.session.commit()
    build_synthesis_pdf(job_id)
    return redirect(url)


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
    return render_template("reports/tokens.html", form=form,
                           tokens=services.api_tokens_of(current_user), secret=secret,
                           revoke_form=ActionForm(), now=utcnow()), form_status(form)


@bp.get("/research/api")
@research_only
def api_reference_page():
    """The API's reference, read from its OpenAPI document, with "Try it"."""
    document = openapi_document()
    operations = api_reference.operations(document)
    return render_template("reports/api_reference.html", document=document,
                           operations=operations,
                           parameters=api_reference.common_parameters(operations),
                           shared=api_reference.schemas_used(document, operations))


@bp.route("/research/tokens/<int:token_id>/revoke", methods=["POST"])
@research_only
@require_action_form
def revoke_token(token_id: int):
    """Stop one of this researcher's tokens working."""
    token = db.get_or_404(ApiToken, token_id)
    if not can_revoke_api_token(current_user, token):
        abort(404)  # someone else's token is not there for this researcher
    services.revoke_api_token(current_user, token)
    db.session.commit()
    flash(f"Token {token.name} revoked.", "success")
    return redirect(url_for("reports.tokens"))
