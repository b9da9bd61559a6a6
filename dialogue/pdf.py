"""Building PDFs with WeasyPrint, locked down.

Every render goes through ``StaticOnlyFetcher``: it serves the app's own files under
``/static/`` and ``data:`` URLs, and refuses everything else (``file:``, the network,
redirects), so no text a user wrote can make the renderer read a file or a URL.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dialogue.jobs import run_limited

log = logging.getLogger(__name__)

# Documents are rendered as if served from this origin; only its /static/ is readable.
PDF_ORIGIN = "https://dialogue.invalid"


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch (WeasyPrint skips the resource)."""


class StaticOnlyFetcher(URLFetcher):
    """Serve ``<PDF_ORIGIN>/static/...`` from the static folder and ``data:`` URLs only."""

    def __init__(self, static_folder: str | Path):
        super().__init__(allowed_protocols={"https", "data"}, allow_redirects=False)
        self.static_root = Path(static_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == PDF_ORIGIN and parts.path.startswith("/static/"):
            relative = unquote(parts.path[len("/static/"):])
            candidate = (self.static_root / relative).resolve()
            if candidate.is_relative_to(self.static_root) and candidate.is_file():
                content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=candidate.read_bytes(),
                                          headers={"Content-Type": content_type})
        self.refused.append(url)
        log.warning("PDF renderer refused to fetch %r", url[:200])
        raise RefusedURL(f"not fetched: {url[:200]}")


def static_url(filename: str) -> str:
    """The URL of a static file as the PDF renderer sees it."""
    return f"{PDF_ORIGIN}/static/{filename}"


def render_pdf(html: str, *, stylesheets: tuple[str, ...] = ("css/print.css",),
               fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render HTML to PDF bytes with the locked-down fetcher and the print stylesheet(s)."""
    fetcher = fetcher or StaticOnlyFetcher(current_app.static_folder)
    document = HTML(string=html, base_url=PDF_ORIGIN + "/", url_fetcher=fetcher)
    styles = [CSS(url=static_url(name), url_fetcher=fetcher) for name in stylesheets]
    return document.write_pdf(stylesheets=styles)


def render_pdf_limited(html: str, *, stylesheets: tuple[str, ...] = ("css/print.css",)) -> bytes:
    """``render_pdf`` in a niced child process with time and memory limits
    (``dialogue.jobs.run_limited``): a render never competes with live requests, and one
    that crashes or overruns raises ``JobFailed`` instead of taking the worker with it."""
    return run_limited(_render_with_static_files, html, current_app.static_folder,
                       stylesheets)


def _render_with_static_files(html: str, static_folder: str,
                              stylesheets: tuple[str, ...]) -> bytes:
    return render_pdf(html, stylesheets=stylesheets, fetcher=StaticOnlyFetcher(static_folder))
