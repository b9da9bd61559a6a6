"""Reading rendered discussion HTML in moderation tests."""

from __future__ import annotations

from html.parser import HTMLParser


class TagAudit(HTMLParser):
    """Collects the tags and attributes of rendered HTML (text stays text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
