"""The read-only research API under ``/api/v1/``: the same data and filters as the
dashboard and the exports, paginated, with per-researcher bearer tokens.

A signed-in researcher's session also works, so the API can be explored in a browser.
The OpenAPI 3 document at ``/api/v1/openapi.json`` describes every endpoint.
"""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, g, jsonify, request, url_for
from flask_login import current_user

from dialogue.auth.permissions import can_research
from dialogue.extensions import csrf, db
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.refusals import NotPermitted, Refusal
from dialogue.reports import analysis, exports
from dialogue.reports.filters import ID_FILTERS, LARGEST_ID, Filters
from dialogue.reports.models import KIND_LABELS
from dialogue.reports.services import user_for_token

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # read-only, and bearer tokens are not sent by browsers on their own

MAX_PER_PAGE = 500
FILTER_NAMES = tuple(f.name for f in fields(Filters))
DEFAULT_PER_PAGE = 100


class ApiError(Refusal):
    """A refusal the API answers as JSON, with its status (400 unless it says)."""

    status = 400


class NotAuthenticated(ApiError):
    """No valid token and no signed-in researcher."""

    status = 401


@api_bp.errorhandler(Refusal)
def _api_error(error: Refusal):
    response = jsonify({"error": error.message})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dialogue-research"'
    return response


@api_bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header[len("Bearer "):].strip())
        if user is None:
            raise NotAuthenticated("The token is not valid or has been revoked.")
        db.session.commit()  # records when the token was last used
        g.api_user = user
        return None
    if request.endpoint == "reports.api.openapi":
        return None
    if not current_user.is_authenticated:
        raise NotAuthenticated("Send a research API token: Authorization: Bearer <token>.")
    if not can_research(current_user):
        raise NotPermitted("Only researchers and administrators can use this API.")
    g.api_user = current_user
    return None


@api_bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# Days from 2000-01-01 to 2999-12-31, as reports.filters accepts them.
DAY = {"type": "string", "format": "date", "pattern": "^2[0-9]{3}-"}

def _paging() -> tuple[int, int]:
    def number(name, default, top):
        raw = request.args.get(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 1 <= int(raw) <= top:
            raise ApiError(f"{name} must be a whole number from 1 to {top}.")
        return int(raw)

    return number("page", 1, 1_000_000), number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def _filters() -> Filters:
    # Refuse what the dashboard would quietly ignore: an API client should know. An
    # empty value too: the document allows none (leave the parameter out instead).
    for name in FILTER_NAMES:
        if name in request.args and not request.args[name].strip():
            raise ApiError(f"{name} is empty: leave it out, or give a value.")
    for name in Filters.rejected(request.args):
        if name in ID_FILTERS:
            raise ApiError(f"{name} must be a whole number from 1 to {LARGEST_ID}.")
        raise ApiError(f"{name} is not a valid value.")
    return Filters.from_args(request.args)


def _page(items: list, total: int, page: int, per_page: int, filters: Filters):
    args = {k: v for k, v in request.args.items() if k not in ("page",)}
    has_next = page * per_page < total
    return jsonify({
        "items": items, "page": page, "per_page": per_page, "total": total,
        "next": url_for(request.endpoint, page=page + 1, **args) if has_next else None,
        "data_version": exports.data_version(filters),
    })


@api_bp.get("/contributions")
def contributions():
    """Contributions in scope, one object per contribution (as contributions.csv)."""
    filters, (page, per_page) = _filters(), _paging()
    total = exports.count_contributions(filters)
    items = list(exports.contribution_rows(filters, offset=(page - 1) * per_page,
                                           limit=per_page))
    return _page(items, total, page, per_page, filters)


def _listing(rows: list[dict], filters: Filters):
    page, per_page = _paging()
    start = (page - 1) * per_page
    return _page(rows[start:start + per_page], len(rows), page, per_page, filters)


@api_bp.get("/participants")
def participants():
    """People with contributions in scope, by pseudonym (as participants.csv)."""
    filters = _filters()
    return _listing(exports.participant_rows(filters), filters)


@api_bp.get("/codes")
def codes():
    """The codebook (as codebook.csv)."""
    filters = _filters()
    return _listing(exports.codebook_rows(), filters)


@api_bp.get("/codings")
def codings():
    """Codes applied to contributions in scope (as coding.csv)."""
    filters = _filters()
    return _listing(exports.coding_rows(filters), filters)


@api_bp.get("/polls")
def polls():
    """Workshop answer counts in scope (as polls.csv)."""
    filters = _filters()
    return _listing(exports.poll_rows(filters), filters)


def _shares(s: analysis.Shares) -> dict:
    return {
        "label": s.label, "people": None if s.suppressed else s.people,
        "suppressed": s.suppressed,
        "shares": {a: s.share(a) for a in analysis.ANSWERS},
    }


@api_bp.get("/findings")
def findings():
    """Reaction shares per finding, overall, by phase and by locality, with small and
    complementary cells withheld (people and shares null)."""
    filters = _filters()
    rows = [{
        "key": f["key"], "title": f["title"], "briefing": f["briefing"],
        "national_figure": f["figure"], "overall": _shares(f["overall"]),
        "by_phase": [_shares(s) for s in f["by_phase"]],
        "by_locality": [_shares(s) for s in f["by_locality"]],
    } for f in analysis.reaction_shares(filters)]
    return _listing(rows, filters)


@api_bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())


