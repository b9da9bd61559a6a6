"""Static file URLs that change with the file's content, so proxies may cache them for a year.

``url_for('static', filename=...)`` gets ``?v=<first 12 hex of the file's SHA-256>``; the
hashes are computed once per process, on first use of each file. nginx (deploy/nginx)
serves a URL with ``v`` as immutable and one without it (a module imported by path) for
an hour.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask


@lru_cache(maxsize=512)
def _content_version(folder: str, filename: str) -> str | None:
    path = (Path(folder) / filename).resolve()
    if not path.is_relative_to(Path(folder).resolve()) or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_static_versions(app: Flask) -> None:
    """Add the content version to every static URL the app builds."""

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or not app.static_folder:
            return
        version = _content_version(app.static_folder, values.get("filename", ""))
        if version:
            values["v"] = version
