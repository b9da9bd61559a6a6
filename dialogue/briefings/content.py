"""Reading and checking ``content/briefings/*.md``.

``load_content(directory)`` parses every file, renders it with the trusted renderer and
checks it (front matter, finding ids, figure blocks, glossary references, internal
links), returning the parsed briefings and a list of ``ContentError`` (``file:line:
message``). Nothing here touches the database; ``services.import_content`` writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from dialogue.briefings.rendering import (
    RENDERER_VERSION,
    briefing_md,
    figure_html,
    html_to_text,
    render_tokens,
)
from dialogue.markdown import sanitise_trusted_html

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
FINDING_INFO_RE = re.compile(r"^finding\s+\{#([a-z0-9][a-z0-9-]{0,119})\}\s*$")
CONTAINER_LINE_RE = re.compile(r"^\s{0,3}(:{3,})\s*(.*)$")
FIGURE_KEYS = {"value", "measures", "base", "source"}
REQUIRED_FIELDS = ("slug", "title", "summary", "order", "themes", "sources", "updated")
GLOSSARY_LINK = "glossary:"


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class ParsedFinding:
    key: str
    title: str
    body_html: str
    body_text: str
    figures: list[dict]
    terms: list[dict]
    position: int
    line: int


@dataclass
class ParsedBriefing:
    path: Path
    slug: str
    title: str
    summary: str
    order: int
    themes: list[str]
    sources: list[dict]
    updated: dt.date
    is_glossary: bool
    glossary_terms: list[dict]
    body: str = ""
    body_line: int = 1
    raw: bytes = b""
    body_html: str = ""
    segments: list[dict] = field(default_factory=list)
    toc: list[dict] = field(default_factory=list)
    findings: list[ParsedFinding] = field(default_factory=list)
    content_hash: str = ""
    # (line, href) of links to other briefings, checked once every file is parsed.
    internal_links: list[tuple[int, str]] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


def _front_matter_line(text: str, key: str) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text[: match.start()].count("\n") + 1 if match else 1


def _body_start(text: str) -> int:
    """The 0-based line index where the body starts (after the closing ``---``)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            return index + 1
    return len(lines)


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _parse_front_matter(path: Path, name: str, text: str,
                        errors: list[ContentError]) -> ParsedBriefing | None:
    def error(key: str | None, message: str) -> None:
        errors.append(ContentError(name, _front_matter_line(text, key) if key else 1, message))

    if not text.startswith("---"):
        error(None, "the file must start with YAML front matter between '---' lines")
        return None
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        errors.append(ContentError(name, line, f"malformed front matter: {problem}"))
        return None
    meta = post.metadata
    count = len(errors)
    for key in REQUIRED_FIELDS:
        if key not in meta:
            error(None, f"front matter is missing '{key}'")
    if len(errors) > count:
        return None
    if not (isinstance(meta["slug"], str) and SLUG_RE.match(meta["slug"])):
        error("slug", "slug must be lower-case letters, digits and hyphens")
    for key in ("title", "summary"):
        if not _is_text(meta[key]):
            error(key, f"'{key}' must be non-empty text")
    if not isinstance(meta["order"], int) or isinstance(meta["order"], bool):
        error("order", "'order' must be a whole number")
    themes = meta["themes"]
    if not (isinstance(themes, list) and all(isinstance(t, str) and SLUG_RE.match(t)
                                             for t in themes)):
        error("themes", "'themes' must be a list of lower-case words")
    sources = meta["sources"]
    if not (isinstance(sources, list) and sources and all(
            isinstance(s, dict) and set(s) == {"key", "label"} and _is_text(s["key"])
            and _is_text(s["label"]) for s in sources)):
        error("sources", "'sources' must be a list of {key, label} entries")
        sources = []
    elif len({s["key"] for s in sources}) != len(sources):
        error("sources", "source keys must be unique")
    updated = meta["updated"]
    if isinstance(updated, dt.datetime) or not isinstance(updated, dt.date):
        error("updated", "'updated' must be a date (YYYY-MM-DD)")
    is_glossary = meta.get("glossary", False) is True
    terms = meta.get("terms", []) if is_glossary else []
    if is_glossary:
        if not (isinstance(terms, list) and terms and all(
                isinstance(t, dict) and set(t) == {"key", "term", "definition"}
                and isinstance(t["key"], str) and SLUG_RE.match(t["key"])
                and _is_text(t["term"]) and _is_text(t["definition"]) for t in terms)):
            error("terms", "'terms' must be a list of {key, term, definition} entries")
            terms = []
        elif len({t["key"] for t in terms}) != len(terms):
            seen: set[str] = set()
            for term in terms:
                if term["key"] in seen:
                    error("terms", f"duplicate glossary term '{term['key']}'")
                seen.add(term["key"])
    elif "terms" in meta:
        error("terms", "'terms' is only allowed in the glossary (glossary: true)")
    if len(errors) > count:
        return None
    return ParsedBriefing(
        path=path, slug=meta["slug"], title=meta["title"].strip(),
        summary=meta["summary"].strip(), order=meta["order"], themes=list(themes),
        sources=[{"key": s["key"], "label": s["label"]} for s in sources], updated=updated,
        is_glossary=is_glossary, glossary_terms=[dict(t) for t in terms],
    )


