"""``/favicon.ico``, ``/robots.txt`` and ``/.well-known/security.txt`` from dialogue/static.

nginx serves the same files itself (deploy/nginx/dialogue-app.conf); these routes make
them answer when the app runs alone (``make run``, tests).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, current_app

# URL -> file under the static folder, and how long a browser may keep it.
FILES = {
    "/favicon.ico": ("favicon.ico", 86400),
    "/robots.txt": ("robots.txt", 3600),
    "/.well-known/security.txt": (".well-known/security.txt", 3600),
}


def _sender(name: str, max_age: int):
    # Read whole (a few KB) rather than streamed: no open file outlives the response.
    def send():
        body = (Path(current_app.static_folder) / name).read_bytes()
        kind = mimetypes.guess_type(name)[0] or "text/plain"
        return Response(body, mimetype=kind, headers={"Cache-Control": f"max-age={max_age}"})
    return send


def init_wellknown(app: Flask) -> None:
    for url, (name, max_age) in FILES.items():
        endpoint = "wellknown_" + name.rsplit("/", 1)[-1].replace(".", "_")
        app.add_url_rule(url, endpoint, _sender(name, max_age))
