"""Briefing pages, the finding page and the PDF."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from sqlalchemy import select

from dialogue.briefings import services
from dialogue.briefings.models import Briefing
from dialogue.extensions import db


def test_index_lists_briefings_in_order_with_headline_figures(client, imported):
    page = client.get("/briefings/").get_data(as_text=True)
    titles = re.findall(r'<h2 class="govuk-heading-m"><a class="govuk-link" href="/briefings/'
                        r'([a-z-]+)">', page)
    assert titles == ["overview", "hierarchy", "markets", "networks", "mats-and-outcomes",
                      "conclusions", "glossary"]
    assert '<p class="dialogue-figure__value" aria-hidden="true">47</p>' in page


def test_index_filters_by_theme(client, imported):
    page = client.get("/briefings/?theme=equity").get_data(as_text=True)
    assert 'href="/briefings/conclusions"' in page
    assert 'href="/briefings/networks">' not in page
    assert "Showing" in page
    unknown = client.get("/briefings/?theme=<b>x</b>").get_data(as_text=True)
    assert "There is no theme called" in unknown and "<b>x</b>" not in unknown


def test_briefing_page(client, imported):
    response = client.get("/briefings/markets")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<nav class="dialogue-toc"' in page
    assert 'href="#markets-status-hierarchy"' in page
    assert 'id="markets-status-hierarchy"' in page
    # A figure callout: value, what it measures, base and source, in a <figure> with a <dl>.
    callout = re.search(r'<figure class="dialogue-figure"[^>]*>.*?</figure>', page, re.S).group(0)
    for part in ("<dl", "What it measures", "Base", "Source"):
        assert part in callout
    assert 'rel="prev"' in page and 'href="/briefings/hierarchy"' in page
    assert 'rel="next"' in page and 'href="/briefings/networks"' in page
    assert "Last updated" in page and "23 November 2026" in page
    assert 'href="/findings/markets-status-hierarchy#discussion"' in page


def test_first_briefing_has_no_previous_link(client, imported):
    page = client.get("/briefings/overview").get_data(as_text=True)
    assert 'rel="prev"' not in page and 'rel="next"' in page


def test_unknown_briefing_and_finding_are_404(client, imported):
    assert client.get("/briefings/nothing-here").status_code == 404
    assert client.get("/findings/nothing-here").status_code == 404
    assert client.get("/briefings/nothing-here.pdf").status_code == 404


def test_finding_page_shows_figures_and_discussion(client, imported):
    page = client.get("/findings/overview-case-studies").get_data(as_text=True)
    assert "<h1" in page and "The heart of the evidence is 47 school case studies" in page
    assert '<p class="dialogue-figure__value" aria-hidden="true">four</p>' in page
    assert 'id="discussion"' in page


def test_no_request_renders_markdown(client, imported, monkeypatch):
    from dialogue.briefings import rendering

    def refuse(*args, **kwargs):
        raise AssertionError("markdown rendered during a request")

    monkeypatch.setattr(rendering.briefing_md, "parse", refuse)
    monkeypatch.setattr(rendering.briefing_md, "render", refuse)
    for url in ("/briefings/", "/briefings/markets", "/findings/markets-ofsted-fsm",
                "/briefings/glossary"):
        assert client.get(url).status_code == 200


@pytest.mark.slow
def test_pdf_has_cover_contents_figures_and_page_numbers(client, imported, app):
    response = client.get("/briefings/overview.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    pages = len(reader.pages)
    assert 3 <= pages <= 12
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "The study: what was researched and how" in flat
    assert f"Page 1 of {pages}" in flat
    assert f"Page {pages} of {pages}" in flat
    assert "Contents" in flat
    assert "almost 700" in flat and "school leaders surveyed for the study" in flat
    assert "Survey of school leaders (almost 700 respondents)" in flat  # sources
    # No link in the PDF points at the renderer's made-up origin.
    uris = [annot.get_object().get("/A", {}).get("/URI", "")
            for page in reader.pages for annot in page.get("/Annots", []) or []]
    assert not [uri for uri in uris if "dialogue.invalid" in str(uri)]
    # Contents entries carry page numbers.
    assert re.search(r"A survey of almost 700 school leaders gives a national picture \.+ ?\d",
                     flat)


def test_pdf_is_cached_until_content_changes(client, imported, monkeypatch):
    calls = []
    real = services.build_briefing_pdf

    def counting(briefing, **kwargs):
        calls.append(briefing.slug)
        return real(briefing, **kwargs)

    monkeypatch.setattr(services, "build_briefing_pdf", counting)
    first = client.get("/briefings/glossary.pdf").data
    second = client.get("/briefings/glossary.pdf").data
    assert calls == ["glossary"] and first == second
    path = imported / "07-glossary.md"
    path.write_text(path.read_text().replace("Plain-English explanations", "Plain explanations"))
    services.import_content(imported)
    db.session.commit()
    client.get("/briefings/glossary.pdf")
    assert calls == ["glossary", "glossary"]


def test_pdf_fetcher_refuses_files_and_network(app, imported):
    from dialogue.pdf import StaticOnlyFetcher

    briefing = db.session.scalar(select(Briefing).where(Briefing.slug == "glossary"))
    # As if a compromised staff account had slipped these past the sanitiser.
    briefing.body_html += ('<img src="file:///etc/passwd"><img src="https://example.com/x.png">'
                           '<img src="/static/css/../../../../etc/hostname">')
    fetcher = StaticOnlyFetcher(app.static_folder)
    pdf = services.build_briefing_pdf(briefing, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert "file:///etc/passwd" in fetcher.refused
    assert "https://example.com/x.png" in fetcher.refused
    assert any("etc/hostname" in url for url in fetcher.refused)
    db.session.rollback()


@pytest.mark.slow
def test_import_command_builds_the_pdfs_so_requests_do_not(runner, client, content_dir,
                                                           monkeypatch):
    result = runner.invoke(args=["dialogue", "content", "import", "--dir", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "7 PDF(s) built." in result.output

    def refuse(briefing, **kwargs):
        raise AssertionError("a request built a PDF")

    monkeypatch.setattr(services, "build_briefing_pdf", refuse)
    assert client.get("/briefings/conclusions.pdf").status_code == 200
    again = runner.invoke(args=["dialogue", "content", "import", "--dir", str(content_dir)])
    assert "No changes" in again.output and "PDF" not in again.output


@pytest.fixture
def cached_pages(app_config):
    app_config["BRIEFING_PAGE_CHECK_SECONDS"] = 60
    return app_config


def test_briefing_page_is_served_from_cache_without_queries(cached_pages, client, imported):
    from sqlalchemy import event

    client.get("/briefings/markets")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/briefings/markets").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert "markets-status-hierarchy" in page
    # No briefing, finding or comment query: an anonymous view of a cached page only
    # touches the database if the session machinery needs it.
    assert not [s for s in statements if "briefings" in s or "findings" in s or "posts" in s]


def test_import_refreshes_cached_pages_in_this_process(cached_pages, client, imported):
    assert "Plain-English" in client.get("/briefings/").get_data(as_text=True)
    before = client.get("/briefings/overview").get_data(as_text=True)
    path = imported / "01-overview.md"
    path.write_text(path.read_text().replace("### The heart of the evidence",
                                             "### At the heart of the evidence"))
    services.import_content(imported)
    db.session.commit()
    after = client.get("/briefings/overview").get_data(as_text=True)
    assert "The heart of the evidence" in before and "At the heart of the evidence" in after