class _Body:
    """Walks one briefing body's tokens: findings, figures, links, segments."""

    def __init__(self, briefing: ParsedBriefing, name: str, glossary: dict[str, dict],
                 glossary_slug: str, errors: list[ContentError]):
        self.b = briefing
        self.name = name
        self.glossary = glossary
        self.glossary_slug = glossary_slug
        self.errors = errors
        self.env: dict = {}

    def line(self, token) -> int:
        return self.b.body_line + (token.map[0] if token and token.map else 0)

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.name, line, message))

    def check_container_lines(self) -> None:
        for index, text in enumerate(self.b.body.split("\n")):
            match = CONTAINER_LINE_RE.match(text)
            if match and match.group(2) and not match.group(2).startswith("finding"):
                self.error(self.b.body_line + index,
                           f"unknown block '{match.group(2)}' (only 'finding' blocks exist)")

    def rewrite_inline(self, tokens, line: int, used_terms: dict[str, dict]) -> None:
        """Glossary links become links to the glossary with the definition; internal
        links are recorded for checking; images must be the app's own static files."""
        for token in tokens:
            if token.type == "inline" and token.children:
                self.rewrite_inline(token.children, self.line(token), used_terms)
            elif token.type == "link_open":
                href = token.attrGet("href") or ""
                if href.startswith(GLOSSARY_LINK):
                    key = href[len(GLOSSARY_LINK):]
                    term = self.glossary.get(key)
                    if term is None:
                        self.error(line, f"unknown glossary term '{key}'")
                        continue
                    used_terms.setdefault(key, term)
                    token.attrSet("href", f"/briefings/{self.glossary_slug}#term-{key}")
                    token.attrSet("class", "dialogue-term")
                    token.attrSet("title", term["definition"])
                elif href.startswith(("/briefings/", "/findings/")):
                    self.b.internal_links.append((line, href))
                elif href.startswith("#"):
                    self.b.internal_links.append((line, f"/briefings/{self.b.slug}{href}"))
            elif token.type == "image":
                src = token.attrGet("src") or ""
                if not src.startswith("/static/"):
                    self.error(line, f"images must be files under /static/, not '{src}'")

    def parse_figure(self, token, sources: dict[str, str]) -> dict | None:
        line = self.line(token) + 1
        try:
            data = yaml.safe_load(token.content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line += mark.line if mark is not None else 0
            self.error(line, f"figure block is not valid YAML: "
                             f"{getattr(exc, 'problem', None) or exc}")
            return None
        if not isinstance(data, dict):
            self.error(line, "figure block must contain value, measures, base and source")
            return None
        missing, extra = FIGURE_KEYS - set(data), set(data) - FIGURE_KEYS
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(sorted(missing)))
            if extra:
                parts.append("unexpected " + ", ".join(sorted(map(str, extra))))
            self.error(line, "figure block: " + "; ".join(parts))
            return None
        value = data["value"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not all(_is_text(v) for v in (value, data["measures"], data["base"],
                                         data["source"])):
            self.error(line, "figure block: value, measures, base and source must be text")
            return None
        if data["source"] not in sources:
            self.error(line, f"figure source '{data['source']}' is not one of this file's "
                             f"sources ({', '.join(sources) or 'none'})")
            return None
        if len(value) > 60:
            self.error(line, "figure value is too long (60 characters at most)")
            return None
        return {"value": value.strip(), "measures": data["measures"].strip(),
                "base": data["base"].strip(), "source_key": data["source"],
                "source_label": sources[data["source"]]}

    def parse_finding(self, tokens, position: int) -> ParsedFinding | None:
        open_token = tokens[0]
        line = self.line(open_token)
        match = FINDING_INFO_RE.match(open_token.info.strip())
        if not match:
            self.error(line, "a finding needs an id: ':::: finding {#some-id}'")
            return None
        key = match.group(1)
        if not tokens[-1].markup:  # the container plugin closes an open block at the end
            self.error(line, f"finding '{key}' is not closed with '::::'")
        inner = tokens[1:-1]
        if not (len(inner) >= 3 and inner[0].type == "heading_open" and inner[0].tag == "h3"):
            self.error(line, f"finding '{key}' must start with a '### ' headline")
            return None
        title = inner[1].content.strip()
        body_tokens, figures = [], []
        sources = {s["key"]: s["label"] for s in self.b.sources}
        for token in inner[3:]:
            if token.type == "fence" and token.info.strip() == "figure":
                figure = self.parse_figure(token, sources)
                if figure is not None:
                    figures.append(figure)
            elif token.type.startswith("container_finding"):
                self.error(self.line(token), "findings cannot be nested")
                return None
            else:
                body_tokens.append(token)
        used: dict[str, dict] = {}
        self.rewrite_inline(inner[1:2] + body_tokens, line, used)
        body_html = render_tokens(body_tokens, self.env)
        return ParsedFinding(
            key=key, title=title, body_html=body_html, body_text=html_to_text(body_html),
            figures=figures, terms=[dict(t, key=k) for k, t in used.items()],
            position=position, line=line,
        )

    def run(self) -> None:
        self.check_container_lines()
        tokens = briefing_md.parse(self.b.body, self.env)
        prose: list = []
        html_parts: list[str] = []

        def flush() -> None:
            if prose:
                self.rewrite_inline(prose, self.line(prose[0]), {})
                rendered = render_tokens(prose, self.env)
                if rendered.strip():
                    self.b.segments.append({"html": rendered})
                    html_parts.append(rendered)
                prose.clear()

        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "container_finding_open":
                depth, end = 0, index
                for end in range(index, len(tokens)):
                    if tokens[end].type == "container_finding_open":
                        depth += 1
                    elif tokens[end].type == "container_finding_close":
                        depth -= 1
                        if depth == 0:
                            break
                flush()
                finding = self.parse_finding(tokens[index:end + 1], len(self.b.findings))
                if finding is not None:
                    self.b.findings.append(finding)
                    self.b.segments.append({"finding": finding.key})
                    self.b.toc.append({"id": finding.key, "title": finding.title, "level": 3})
                    self.b.anchors.add(finding.key)
                    html_parts.append(
                        f'<section class="finding" id="{finding.key}">'
                        f"<h2>{_escape(finding.title)}</h2>{finding.body_html}"
                        + "".join(figure_html(f) for f in finding.figures) + "</section>"
                    )
                index = end + 1
                continue
            if token.type == "fence" and token.info.strip() == "figure":
                self.error(self.line(token), "figure blocks belong inside a finding")
            if token.type == "heading_open" and token.tag == "h2":
                anchor = token.attrGet("id")
                self.b.toc.append({"id": anchor, "title": tokens[index + 1].content,
                                   "level": 2})
                self.b.anchors.add(anchor)
            prose.append(token)
            index += 1
        flush()
        for term in self.b.glossary_terms:
            self.b.anchors.add(f"term-{term['key']}")
        self.b.body_html = sanitise_trusted_html("".join(html_parts))


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _hash(briefing: ParsedBriefing, glossary_raw: bytes) -> str:
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    digest.update(briefing.raw)
    digest.update(glossary_raw)  # definitions are rendered into every briefing
    return digest.hexdigest()


def load_content(directory: str | Path) -> tuple[list[ParsedBriefing], list[ContentError]]:
    """Parse, render and check every briefing file; errors are ``file:line: message``."""
    directory = Path(directory)
    errors: list[ContentError] = []
    files = sorted(directory.glob("*.md"))
    if not files:
        return [], [ContentError(str(directory), 0, "no briefing files (*.md) found")]
    briefings: list[ParsedBriefing] = []
    for path in files:
        name = str(path)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(ContentError(name, raw[: exc.start].count(b"\n") + 1,
                                       "the file is not valid UTF-8"))
            continue
        if "\x00" in text:
            errors.append(ContentError(name, text[: text.index("\x00")].count("\n") + 1,
                                       "the file contains a NUL byte"))
            continue
        parsed = _parse_front_matter(path, name, text, errors)
        if parsed is None:
            continue
        start = _body_start(text)
        parsed.body = "\n".join(text.split("\n")[start:])
        parsed.body_line = start + 1
        parsed.raw = raw
        briefings.append(parsed)

    by_slug: dict[str, ParsedBriefing] = {}
    for briefing in briefings:
        if briefing.slug in by_slug:
            errors.append(ContentError(str(briefing.path), _front_matter_line(
                briefing.raw.decode(), "slug"), f"slug '{briefing.slug}' is also used by "
                f"{by_slug[briefing.slug].path.name}"))
        by_slug[briefing.slug] = briefing
    glossaries = [b for b in briefings if b.is_glossary]
    if len(glossaries) > 1:
        errors.append(ContentError(str(glossaries[1].path), 1, "only one glossary file allowed"))
    glossary = {t["key"]: t for g in glossaries for t in g.glossary_terms}
    glossary_slug = glossaries[0].slug if glossaries else "glossary"
    glossary_raw = glossaries[0].raw if glossaries else b""

    finding_files: dict[str, tuple[str, int]] = {}
    for briefing in briefings:
        name = str(briefing.path)
        _Body(briefing, name, glossary, glossary_slug, errors).run()
        for finding in briefing.findings:
            if finding.key in finding_files:
                other, other_line = finding_files[finding.key]
                errors.append(ContentError(name, finding.line, f"duplicate finding id "
                                           f"'{finding.key}' (first used at {other}:"
                                           f"{other_line})"))
            else:
                finding_files[finding.key] = (name, finding.line)
        briefing.content_hash = _hash(briefing, glossary_raw)

    for briefing in briefings:
        for line, href in briefing.internal_links:
            problem = _check_link(href, by_slug, finding_files)
            if problem:
                errors.append(ContentError(str(briefing.path), line, problem))
    errors.sort(key=lambda e: (e.file, e.line))
    briefings.sort(key=lambda b: (b.order, b.slug))
    return briefings, errors


def _check_link(href: str, by_slug: dict[str, ParsedBriefing],
                finding_files: dict[str, tuple[str, int]]) -> str | None:
    path, _, fragment = href.partition("#")
    if path.startswith("/findings/"):
        key = path[len("/findings/"):].rstrip("/")
        return None if key in finding_files else f"broken link '{href}': no finding '{key}'"
    slug = path[len("/briefings/"):].rstrip("/")
    if slug.endswith(".pdf"):
        slug = slug[:-4]
    if slug == "":
        return None
    target = by_slug.get(slug)
    if target is None:
        return f"broken link '{href}': no briefing '{slug}'"
    if fragment and fragment not in target.anchors:
        return f"broken link '{href}': no finding or section '{fragment}' in '{slug}'"
    return None
