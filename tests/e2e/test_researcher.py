"""The researcher's journey: filter the dashboard, code a contribution, download a CSV and
the PDF synthesis and check what is inside them."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.helpers import DEMO, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_researcher_filters_codes_and_downloads(browse, check_a11y, javascript, tmp_path):
    """Dashboard filters, a code applied, a CSV and a PDF whose contents make sense."""
    page = browse(javascript=javascript)
    sign_in(page, DEMO["researcher"])
    page.get_by_role("link", name="Research", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Research dashboard")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("contributions from")
    expect(summary).not_to_contain_text("match these filters")
    check_a11y(page, "research dashboard")

    # Filter: only primary-phase contributors. With JavaScript the results change in
    # place (the summary is a live region); without it the form is a plain GET.
    page.get_by_label("Phase").select_option(label="Primary")
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()
    expect(summary).to_contain_text("match these filters")
    expect(page).to_have_url(re.compile(r"phase=primary"))
    assert summary.get_attribute("aria-live") == "polite"
    check_a11y(page, "research dashboard, filtered")
    if javascript:
        screenshot(page, "research-filtered")

    # A CSV export of what is filtered: BOM for Excel, a header row, data rows.
    link = page.locator("a[href*='/research/export/'][href*='.csv']").first
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows[0]) > 1, rows[:2]
    assert all(len(row) == len(rows[0]) for row in rows), "ragged CSV"

    # Code a contribution (the default codebook is added first if there is none).
    page.goto("/research/contributions")
    if page.get_by_text("There is no codebook yet").count():
        page.goto("/research/codebook")
        page.get_by_role("button", name="Add the default codes").click()
        page.goto("/research/contributions")
    card = page.locator(".dialogue-codes").first
    expect(card).to_be_visible()
    button = card.locator("button[aria-pressed='false']").first
    code_name = button.evaluate("b => b.firstChild.textContent.trim()")
    button.click()
    card = page.locator(".dialogue-codes").first
    pressed = card.locator("button[aria-pressed='true']", has_text=code_name)
    expect(pressed).to_have_count(1)
    check_a11y(page, "contributions after coding")

    # The PDF synthesis: a job page, then the file; its text names the project.
    page.goto("/research/")
    # The tests run jobs inline, so this POST renders the PDF before it answers.
    # The click waits for the navigation it starts within its own timeout, not the
    # navigation timeout: a busy CI machine took over 10 s to render.
    page.set_default_navigation_timeout(60_000)
    page.get_by_role("button", name="Download PDF synthesis").click(timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF synthesis")
    download_link = page.get_by_role("link", name=re.compile("^Download the PDF"))
    # A job still queued or running polls its own page until the link appears.
    expect(download_link).to_be_visible(timeout=60_000)
    check_a11y(page, "synthesis job ready")
    with page.expect_download() as info:
        download_link.click()
    pdf_path = tmp_path / "synthesis.pdf"
    info.value.save_as(pdf_path)
    reader = PdfReader(pdf_path)
    assert len(reader.pages) >= 1
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert re.search("synthesis|Dialogue", text, re.I), text[:500]


def test_researcher_tries_the_api_from_its_reference(browse, check_a11y):
    """A new token, then "Try it" on the API reference: the answer shows on the page,
    and a wrong token is answered 401 there too (the site's CSP stays as it is)."""
    page = browse()
    sign_in(page, DEMO["researcher"])
    page.goto("/research/tokens")
    page.get_by_label("What the token is for").fill("reference page")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("code.dialogue-token").inner_text().strip()
    assert secret

    page.get_by_role("link", name="the API reference").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    expect(page.get_by_text("Trying a request here needs JavaScript")).to_be_hidden()
    check_a11y(page, "API reference")
    page.get_by_label("Endpoint", exact=True).select_option(
        label="Participants (/api/v1/participants)")
    page.get_by_label("Token", exact=True).fill(secret)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label(re.compile("^per_page")).fill("2")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#api-try-status")).to_have_text(re.compile("^200"))
    expect(page.locator("#api-try-url")).to_have_text("GET /api/v1/participants?per_page=2")
    body = page.locator("#api-try-body").inner_text()
    assert '"per_page": 2' in body and '"items": [' in body
    check_a11y(page, "API reference with an answer")
    screenshot(page, "api-reference")

    page.get_by_label("Token", exact=True).fill("not-a-token")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#api-try-status")).to_have_text(re.compile("^401"))
    expect(page.locator("#api-try-body")).to_contain_text('"error"')
