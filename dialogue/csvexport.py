"""CSV output that spreadsheets open safely: UTF-8 with a BOM (Excel), RFC 4180
quoting, and cells that would run as formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell as text; one that a spreadsheet would treat as a formula gets a leading
    apostrophe (OWASP's advice), which spreadsheets show as plain text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    """The whole CSV document as a string (with a BOM unless ``bom=False``)."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        # Numbers are written as they are: a negative number is not a formula.
        writer.writerow([cell if isinstance(cell, int | float) and not isinstance(cell, bool)
                         else neutralise(cell) for cell in row])
    return buffer.getvalue()