# --- the OpenAPI document -----------------------------------------------------------

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_INT = {"type": "integer"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": required if required is not None else list(properties),
            "additionalProperties": False}


def _schemas() -> dict:
    def flat(name, numbers=(), nullable_numbers=()):
        props = {}
        for column, meaning in exports.FILES[name]:
            if column in numbers:
                props[column] = {**_INT, "description": meaning}
            elif column in nullable_numbers:
                props[column] = {"type": ["integer", "null"], "description": meaning}
            else:
                props[column] = {**_STRING, "description": meaning}
        return _object(props)

    contribution = flat("contributions", numbers=("id",), nullable_numbers=("thread_id",))
    contribution["properties"]["kind"]["enum"] = list(KIND_LABELS)
    share = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    shares = _object({
        "label": _STRING, "people": {"type": ["integer", "null"], "minimum": 5},
        "suppressed": {"type": "boolean"},
        "shares": _object({a: share for a in analysis.ANSWERS}),
    })
    figure = {"oneOf": [{"type": "null"}, _object({
        "value": _STRING, "measures": _STRING, "base": _STRING, "source": _STRING,
        "comparable": {"type": "boolean", "description": "A survey share, to compare with"},
        "phase": {**_NULLABLE_STRING, "description": "The one phase the figure is about"},
        "phase_label": _STRING})]}
    return {
        "Contribution": contribution,
        "Participant": flat("participants", numbers=("contributions", "reactions", "comments",
                                                     "posts", "responses",
                                                     "qa_questions")),
        "Code": flat("codebook"),
        "Coding": flat("coding", numbers=("id",)),
        "PollAnswer": flat("polls", nullable_numbers=("people", "count")),
        "Shares": shares,
        "Finding": _object({
            "key": _STRING, "title": _STRING, "briefing": _STRING, "national_figure": figure,
            "overall": {"$ref": "#/components/schemas/Shares"},
            "by_phase": {"type": "array", "items": {"$ref": "#/components/schemas/Shares"}},
            "by_locality": {"type": "array",
                            "items": {"$ref": "#/components/schemas/Shares"}},
        }),
        "Error": _object({"error": _STRING}),
    }


def _filter_parameters() -> list[dict]:
    def param(name, schema, description):
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description}

    ident = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
    return [
        param("locality", ident, "Locality id"),
        param("phase", {"type": "string", "enum": [p.value for p in Phase]}, "School phase"),
        param("school_type", {"type": "string", "enum": [s.value for s in SchoolType]},
              "School type"),
        param("education_role", {"type": "string", "enum": [r.value for r in EducationRole]},
              "Role in education"),
        param("date_from", DAY, "From this day (UTC)"),
        param("date_to", DAY, "Up to and including this day"),
        param("briefing", ident, "Briefing id"),
        param("finding", ident, "Finding id"),
        param("workshop", ident, "Workshop id"),
        param("code", ident, "Code id (includes the codes filed under it)"),
        param("kind", {"type": "string", "enum": list(KIND_LABELS)}, "Kind of contribution"),
        param("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, "Page number"),
        param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
              "Items per page"),
    ]


def _list_operation(summary: str, schema: str) -> dict:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"get": {
        "summary": summary,
        "operationId": f"list{schema}s",
        "parameters": _filter_parameters(),
        "responses": {
            "200": {"description": "A page of results", "content": {"application/json": {
                "schema": _object({
                    "items": {"type": "array",
                              "items": {"$ref": f"#/components/schemas/{schema}"}},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                    "total": {"type": "integer", "minimum": 0},
                    "next": _NULLABLE_STRING,
                    "data_version": _STRING,
                })}}},
            "400": {"description": "A parameter is not valid", **error},
            "401": {"description": "No valid token", **error},
            "403": {"description": "Not a researcher", **error},
        },
    }}


def openapi_document() -> dict:
    """The API's description (OpenAPI 3.1)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dialogue research API", "version": "1.0.0",
            "description": "Read-only access to stakeholder input for researchers. Only "
                           "contributions from people who consented to research use; never "
                           "held, hidden or deleted material. People are pseudonymised.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/contributions": _list_operation("Contributions", "Contribution"),
            "/api/v1/participants": _list_operation("Participants", "Participant"),
            "/api/v1/codes": _list_operation("The codebook", "Code"),
            "/api/v1/codings": _list_operation("Codes applied", "Coding"),
            "/api/v1/polls": _list_operation("Workshop answer counts", "PollAnswer"),
            "/api/v1/findings": _list_operation("Reaction shares per finding", "Finding"),
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
