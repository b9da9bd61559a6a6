"""The site search page."""

from __future__ import annotations

from flask import render_template, request

from dialogue.search import bp, index


@bp.route("/search")
def search():
    """Search briefings, findings, forum threads and posts."""
    query = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", 1, type=int) or 1
    results = index.search(query, page=page, per_page=20) if query else None
    return render_template("search/page.html", query=query, results=results)
