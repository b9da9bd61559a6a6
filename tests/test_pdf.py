"""The locked-down PDF renderer: own static files and data: only."""

from __future__ import annotations

import io

from pypdf import PdfReader

from dialogue.pdf import StaticOnlyFetcher, render_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_renders_text_with_page_numbers(app):
    pdf = render_pdf("<h1>Title page</h1><p>Hello briefing</p>")
    assert pdf.startswith(b"%PDF")
    assert "Hello briefing" in _text(pdf)


def test_refuses_files_and_network(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    fetcher = StaticOnlyFetcher(app.static_folder)
    html = (
        f'<link rel="stylesheet" href="file://{secret}">'
        f'<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png">'
        '<img src="/static/../../../etc/passwd">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<p>body</p>'
    )
    pdf = render_pdf(html, fetcher=fetcher)
    assert "TOP SECRET" not in _text(pdf)
    assert b"root:" not in pdf
    refused = " ".join(fetcher.refused)
    assert "secret.txt" in refused and "127.0.0.1" in refused
    assert "passwd" in refused


def test_serves_own_static_files(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    render_pdf('<link rel="stylesheet" href="/static/css/print.css"><p>x</p>', fetcher=fetcher)
    assert not fetcher.refused
