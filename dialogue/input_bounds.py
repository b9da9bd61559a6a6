"""Bounds on numbers in URLs, so that no id or page number can reach the database too big.

SQLite and PostgreSQL store integers in 64 bits: a path id or ``page=`` above 2^63 - 1
made the driver raise (a 500) on many routes, several of them signed out. Path ids go
through ``BoundedIntConverter`` (registered as ``int``, so every ``<int:...>`` rule is
covered, including new ones); well-known numeric query parameters are checked before
any view runs.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# The largest value a signed 64-bit column holds.
MAX_ID = 2**63 - 1
# No listing has anywhere near this many pages; beyond it a page is "not found".
MAX_PAGE = 1_000_000
# Query parameters that views read as whole numbers (``where`` is a locality id or a word).
NUMERIC_QUERY_PARAMETERS = {"page": MAX_PAGE, "v": MAX_ID, "s": MAX_ID, "where": MAX_ID}


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only ids a database column can hold (else a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _check_numeric_query_parameters() -> None:
    if request.path.startswith("/api/"):
        # The API checks its own parameters and answers in its own schema (a 400 with
        # the documented range), as its OpenAPI document says.
        return
    for name, largest in NUMERIC_QUERY_PARAMETERS.items():
        raw = request.args.get(name)
        if raw is None or not raw.strip().lstrip("-").isdigit():
            continue  # absent or not a number: the view's own default applies
        if len(raw) > 20 or not 0 <= int(raw) <= largest:
            abort(404, f"There is no {name} {raw[:20]} here: it is out of range.")


def init_input_bounds(app: Flask) -> None:
    """Register the bounded id converter and the query-parameter check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_check_numeric_query_parameters)
