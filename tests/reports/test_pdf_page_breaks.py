"""The synthesis PDF never splits a finding's table from its heading, nor a row from its
table (issue 15, point 7), checked on the PDF's own text page by page.

Eight findings, each reacted to by 12 people (6 primary in Locality A, 6 secondary in
Locality B), so every finding has a chart and a table of five rows (all, two phases, two
localities) and the document runs over several pages.
"""

import io
import re

from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.profiles import Phase
from dialogue.reports import synthesis
from dialogue.reports.filters import Filters

FINDINGS = 8


def test_no_table_or_row_is_split_from_its_heading(app, factory):
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    people = [factory.user(phase=Phase.PRIMARY, locality_id=a.id, commit=False)
              for _ in range(6)]
    people += [factory.user(phase=Phase.SECONDARY, locality_id=b.id, commit=False)
               for _ in range(6)]
    _briefing, findings = factory.briefing(FINDINGS)
    for finding in findings:
        for i, person in enumerate(people):
            factory.reaction(person, finding, ("matches", "partly", "does_not_match")[i % 3])
    db.session.commit()
    with app.test_request_context():
        pdf = synthesis.render(synthesis.build_html(Filters()))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    keys = {f.key for f in findings}
    seen = 0
    for number, text in enumerate(pages, start=1):
        # Each detailed finding prints its key under its heading, then its table whose
        # first row is "All (all)"; both must be on the same page, every row with them.
        here = [k for k in re.findall(r"\b(b\d+-f\d+)\b", text) if k in keys]
        tables = text.count("(all)")
        assert tables == len(here), f"page {number}: {len(here)} headings, {tables} tables"
        # 12 people, 4 each way: every row reads 33% three times (and the whole room's
        # 12 people); a row cut off would leave fewer on this page.
        assert text.count("33%") >= 3 * 5 * len(here), f"page {number}: a row is elsewhere"
        for label in ("Primary", "Secondary", "Locality A", "Locality B"):
            assert text.count(label) >= len(here), f"page {number}: {label} row elsewhere"
        seen += len(here)
    assert seen == FINDINGS
