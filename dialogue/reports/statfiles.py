"""The contributions and participants as SPSS (.sav) and Stata (.dta) files.

The rows are the CSV files' own (``exports.contribution_rows`` and
``participant_rows``), so every consent and visibility rule holds unchanged. What the
formats add: each variable carries its meaning from the README as its label (cut to 80
characters, Stata's limit), and the categories (kind, role, phase, school type,
locality, moderation status) are numbered with value labels. The numbering is fixed
(the order of the enums, a locality's id), and every category is labelled whether or
not it occurs, so files made with different filters code alike. An empty category is
system-missing. Written with pyreadstat (ReadStat), the library R's haven uses too.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from sqlalchemy import select

from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS
from dialogue.reports import exports
from dialogue.reports.filters import Filters
from dialogue.reports.models import CONTRIBUTION_KINDS, KIND_LABELS

FORMATS = {"sav": "write_sav", "dta": "write_dta"}
FILES = {"contributions": exports.CONTRIBUTION_COLUMNS,
         "participants": exports.PARTICIPANT_COLUMNS}
LABEL_LIMIT = 80
TIMES = ("created_at", "first_at", "last_at")
NUMBERS = ("id", "thread_id", "contributions", "reactions", "comments", "posts", "responses",
           "qa_questions")


def _naive_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _numbered(words: dict[str, str]) -> tuple[dict[str, int], dict[int, str]]:
    """(raw value -> code, code -> label), coded 1, 2, ... in the given order."""
    codes = {value: i for i, value in enumerate(words, start=1)}
    return codes, {codes[value]: label for value, label in words.items()}


def _categories() -> dict[str, tuple[dict, dict[int, str]]]:
    """Per categorical column: how its values are coded, and the codes' labels."""
    localities = {loc.name: loc.id for loc in db.session.scalars(
        select(Locality).order_by(Locality.position, Locality.id))}
    return {
        "kind": _numbered({kind: KIND_LABELS[kind] for kind in CONTRIBUTION_KINDS}),
        "education_role": _numbered({r.value: w for r, w in EDUCATION_ROLE_LABELS.items()}),
        "phase": _numbered({p.value: w for p, w in PHASE_LABELS.items()}),
        "school_type": _numbered({t.value: w for t, w in SCHOOL_TYPE_LABELS.items()}),
        # Rows name the locality; its id is the code, the same in every export.
        "locality": (localities, {ident: name for name, ident in localities.items()}),
        "moderation_status": _numbered({"visible": "Visible"}),
    }


def _frame(name: str, rows: list[dict], pd) -> tuple:
    columns = [column for column, _ in FILES[name]]
    categories = {k: v for k, v in _categories().items() if k in columns}
    data: dict[str, list] = {column: [row[column] for row in rows] for column in columns}
    for column, (codes, _labels) in categories.items():
        data[column] = [float(codes[v]) if v in codes else float("nan") for v in data[column]]
    for column in TIMES:
        if column in data:  # naive UTC: the formats have no time zones
            data[column] = [_naive_utc(v) if v else pd.NaT for v in data[column]]
    # Each column's type said outright: with no rows there is nothing to infer it from.
    def dtype(column: str) -> str:
        if column in TIMES:
            return "datetime64[ns]"
        if column in categories or column in NUMBERS:
            return "float64"
        return "object"

    frame = pd.DataFrame({column: pd.Series(
        [float("nan") if v is None else v for v in values] if dtype(column) == "float64"
        else values, dtype=dtype(column)) for column, values in data.items()},
        columns=columns)
    return frame, {column: labels for column, (_codes, labels) in categories.items()}


def build(name: str, fmt: str, filters: Filters) -> bytes:
    """One file (``contributions`` or ``participants``) as ``sav`` or ``dta`` bytes."""
    # Imported here, not at start-up: pandas costs every worker time and memory, and
    # only these two downloads need it.
    import pandas as pd
    import pyreadstat

    rows = list(exports.contribution_rows(filters) if name == "contributions"
                else exports.participant_rows(filters))
    frame, value_labels = _frame(name, rows, pd)
    labels = [meaning[:LABEL_LIMIT] for _column, meaning in FILES[name]]
    # ReadStat writes to a path, not a stream: a private temporary file, removed at once.
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        write = getattr(pyreadstat, FORMATS[fmt])
        write(frame, path, column_labels=labels, variable_value_labels=value_labels,
              file_label=f"Dialogue research export: {name}")
        with open(path, "rb") as written:
            return written.read()
    finally:
        os.unlink(path)
